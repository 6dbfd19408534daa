"""Unit of work: one transaction per use case; events are appended to the log in
that transaction and published to the notifier only after it commits."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from psycopg.types.json import Json
from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from helpline.domain.events import Event, EventType
from helpline.store.billing_repository import BillingRepository
from helpline.store.driver import postgres_sql, send_pipelined
from helpline.store.repositories import (
    AgentRepository,
    CannedReplyRepository,
    ContactRepository,
    EventRepository,
    MessageRepository,
    QueueRepository,
    TokenRepository,
)
from helpline.store.tables import EventRow

Publish = Callable[[list[dict[str, Any]]], None]
T = TypeVar("T")

#: Logged but not pushed to sockets: the richer ``message`` notification carries it.
UNPUBLISHED_EVENTS = frozenset({EventType.MESSAGE_SENT})

#: PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock.
_RETRY_SQLSTATES = {"40001", "40P01"}


_EVENT_COLUMNS = ("at", "type", "contact_id", "agent_id", "queue_id", "data")
_EVENT_INSERT = insert(EventRow.__table__).values(
    {name: bindparam(name) for name in _EVENT_COLUMNS})


def _event_values(event: Event) -> dict[str, Any]:
    """An event as the columns of its ``events`` row."""
    return {"at": event.at, "type": event.type.value, "contact_id": event.contact_id,
            "agent_id": event.agent_id, "queue_id": event.queue_id, "data": event.data}


@functools.lru_cache(maxsize=64)
def _driver_sql(stmt: Any) -> str:
    return postgres_sql(stmt)


def event_payload(event: Event) -> dict[str, Any]:
    return {
        "type": event.type.value,
        "at": event.at.isoformat(),
        "contact_id": event.contact_id,
        "agent_id": event.agent_id,
        "queue_id": event.queue_id,
        "data": event.data,
    }


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], publish: Publish | None = None,
                 *, autocommit: bool = False):
        self._session_factory = session_factory
        self._autocommit = autocommit
        self._publish = publish
        self._extra: list[dict[str, Any]] = []
        #: Core writes queued for :meth:`commit` (``durable=False`` on PostgreSQL sends
        #: them in one round trip; otherwise they run in order before the events)
        self.deferred: list[tuple[Any, list[dict[str, Any]]]] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.contacts = ContactRepository(self.session)
        self.agents = AgentRepository(self.session)
        self.queues = QueueRepository(self.session)
        self.messages = MessageRepository(self.session)
        self.events = EventRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.canned = CannedReplyRepository(self.session)
        self.billing = BillingRepository(self.session)
        self._extra = []
        self.deferred = []
        if self._autocommit:
            # every statement is its own transaction: for use cases that are one
            # statement, this saves the BEGIN and COMMIT round trips
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back anything uncommitted but, unlike rollback(), leaves
        # loaded attributes readable on the detached objects.
        self.session.close()

    def notify(self, payload: dict[str, Any]) -> None:
        """Queue a real-time notification that is not a domain event (e.g. a message)."""
        self._extra.append(payload)

    def _collect_events(self, defer: list[tuple[Any, list[dict[str, Any]]]] | None = None
                        ) -> list[Event]:
        """Write the aggregates back (plain-row contact UPDATEs to ``defer`` when
        given) and take their new events, in time order."""
        collected: list[Event] = []
        for aggregate in [*self.contacts.write_back(defer=defer), *self.agents.write_back()]:
            collected.extend(aggregate.events)
            aggregate.events.clear()
        collected.sort(key=lambda e: e.at)
        return collected

    def _take_payloads(self, events: list[Event]) -> list[dict[str, Any]]:
        """What to publish after the commit: the events and the queued notifications."""
        payloads = [event_payload(e) for e in events
                    if e.type not in UNPUBLISHED_EVENTS] + self._extra
        self._extra = []
        return payloads

    def commit(self, *, durable: bool = True) -> None:
        """Write back, append the events, commit, then publish.

        ``durable=False`` (PostgreSQL only; SQLite ignores it) commits without waiting
        for the WAL flush (``SET LOCAL synchronous_commit TO off``). Locks and
        visibility are unchanged: other transactions see the commit at once. What a
        database crash can lose is the last fraction of a second of such commits, never
        a part of one, and any later durable commit flushes them too. Only for
        decisions that are safe to lose and make again (a routing offer: the contact is
        simply still queued and is offered again); never for messages, money or
        anything acknowledged to a person."""
        if not durable and self.session.get_bind().dialect.name == "postgresql":
            self._commit_pipelined()
            return
        deferred, self.deferred = self.deferred, []
        for stmt, rows in deferred:
            self.session.connection().execute(stmt, rows if len(rows) > 1 else rows[0])
        events = self._collect_events()
        self.events.add_many(EventRow(**_event_values(e)) for e in events)
        payloads = self._take_payloads(events)
        self.billing.flush()
        self.session.commit()
        if self._publish is not None and payloads:
            self._publish(payloads)

    def _commit_pipelined(self) -> None:
        """PostgreSQL, ``durable=False``: ``SET LOCAL synchronous_commit``, the queued
        writes (:attr:`deferred`), the plain-row contact UPDATEs and the events sent in
        one round trip (psycopg pipeline), then COMMIT. Errors surface as the same
        SQLAlchemy exceptions as the ordinary path (``with_retries`` sees deadlocks)."""
        writes, self.deferred = self.deferred, []
        events = self._collect_events(defer=writes)
        if events:
            writes.append((_EVENT_INSERT, [{**_event_values(e), "data": Json(e.data or {})}
                                           for e in events]))
        payloads = self._take_payloads(events)
        self.billing.flush()
        self.session.flush()  # ORM changes, if any, go first
        send_pipelined(self.session, [("SET LOCAL synchronous_commit TO off", []),
                                      *((_driver_sql(stmt), rows) for stmt, rows in writes)])
        self.session.commit()
        if self._publish is not None and payloads:
            self._publish(payloads)

    def rollback(self) -> None:
        self.session.rollback()


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, OperationalError | DBAPIError):
        if error.connection_invalidated:
            return True  # a pooled connection was dead (database restarted): use a new one
        sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
        return sqlstate in _RETRY_SQLSTATES
    return False


def with_retries(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run a whole use case again on deadlock/serialization failure (PostgreSQL) or
    when its pooled connection turned out dead. Only for use cases that are safe to
    repeat: they re-read what they change under locks, or are idempotent by key."""
    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, DBAPIError) as error:
            if not is_retryable(error) or attempt == attempts - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")
