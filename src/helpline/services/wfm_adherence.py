"""Adherence per operator and day: published shifts against the event log.

Reads the shifts that start on the day (published schedules), each operator's
``agent_status_changed`` events over the shifts (and the last one before, for the
status they started in) and their contact events (from a day earlier, so a contact
accepted before the shift is seen), then :func:`helpline.wfm.adherence.day_adherence`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpline.domain.events import EventType
from helpline.services.context import ServiceContext
from helpline.store.tables import EventRow
from helpline.store.uow import UnitOfWork
from helpline.store.wfm_repository import WfmRepository, problem_of
from helpline.wfm.adherence import (
    BUSY_ENDS,
    BUSY_STARTS,
    OFFLINE,
    PlannedBreak,
    PlannedShift,
    StatusChange,
    busy_periods,
    day_adherence,
)
from helpline.wfm.schedule.model import Problem

CONTACT_LOOKBACK = timedelta(days=1)


def planned_shifts(uow: UnitOfWork, day: date, agent_id: str | None = None
                   ) -> list[tuple[PlannedShift, ZoneInfo]]:
    """Published shifts starting on ``day``, with aware breaks, and their zone."""
    repo = WfmRepository(uow.session)
    problems: dict[int, Problem] = {}
    out: list[tuple[PlannedShift, ZoneInfo]] = []
    for row, sch in repo.shifts_between(agent_id, day, day + timedelta(days=1)):
        p = problems.setdefault(sch.id, problem_of(sch))
        breaks = tuple(PlannedBreak(p.at(int(b["start_minute"])),
                                    p.at(int(b["start_minute"]) + int(b["minutes"])),
                                    str(b["kind"])) for b in row.breaks)
        out.append((PlannedShift(row.agent_id, row.day, row.start_at, row.end_at, breaks),
                    ZoneInfo(sch.timezone)))
    return out


def _initial_status(uow: UnitOfWork, agent_id: str, before: datetime) -> str:
    row = uow.session.scalars(
        select(EventRow).where(EventRow.agent_id == agent_id,
                               EventRow.type == EventType.AGENT_STATUS_CHANGED.value,
                               EventRow.at < before)
        .order_by(EventRow.at.desc(), EventRow.id.desc()).limit(1)).first()
    return str(row.data.get("to", OFFLINE)) if row is not None else OFFLINE


def adherence(ctx: ServiceContext, day: date, agent_id: str | None = None
              ) -> list[dict[str, Any]]:
    """Each operator's adherence on ``day`` (by name), as of now."""
    now = ctx.now()
    with ctx.uow() as uow:
        planned = planned_shifts(uow, day, agent_id)
        shifts = [s for s, _ in planned]
        if not shifts:
            return []
        start = min(s.start for s in shifts)
        end = max(s.end for s in shifts)
        agents = sorted({s.operator_id for s in shifts})
        initial = {a: _initial_status(uow, a, start) for a in agents}
        statuses: dict[str, list[StatusChange]] = defaultdict(list)
        contacts: dict[str, list[tuple[datetime, str, str | None]]] = defaultdict(list)
        kinds = [EventType.AGENT_STATUS_CHANGED.value, *BUSY_STARTS, *BUSY_ENDS]
        rows = uow.session.scalars(
            select(EventRow).where(EventRow.agent_id.in_(agents), EventRow.type.in_(kinds),
                                   EventRow.at >= start - CONTACT_LOOKBACK, EventRow.at <= end)
            .order_by(EventRow.at, EventRow.id))
        for ev in rows:
            assert ev.agent_id is not None
            if ev.type == EventType.AGENT_STATUS_CHANGED.value:
                if ev.at >= start:
                    statuses[ev.agent_id].append(StatusChange(ev.at, str(ev.data.get("to"))))
            else:
                contacts[ev.agent_id].append((ev.at, ev.type, ev.contact_id))
        names = WfmRepository(uow.session).names(agents)
    out = []
    for shift, tz in sorted(planned, key=lambda p: (names.get(p[0].operator_id, ""), p[0].start)):
        who = shift.operator_id
        busy = busy_periods(contacts[who], min(now, shift.end))
        result = day_adherence(shift, initial[who], statuses[who], busy, now)
        out.append({**result.to_dict(tz), "name": names.get(who, who),
                    "scheduled_minutes": round((shift.end - shift.start).total_seconds() / 60)})
    return out
