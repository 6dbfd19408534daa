"""Shared fixtures: a migrated database per test run on SQLite and on PostgreSQL.

PostgreSQL tests use ``HELPLINE_TEST_PG_URL`` (default: the local server, database
``test``) to create a database of their own for the run; they skip with the reason
when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

import helpline.store.billing_tables
import helpline.store.channel_tables
import helpline.store.desk_tables
import helpline.store.qa_scorecard_tables
import helpline.store.qa_tables
import helpline.store.wfm_tables  # noqa: F401
from helpline.services.context import ServiceContext
from helpline.store.database import make_engine, make_session_factory
from helpline.store.migrate import upgrade
from helpline.store.tables import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: Append-only tables (their triggers refuse DELETE and TRUNCATE): never emptied; tests
#: tell their rows apart by ids of their own.
APPEND_ONLY = frozenset({"audit_log"})
_CLEARED = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in APPEND_ONLY]
_TABLES = ", ".join(t.name for t in _CLEARED)


def pg_admin_url() -> str:
    return os.environ.get("HELPLINE_TEST_PG_URL", DEFAULT_PG)


def _pg_unavailable_reason() -> str | None:
    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL not reachable at {pg_admin_url()}: {type(error).__name__}"
    return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head."""
    reason = _pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = f"helpline_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url().rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "helpline.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each integration test runs on both stores."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
        else:
            for table in _CLEARED:
                conn.execute(table.delete())


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """Engine on a clean (truncated) migrated database."""
    eng = make_engine(db_url)
    truncate_all(eng)
    yield eng
    eng.dispose()


class ManualClock:
    """A clock the test moves by hand (timezone-aware)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def published() -> list[dict[str, object]]:
    return []


@pytest.fixture
def ctx(engine: Engine, clock: ManualClock, published: list[dict[str, object]]) -> ServiceContext:
    """Services on the clean database, a manual clock, auto-dispatch on, and every
    notification published after commit collected in ``published``."""
    return ServiceContext(session_factory=make_session_factory(engine),
                          publish=published.extend, clock=clock)
