"""Repositories: load rows as domain objects, remember them, write them back.

Repositories never commit; the unit of work does. ``lock_*`` methods take row
locks on PostgreSQL (``FOR UPDATE``, with ``SKIP LOCKED`` where another app
server may legitimately hold the row); SQLite serializes writers instead.
"""

from __future__ import annotations

import functools
import json
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from time import monotonic
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    TextClause,
    and_,
    any_,
    bindparam,
    cast,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from helpline.domain.agents import Agent, AgentStatus, Role
from helpline.domain.channels import Channel
from helpline.domain.clock import check_aware
from helpline.domain.contacts import HOLDS_CAPACITY, Contact, ContactState
from helpline.domain.errors import NotFound
from helpline.domain.queues import BusinessHours, EscalationStep, Queue
from helpline.domain.routing import AgentSnapshot
from helpline.store.driver import driver_connection, postgres_sql
from helpline.store.tables import (
    AgentRow,
    ApiTokenRow,
    CannedReplyRow,
    ContactRow,
    EventRow,
    MessageRow,
    QueueRow,
)
from helpline.store.types import UTCDateTime

_CONTACT_FIELDS = (
    "queue_id", "priority", "state", "agent_id", "target_agent_id", "enqueued_at",
    "queue_entered_at", "offered_at", "offer_expires_at", "answered_at", "wrapped_up_at",
    "ended_at", "wrapup_code", "offline_message", "rating", "customer_name", "customer_phone",
    "held_since",
)


def any_of(column: Any, name: str, postgres: bool) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``: ``= ANY(:name)`` on
    PostgreSQL (one statement text for any list length, so it stays prepared),
    an expanding ``IN`` elsewhere."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


_AGENTS = AgentRow.__table__
_CONTACTS = ContactRow.__table__
_HELD_STATES = [s.value for s in HOLDS_CAPACITY]


def _holds_capacity(column: Any) -> ColumnElement[bool]:
    """``state IN ('offered', 'active', 'wrap_up')`` with the values written into the
    statement (fixed, so it stays one prepared statement): a generic plan can then use
    them as an index condition on ``(agent_id, state)`` instead of filtering every
    contact the agent ever had."""
    return column.in_(bindparam("held_states", _HELD_STATES, expanding=True,  # type: ignore[no-any-return]
                                literal_execute=True))


@functools.lru_cache(maxsize=16)
def _available_agents_stmt(postgres: bool, by_ids: bool, lock: bool) -> Select[Any]:
    """Available agents' routing columns (profiles as JSON text); unlocked, with
    their load per channel counted over one join with the contacts they hold (one
    pass, not a sub-select per agent and channel). Built once per shape."""
    columns: list[Any] = [
        _AGENTS.c.id, _AGENTS.c.idle_since, _AGENTS.c.capacity_shared,
        cast(_AGENTS.c.skills, Text), cast(_AGENTS.c.languages, Text),
        cast(_AGENTS.c.capacity, Text)]
    if not lock:
        columns += [func.count(_CONTACTS.c.id).filter(_CONTACTS.c.channel == channel.value)
                    for channel in Channel]
        held = _AGENTS.outerjoin(_CONTACTS, and_(_CONTACTS.c.agent_id == _AGENTS.c.id,
                                                 _holds_capacity(_CONTACTS.c.state)))
        stmt = (select(*columns).select_from(held)
                .where(_AGENTS.c.status == AgentStatus.AVAILABLE.value)
                .group_by(_AGENTS.c.id))
    else:
        stmt = select(*columns).where(_AGENTS.c.status == AgentStatus.AVAILABLE.value)
    if by_ids:
        stmt = stmt.where(any_of(_AGENTS.c.id, "ids", postgres))
    if lock:
        stmt = stmt.order_by(_AGENTS.c.id).with_for_update(skip_locked=True)
    return stmt


@functools.lru_cache(maxsize=4)
def _load_stmt(postgres: bool) -> Select[Any]:
    return (select(_CONTACTS.c.agent_id, _CONTACTS.c.channel, func.count())
            .where(any_of(_CONTACTS.c.agent_id, "ids", postgres),
                   _holds_capacity(_CONTACTS.c.state))
            .group_by(_CONTACTS.c.agent_id, _CONTACTS.c.channel))


@functools.lru_cache(maxsize=4)
def _touch_idle_stmt(postgres: bool) -> Any:
    return (update(_AGENTS).where(any_of(_AGENTS.c.id, "ids", postgres))
            .values(idle_since=bindparam("now", type_=UTCDateTime())))


@functools.lru_cache(maxsize=16)
def _queued_stmt(postgres: bool, filtered: bool) -> Select[Any]:
    """Queued contacts in service order, locked, as plain rows (Core: the routing pass
    writes back only what changed, see :meth:`ContactRepository.write_back`)."""
    stmt = select(*_CONTACTS.c).where(ContactRow.state == ContactState.QUEUED.value)
    if filtered:
        stmt = stmt.where(any_of(ContactRow.channel, "channels", postgres),
                          or_(any_of(ContactRow.queue_id, "queue_ids", postgres),
                              any_of(ContactRow.target_agent_id, "reserved_for", postgres)))
    return (stmt.order_by(ContactRow.priority.desc(), ContactRow.enqueued_at, ContactRow.id)
            .limit(bindparam("limit")).with_for_update(skip_locked=True))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@functools.lru_cache(maxsize=8192)
def routing_profile(skills: str, languages: str, capacity: str) -> tuple[
        Mapping[str, int], frozenset[str], Mapping[Channel, int]]:
    """An agent's stored JSON (as text) -> skills, languages, capacity. Cached by the
    text: profiles rarely change, and a routing pass reads every free agent."""
    return (MappingProxyType(levels(json.loads(skills))),
            frozenset(json.loads(languages) or []),
            MappingProxyType({Channel(k): int(v)
                              for k, v in (json.loads(capacity) or {}).items()}))


def levels(raw: dict[str, Any] | None) -> dict[str, int]:
    """Skill levels as stored (JSON) -> ``{skill: level}``."""
    return {k: int(v) for k, v in (raw or {}).items()}


@dataclass(frozen=True)
class AgentProfile:
    """What eligibility and wait estimates need to know about a logged-in agent."""

    skills: dict[str, int]
    languages: frozenset[str]
    capacity: dict[str, int]


def _set(row: Any, name: str, value: Any) -> None:
    if getattr(row, name) != value:
        setattr(row, name, value)


# -- contacts ---------------------------------------------------------------------------
def contact_from_row(row: ContactRow) -> Contact:
    return Contact(
        id=row.id, channel=Channel(row.channel), queue_id=row.queue_id,
        customer_name=row.customer_name, customer_phone=row.customer_phone,
        created_at=row.created_at, enqueued_at=row.enqueued_at,
        queue_entered_at=row.queue_entered_at, priority=row.priority,
        attributes=dict(row.attributes or {}), state=ContactState(row.state),
        agent_id=row.agent_id, target_agent_id=row.target_agent_id, offered_at=row.offered_at,
        offer_expires_at=row.offer_expires_at, answered_at=row.answered_at,
        wrapped_up_at=row.wrapped_up_at, ended_at=row.ended_at, wrapup_code=row.wrapup_code,
        skipped_agents=dict(row.skipped_agents or {}), offline_message=row.offline_message,
        rating=row.rating, held_since=row.held_since,
    )


def sync_contact_row(row: ContactRow, contact: Contact) -> None:
    for name, value in contact_values(contact).items():
        _set(row, name, value)


def contact_values(contact: Contact) -> dict[str, Any]:
    """The stored columns a contact's transitions may change, as stored."""
    values = {name: getattr(contact, name) for name in _CONTACT_FIELDS}
    values["state"] = contact.state.value
    values["attributes"] = dict(contact.attributes)
    values["skipped_agents"] = dict(contact.skipped_agents)
    return values


@functools.lru_cache(maxsize=64)
def _contact_update_stmt(columns: tuple[str, ...]) -> Any:
    return (update(_CONTACTS).where(_CONTACTS.c.id == bindparam("_id"))
            .values({name: bindparam(name, type_=_CONTACTS.c[name].type) for name in columns}))


class ContactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: dict[str, tuple[ContactRow, Contact]] = {}
        #: contacts loaded as plain rows (no ORM object): their stored values at load
        self.plain: dict[str, tuple[dict[str, Any], Contact]] = {}

    def _track(self, row: ContactRow) -> Contact:
        if row.id in self.seen:
            return self.seen[row.id][1]
        contact = contact_from_row(row)
        self.seen[row.id] = (row, contact)
        return contact

    def add(self, contact: Contact, customer_token_hash: str = "") -> None:
        row = ContactRow(
            id=contact.id, channel=contact.channel.value, created_at=contact.created_at,
            customer_token_hash=customer_token_hash, last_seq=0, attributes={},
            skipped_agents={},
        )
        sync_contact_row(row, contact)
        self.session.add(row)
        self.seen[contact.id] = (row, contact)

    def get(self, contact_id: str, *, lock: bool = False) -> Contact:
        if contact_id in self.plain:  # already loaded (and locked) by lock_queued
            return self.plain[contact_id][1]
        stmt = select(ContactRow).where(ContactRow.id == contact_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFound("no such contact", contact_id=contact_id)
        return self._track(row)

    def token_hash(self, contact_id: str) -> str | None:
        return self.session.scalar(
            select(ContactRow.customer_token_hash).where(ContactRow.id == contact_id)
        )

    def lock_queued(self, limit: int, *, channels: Iterable[Channel] | None = None,
                    queue_ids: Iterable[str] | None = None,
                    reserved_for: Iterable[str] = ()) -> list[Contact]:
        """Queued contacts in service order that no other server is routing now,
        optionally only on some channels and in some queues (plus any contact
        reserved for one of ``reserved_for``, whatever its queue)."""
        if (channels is None) != (queue_ids is None):
            raise ValueError("give both channels and queue_ids, or neither")
        params: dict[str, Any] = {"limit": limit}
        if channels is not None and queue_ids is not None:
            params.update(channels=sorted(c.value for c in channels),
                          queue_ids=list(queue_ids), reserved_for=list(reserved_for))
        stmt = _queued_stmt(_is_postgres(self.session), channels is not None)
        contacts = []
        for row in self.session.connection().execute(stmt, params):
            if row.id in self.seen:  # already an ORM object in this unit of work
                contacts.append(self.seen[row.id][1])
                continue
            contact = self.plain[row.id][1] if row.id in self.plain else contact_from_row(row)
            self.plain.setdefault(row.id, (contact_values(contact), contact))
            contacts.append(contact)
        return contacts

    def lock_expired_offers(self, now: datetime, limit: int = 200) -> list[Contact]:
        stmt = (
            select(ContactRow)
            .where(ContactRow.state == ContactState.OFFERED.value,
                   ContactRow.offer_expires_at <= now)
            .order_by(ContactRow.offer_expires_at, ContactRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [self._track(r) for r in self.session.scalars(stmt)]

    def lock_held_by(self, agent_id: str, states: Iterable[ContactState]) -> list[Contact]:
        stmt = (
            select(ContactRow)
            .where(ContactRow.agent_id == agent_id,
                   ContactRow.state.in_([s.value for s in states]))
            .order_by(ContactRow.id)
            .with_for_update()
        )
        return [self._track(r) for r in self.session.scalars(stmt)]

    def bump_seq(self, contact_id: str) -> tuple[ContactState, str | None, str, int] | None:
        """Lock the contact and take its next message sequence number in one
        statement; returns (state, assigned agent, queue, seq) or None if missing."""
        row = self.session.execute(
            update(ContactRow).where(ContactRow.id == contact_id)
            .values(last_seq=ContactRow.last_seq + 1)
            .returning(ContactRow.state, ContactRow.agent_id, ContactRow.queue_id,
                       ContactRow.last_seq)
        ).first()
        if row is None:
            return None
        return ContactState(row[0]), row[1], row[2], int(row[3])

    def query(self, stmt: Select[tuple[ContactRow]]) -> list[Contact]:
        return [self._track(r) for r in self.session.scalars(stmt)]

    def write_back(self, defer: list[tuple[Any, list[dict[str, Any]]]] | None = None
                   ) -> list[Contact]:
        """Copy changed contacts to their rows. Every contact transition records an
        event, so a contact without new events is unchanged and is skipped. The
        UPDATEs of contacts loaded as plain rows go to ``defer`` when given (the unit of
        work sends them in one round trip), else they are executed now."""
        changed = [(row, c) for row, c in self.seen.values() if c.events]
        for row, contact in changed:
            sync_contact_row(row, contact)
        plain = [(before, c) for before, c in self.plain.values() if c.events]
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for before, contact in plain:
            after = contact_values(contact)
            columns = tuple(k for k, v in after.items() if before[k] != v)
            if columns:
                by_columns.setdefault(columns, []).append(
                    {"_id": contact.id, **{k: after[k] for k in columns}})
                self.plain[contact.id] = (after, contact)
        connection = self.session.connection() if by_columns and defer is None else None
        for columns, rows in by_columns.items():
            if defer is not None:
                defer.append((_contact_update_stmt(columns), rows))
                continue
            assert connection is not None
            connection.execute(_contact_update_stmt(columns), rows)
        return [c for _, c in changed] + [c for _, c in plain]


# -- agents -----------------------------------------------------------------------------
def agent_from_row(row: AgentRow) -> Agent:
    return Agent(
        id=row.id, name=row.display_name, role=Role(row.role), status=AgentStatus(row.status),
        status_since=row.status_since, idle_since=row.idle_since,
        skills=levels(row.skills),
        languages=frozenset(row.languages or []),
        capacity={Channel(k): int(v) for k, v in (row.capacity or {}).items()},
        capacity_shared=row.capacity_shared, missed_offers=row.missed_offers,
    )


def sync_agent_row(row: AgentRow, agent: Agent) -> None:
    _set(row, "display_name", agent.name)
    _set(row, "role", agent.role.value)
    _set(row, "status", agent.status.value)
    _set(row, "status_since", agent.status_since)
    _set(row, "idle_since", agent.idle_since)
    _set(row, "missed_offers", agent.missed_offers)
    _set(row, "skills", dict(agent.skills))
    _set(row, "languages", sorted(agent.languages))
    _set(row, "capacity", {k.value: v for k, v in agent.capacity.items()})
    _set(row, "capacity_shared", agent.capacity_shared)


@dataclass(frozen=True)
class Account:
    """Login data of an agent (kept out of the routing domain)."""

    id: str
    username: str
    display_name: str
    role: Role
    ui_language: str
    password_hash: str


class AgentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: dict[str, tuple[AgentRow, Agent]] = {}

    def _track(self, row: AgentRow) -> Agent:
        if row.id in self.seen:
            return self.seen[row.id][1]
        agent = agent_from_row(row)
        self.seen[row.id] = (row, agent)
        return agent

    def add(self, agent: Agent, *, username: str, password_hash: str, ui_language: str,
            created_at: datetime) -> None:
        row = AgentRow(id=agent.id, username=username, password_hash=password_hash,
                       ui_language=ui_language, created_at=created_at,
                       display_name=agent.name, role=agent.role.value)
        sync_agent_row(row, agent)
        self.session.add(row)
        self.seen[agent.id] = (row, agent)

    def get(self, agent_id: str, *, lock: bool = False) -> Agent:
        stmt = select(AgentRow).where(AgentRow.id == agent_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFound("no such agent", agent_id=agent_id)
        return self._track(row)

    def available_snapshots(self, ids: Sequence[str] | None = None, *,
                            lock: bool = False) -> list[AgentSnapshot]:
        """Available agents as routing snapshots with their load (contacts offered,
        active or in wrap-up, per channel).

        Unlocked: one statement, a hint only. With ``lock``: rows another server is
        assigning right now are skipped (SKIP LOCKED), and the load is read by a
        second statement *after* the locks are held. That one sees every commit made
        before the locks were granted (READ COMMITTED takes a snapshot per
        statement), so it is authoritative: load only grows under the agent's lock.
        Reading it in the locking statement would use that statement's older
        snapshot and could miss an offer another server committed meanwhile."""
        stmt = _available_agents_stmt(_is_postgres(self.session), ids is not None, lock)
        conn = self.session.connection()
        rows = conn.execute(stmt, {"ids": list(ids)} if ids is not None else {}).all()
        if lock:
            loads = self._load_by_agent([r[0] for r in rows])
        else:
            loads = {r[0]: {ch: n for ch, n in zip(Channel, r[6:9], strict=True) if n}
                     for r in rows}
        snapshots = []
        for agent_id, idle_since, shared, skills_json, languages_json, capacity_json, \
                *_ in rows:
            skills, languages, capacity = routing_profile(skills_json, languages_json,
                                                          capacity_json)
            snapshots.append(AgentSnapshot(
                id=agent_id, status=AgentStatus.AVAILABLE, idle_since=idle_since,
                skills=skills, languages=languages, capacity=capacity,
                capacity_shared=bool(shared), load=loads.get(agent_id, {})))
        return snapshots

    def _load_by_agent(self, agent_ids: Sequence[str]) -> dict[str, dict[Channel, int]]:
        """Contacts each agent holds (offered, active or in wrap-up), per channel."""
        if not agent_ids:
            return {}
        stmt = _load_stmt(_is_postgres(self.session))
        rows = self.session.connection().execute(stmt, {"ids": list(agent_ids)})
        load: dict[str, dict[Channel, int]] = {a: {} for a in agent_ids}
        for agent_id, channel, count in rows:
            load[agent_id][Channel(channel)] = count
        return load

    def logged_in_profiles(self) -> list[AgentProfile]:
        """Agents who are logged in and not set not-ready by the system."""
        rows = self.session.execute(
            select(AgentRow.skills, AgentRow.languages, AgentRow.capacity).where(
                AgentRow.status.notin_([AgentStatus.OFFLINE.value, AgentStatus.NOT_READY.value]))
        ).all()
        return [AgentProfile(levels(r.skills), frozenset(r.languages or []),
                             levels(r.capacity)) for r in rows]

    def directory(self) -> list[dict[str, str]]:
        """Everyone's id, name, role and status (for transfers), by name."""
        rows = self.session.execute(
            select(AgentRow.id, AgentRow.display_name, AgentRow.role, AgentRow.status)
            .order_by(AgentRow.display_name, AgentRow.id)).all()
        return [{"id": r.id, "name": r.display_name, "role": r.role, "status": r.status}
                for r in rows]

    def touch_idle(self, agent_ids: Sequence[str], now: datetime, *,
                   defer: list[tuple[Any, list[dict[str, Any]]]] | None = None) -> None:
        """Send agents who were just given work to the back of the idle line (a Core
        statement: agent objects loaded in this unit of work are not refreshed).
        With ``defer`` the statement is queued there instead of executed now."""
        if not agent_ids:
            return
        stmt = _touch_idle_stmt(_is_postgres(self.session))
        params = {"ids": list(agent_ids), "now": now}
        if defer is not None:
            defer.append((stmt, [params]))
        else:
            self.session.connection().execute(stmt, params)

    def list_all(self) -> list[Agent]:
        rows = self.session.scalars(select(AgentRow).order_by(AgentRow.display_name, AgentRow.id))
        return [self._track(r) for r in rows]

    def account_by_username(self, username: str) -> Account | None:
        row = self.session.scalars(select(AgentRow).where(AgentRow.username == username)).first()
        return _account(row) if row else None

    def account(self, agent_id: str) -> Account | None:
        row = self.session.get(AgentRow, agent_id)
        return _account(row) if row else None

    def set_ui_language(self, agent_id: str, language: str) -> None:
        self.session.execute(
            update(AgentRow).where(AgentRow.id == agent_id).values(ui_language=language)
        )

    def set_password_hash(self, agent_id: str, password_hash: str) -> None:
        self.session.execute(
            update(AgentRow).where(AgentRow.id == agent_id).values(password_hash=password_hash)
        )

    def write_back(self) -> list[Agent]:
        for row, agent in self.seen.values():
            sync_agent_row(row, agent)
        return [a for _, a in self.seen.values()]


def _account(row: AgentRow) -> Account:
    return Account(id=row.id, username=row.username, display_name=row.display_name,
                   role=Role(row.role), ui_language=row.ui_language,
                   password_hash=row.password_hash)


# -- queues -----------------------------------------------------------------------------
def queue_from_row(row: QueueRow) -> Queue:
    hours = None
    if row.business_hours:
        bh = row.business_hours
        hours = BusinessHours(opens=time.fromisoformat(bh["opens"]),
                              closes=time.fromisoformat(bh["closes"]),
                              weekdays=frozenset(bh.get("weekdays", range(7))))
    return Queue(
        id=row.id, name=row.name, skill=row.skill, min_level=row.min_level,
        require_language=row.require_language,
        sl_threshold_seconds={Channel(k): int(v) for k, v in
                              (row.sl_threshold_seconds or {}).items()} or None,
        offer_timeout_seconds=row.offer_timeout_seconds,
        max_missed_offers=row.max_missed_offers, redo_after_seconds=row.redo_after_seconds,
        escalation=tuple(
            EscalationStep(after_seconds=int(s["after_seconds"]), min_level=s.get("min_level"),
                           extra_skills=tuple(s.get("extra_skills", ())),
                           any_language=bool(s.get("any_language", False)))
            for s in (row.escalation or [])
        ),
        business_hours=hours,
    )


#: Queue definitions change rarely and every routing pass reads them all, so each
#: process keeps a copy per database for this many seconds. A change flushed by this
#: process's sessions drops the copies at once; one made by another process (e.g.
#: ``helpline queues set`` while servers run) is seen within this time.
QUEUE_CACHE_SECONDS = 1.0
_queue_cache: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, Queue]]] = (
    weakref.WeakKeyDictionary())
_queue_cache_lock = threading.Lock()


@event.listens_for(Session, "after_flush")
def _drop_queue_cache(session: Session, _flush_context: Any) -> None:
    if any(isinstance(obj, QueueRow)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        with _queue_cache_lock:
            _queue_cache.clear()


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self) -> list[QueueRow]:
        return list(self.session.scalars(select(QueueRow).order_by(QueueRow.id)))

    def all(self) -> dict[str, Queue]:
        """Every queue's definition (cached per database, see QUEUE_CACHE_SECONDS)."""
        engine = self.session.get_bind()
        now = monotonic()
        with _queue_cache_lock:
            cached = _queue_cache.get(engine)
        if cached is not None and 0 <= now - cached[0] < QUEUE_CACHE_SECONDS:
            return dict(cached[1])
        queues = {r.id: queue_from_row(r) for r in self.rows()}
        with _queue_cache_lock:
            _queue_cache[engine] = (now, queues)
        return dict(queues)

    def row(self, queue_id: str) -> QueueRow:
        row = self.session.get(QueueRow, queue_id)
        if row is None:
            raise NotFound("no such queue", queue_id=queue_id)
        return row

    def get(self, queue_id: str) -> Queue:
        return queue_from_row(self.row(queue_id))

    def add(self, row: QueueRow) -> None:
        self.session.add(row)


# -- messages, events, tokens, canned replies -----------------------------------------
@dataclass(frozen=True)
class NewMessage:
    contact_id: str
    sender: str  # customer | agent
    agent_id: str | None
    client_msg_id: str
    body: str
    created_at: datetime


def _append_sql(writer_condition: str) -> TextClause:
    return text(f"""
WITH c AS (
  UPDATE contacts SET last_seq = last_seq + 1
  WHERE id = :cid AND {writer_condition}
    AND NOT EXISTS (SELECT 1 FROM messages WHERE contact_id = :cid AND sender = :sender
                    AND client_msg_id = :cmid)
  RETURNING agent_id, queue_id, last_seq
), m AS (
  INSERT INTO messages (contact_id, seq, sender, agent_id, client_msg_id, body, created_at)
  SELECT :cid, c.last_seq, :sender, :agent, :cmid, :body, :now FROM c
  ON CONFLICT (contact_id, sender, client_msg_id) DO NOTHING
  RETURNING seq
), e AS (
  INSERT INTO events (at, type, contact_id, agent_id, queue_id, data)
  SELECT :now, 'message_sent', :cid, c.agent_id, c.queue_id,
         json_build_object('seq', m.seq, 'sender', CAST(:sender AS text),
                           'chars', CAST(:chars AS integer))
  FROM c CROSS JOIN m
)
SELECT m.seq, c.agent_id FROM c CROSS JOIN m""")


_APPEND_CUSTOMER = _append_sql("state IN ('queued', 'offered', 'active')")
_APPEND_AGENT = _append_sql("state = 'active' AND agent_id = :agent")
#: The same statements as psycopg text, for the event loop's async connections.
APPEND_CUSTOMER_SQL = postgres_sql(_APPEND_CUSTOMER)
APPEND_AGENT_SQL = postgres_sql(_APPEND_AGENT)


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_client_id(self, contact_id: str, sender: str, client_msg_id: str) -> MessageRow | None:
        return self.session.scalars(
            select(MessageRow).where(MessageRow.contact_id == contact_id,
                                     MessageRow.sender == sender,
                                     MessageRow.client_msg_id == client_msg_id)
        ).first()

    def add(self, row: MessageRow) -> None:
        self.session.add(row)

    def insert_new(self, values: dict[str, Any]) -> int | None:
        """Insert unless (contact, sender, client id) exists; the new id or None."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (insert(MessageRow).values(**values)
                .on_conflict_do_nothing(index_elements=["contact_id", "sender",
                                                        "client_msg_id"])
                .returning(MessageRow.id))
        new_id = self.session.execute(stmt).scalar_one_or_none()
        return int(new_id) if new_id is not None else None

    def append(self, message: NewMessage) -> tuple[int, str | None] | None:
        """PostgreSQL only: in ONE statement check that ``message.sender`` may write
        (customer: queued/offered/active; agent: active and assigned to them) and that
        the client id is new, take the next sequence number under the contact's row
        lock, insert the message and its ``message_sent`` event. Run in autocommit it
        is its own transaction: one round trip. Returns (seq, assigned agent) or None
        when nothing was stored (unknown contact, wrong state or agent, or a repeated
        client id)."""
        sql = APPEND_AGENT_SQL if message.sender == "agent" else APPEND_CUSTOMER_SQL
        check_aware(message.created_at, "created_at")
        row = driver_connection(self.session).execute(sql, {
            "cid": message.contact_id, "sender": message.sender, "agent": message.agent_id,
            "cmid": message.client_msg_id, "body": message.body, "now": message.created_at,
            "chars": len(message.body)}, prepare=True).fetchone()
        return None if row is None else (int(row[0]), row[1])

    def after(self, contact_id: str, after_seq: int, limit: int = 500) -> list[MessageRow]:
        return list(self.session.scalars(
            select(MessageRow).where(MessageRow.contact_id == contact_id,
                                     MessageRow.seq > after_seq)
            .order_by(MessageRow.seq).limit(limit)
        ))


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, rows: Iterable[EventRow]) -> None:
        """Append events with one Core INSERT (no ORM objects to flush and refresh)."""
        values = [{"at": r.at, "type": r.type, "contact_id": r.contact_id,
                   "agent_id": r.agent_id, "queue_id": r.queue_id, "data": r.data or {}}
                  for r in rows]
        if values:
            self.session.execute(insert(EventRow.__table__), values)

    def query(self, *, since: datetime | None = None, until: datetime | None = None,
              contact_id: str | None = None, agent_id: str | None = None,
              queue_id: str | None = None, types: Sequence[str] = (),
              after_id: int = 0, limit: int = 1000) -> list[EventRow]:
        stmt = select(EventRow).where(EventRow.id > after_id)
        if since is not None:
            stmt = stmt.where(EventRow.at >= since)
        if until is not None:
            stmt = stmt.where(EventRow.at < until)
        if contact_id:
            stmt = stmt.where(EventRow.contact_id == contact_id)
        if agent_id:
            stmt = stmt.where(EventRow.agent_id == agent_id)
        if queue_id:
            stmt = stmt.where(EventRow.queue_id == queue_id)
        if types:
            stmt = stmt.where(EventRow.type.in_(list(types)))
        return list(self.session.scalars(stmt.order_by(EventRow.id).limit(limit)))


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ApiTokenRow) -> None:
        self.session.add(row)

    def agent_for(self, token_hash: str) -> str | None:
        return self.session.scalar(
            select(ApiTokenRow.agent_id).where(ApiTokenRow.token_hash == token_hash)
        )


class CannedReplyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_role(self, role: str, language: str | None = None) -> list[CannedReplyRow]:
        stmt = select(CannedReplyRow).where(
            (CannedReplyRow.role.is_(None)) | (CannedReplyRow.role == role)
        )
        if language:
            stmt = stmt.where(CannedReplyRow.language == language)
        return list(self.session.scalars(stmt.order_by(CannedReplyRow.kind, CannedReplyRow.id)))

    def add(self, row: CannedReplyRow) -> None:
        self.session.add(row)
