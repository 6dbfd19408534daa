"""Alembic environment: the URL comes from the caller's config (``helpline db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import helpline.store.billing_tables
import helpline.store.channel_tables
import helpline.store.desk_tables
import helpline.store.qa_scorecard_tables
import helpline.store.qa_tables
import helpline.store.wfm_tables  # noqa: F401
from helpline.store.migrate import include_name
from helpline.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "",
                           poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
