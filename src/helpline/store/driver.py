"""Running prebuilt statements straight through psycopg (PostgreSQL hot paths).

SQLAlchemy builds the statements once; hot paths hand the compiled text to the
driver of the session's own connection (same transaction) as prepared statements.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import psycopg
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import DBAPIError
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


def send_pipelined(session: Session, writes: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
    """Send ``(sql, rows)`` writes, in order, in one round trip (psycopg pipeline) on
    the session's connection, inside its transaction: one row as a prepared statement,
    several with ``executemany``. A driver error surfaces as the SQLAlchemy exception
    the ordinary path would raise (``IntegrityError``, the deadlock / serialization
    ``OperationalError`` that ``with_retries`` repeats, ...)."""
    driver = driver_connection(session)
    sql = ""
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            for sql, rows in writes:
                if len(rows) == 1:
                    cursor.execute(sql, rows[0], prepare=True)
                elif rows:
                    cursor.executemany(sql, rows)
                else:
                    cursor.execute(sql)
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, None, error, psycopg.Error) from error
