"""Running prebuilt statements straight through psycopg (PostgreSQL hot paths).

SQLAlchemy builds the statements once; hot paths hand the compiled text to the
driver of the session's own connection (same transaction) as prepared statements.
"""

from __future__ import annotations

import functools
from typing import Any

import psycopg
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.orm import Session


@functools.lru_cache(maxsize=128)
def postgres_sql(stmt: Any) -> str:
    """The statement as psycopg SQL text (``%(name)s`` parameters), compiled once."""
    return str(stmt.compile(dialect=postgresql_psycopg.dialect()))


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under ``session`` (inside its current transaction)."""
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver
