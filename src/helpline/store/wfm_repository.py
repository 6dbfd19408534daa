"""Stored schedules to and from the schedule model (:mod:`helpline.wfm.schedule.model`).

Never commits: the services own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from helpline.domain.errors import NotFound
from helpline.store.tables import AgentRow
from helpline.store.wfm_tables import (
    WfmForecastPointRow,
    WfmRequestRow,
    WfmScheduleRow,
    WfmShiftRow,
)
from helpline.wfm.schedule.json_format import (
    contract_to_dict,
    operator_to_dict,
    problem_from_dict,
)
from helpline.wfm.schedule.model import Break, Problem, Schedule, Shift, SolveStats


def schedule_end(row: WfmScheduleRow) -> date:
    """The first day after the horizon."""
    return row.start_date + timedelta(days=row.days)


def problem_of(row: WfmScheduleRow) -> Problem:
    return problem_from_dict({
        "start": row.start_date.isoformat(), "days": row.days,
        "interval_minutes": row.interval_minutes, "timezone": row.timezone,
        "weights": row.weights, "requirement": row.requirement,
        "contracts": row.contracts, "operators": row.operators})


def shift_of(problem: Problem, row: WfmShiftRow) -> Shift:
    return Shift(row.agent_id, (row.day - problem.start).days, row.start_minute, row.minutes,
                 tuple(Break(int(b["start_minute"]), int(b["minutes"]), str(b["kind"]))
                       for b in row.breaks))


def shift_row(schedule_id: int, problem: Problem, shift: Shift) -> WfmShiftRow:
    return WfmShiftRow(
        schedule_id=schedule_id, agent_id=shift.operator_id,
        day=problem.day_date(shift.day), start_at=problem.at(shift.start_minute),
        end_at=problem.at(shift.end_minute), start_minute=shift.start_minute,
        minutes=shift.minutes,
        breaks=[{"start_minute": b.start_minute, "minutes": b.minutes, "kind": b.kind}
                for b in shift.breaks])


class WfmRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- agents -----------------------------------------------------------------------------
    def agents_matching(self, keys: Iterable[str]) -> dict[str, AgentRow]:
        """Agents whose id or username is in ``keys``, by that key."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = self.session.scalars(select(AgentRow).where(
            AgentRow.id.in_(wanted) | AgentRow.username.in_(wanted))).all()
        out: dict[str, AgentRow] = {}
        for row in rows:
            for key in (row.id, row.username):
                if key in wanted:
                    out.setdefault(key, row)
        return out

    def names(self, agent_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(agent_ids))
        if not ids:
            return {}
        rows = self.session.execute(select(AgentRow.id, AgentRow.display_name)
                                    .where(AgentRow.id.in_(ids))).all()
        return {r.id: r.display_name for r in rows}

    # -- schedules --------------------------------------------------------------------------
    def add_schedule(self, schedule: Schedule, *, name: str, status: str, by: str | None,
                     now: datetime) -> WfmScheduleRow:
        p = schedule.problem
        row = WfmScheduleRow(
            name=name, start_date=p.start, days=p.days, interval_minutes=p.interval_minutes,
            timezone=p.timezone,
            requirement={s: [int(v) for v in need] for s, need in p.requirement.items()},
            contracts=[contract_to_dict(c) for c in p.contracts.values()],
            operators=[operator_to_dict(o) for o in p.operators],
            weights={"under": p.weights.under, "over": p.weights.over,
                     "preference": p.weights.preference},
            stats={"status": schedule.stats.status, "objective": schedule.stats.objective,
                   "bound": schedule.stats.bound, "gap": schedule.stats.gap,
                   "wall_seconds": schedule.stats.wall_seconds},
            status=status, created_by=by, created_at=now,
            published_by=by if status == "published" else None,
            published_at=now if status == "published" else None)
        self.session.add(row)
        self.session.flush()
        self.session.add_all(shift_row(row.id, p, s) for s in schedule.shifts)
        return row

    def schedule_row(self, schedule_id: int, *, lock: bool = False) -> WfmScheduleRow:
        stmt = select(WfmScheduleRow).where(WfmScheduleRow.id == schedule_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFound("no such schedule", schedule_id=schedule_id)
        return row

    def schedules(self, statuses: Sequence[str]) -> list[WfmScheduleRow]:
        return list(self.session.scalars(
            select(WfmScheduleRow).where(WfmScheduleRow.status.in_(list(statuses)))
            .order_by(WfmScheduleRow.start_date.desc(), WfmScheduleRow.id.desc())))

    def published_overlapping(self, start: date, end: date) -> list[WfmScheduleRow]:
        """Published schedules sharing a day with ``[start, end)``."""
        rows = self.session.scalars(select(WfmScheduleRow).where(
            WfmScheduleRow.status == "published", WfmScheduleRow.start_date < end)).all()
        return [r for r in rows if schedule_end(r) > start]

    def published_on(self, day: date) -> WfmScheduleRow | None:
        found = self.published_overlapping(day, day + timedelta(days=1))
        return max(found, key=lambda r: r.id) if found else None

    def load(self, row: WfmScheduleRow) -> Schedule:
        problem = problem_of(row)
        shifts = tuple(shift_of(problem, r) for r in self.shift_rows(row.id))
        st = row.stats or {}
        stats = SolveStats(str(st.get("status", "published")), float(st.get("objective", 0)),
                           float(st.get("bound", 0)), float(st.get("wall_seconds", 0)))
        return Schedule(problem, shifts, stats)

    def shift_rows(self, schedule_id: int, *, agent_id: str | None = None
                   ) -> list[WfmShiftRow]:
        stmt = select(WfmShiftRow).where(WfmShiftRow.schedule_id == schedule_id)
        if agent_id is not None:
            stmt = stmt.where(WfmShiftRow.agent_id == agent_id)
        return list(self.session.scalars(stmt.order_by(WfmShiftRow.start_at, WfmShiftRow.id)))

    def replace_shifts(self, row: WfmScheduleRow, problem: Problem, removed: Iterable[Shift],
                       added: Iterable[Shift]) -> None:
        """Delete the rows of ``removed`` (by operator and day), then insert ``added``."""
        for shift in removed:
            self.session.execute(delete(WfmShiftRow).where(
                WfmShiftRow.schedule_id == row.id, WfmShiftRow.agent_id == shift.operator_id,
                WfmShiftRow.day == problem.day_date(shift.day)))
        self.session.flush()
        self.session.add_all(shift_row(row.id, problem, s) for s in added)
        self.session.flush()

    def shifts_between(self, agent_id: str | None, start: date, end: date,
                       *, statuses: Sequence[str] = ("published",)
                       ) -> list[tuple[WfmShiftRow, WfmScheduleRow]]:
        """Shifts on days ``[start, end)`` of schedules in ``statuses``."""
        stmt = (select(WfmShiftRow, WfmScheduleRow)
                .join(WfmScheduleRow, WfmShiftRow.schedule_id == WfmScheduleRow.id)
                .where(WfmScheduleRow.status.in_(list(statuses)), WfmShiftRow.day >= start,
                       WfmShiftRow.day < end))
        if agent_id is not None:
            stmt = stmt.where(WfmShiftRow.agent_id == agent_id)
        rows = self.session.execute(stmt.order_by(WfmShiftRow.start_at, WfmShiftRow.id)).all()
        return [(r[0], r[1]) for r in rows]

    # -- forecast ---------------------------------------------------------------------------
    def add_forecast(self, schedule_id: int,
                     points: Iterable[tuple[datetime, float, float, float]]) -> int:
        rows = [WfmForecastPointRow(schedule_id=schedule_id, interval_start=t, forecast=f,
                                    lo=lo, hi=hi) for t, f, lo, hi in points]
        self.session.add_all(rows)
        return len(rows)

    def forecast(self, schedule_id: int) -> list[WfmForecastPointRow]:
        return list(self.session.scalars(
            select(WfmForecastPointRow).where(WfmForecastPointRow.schedule_id == schedule_id)
            .order_by(WfmForecastPointRow.interval_start)))

    # -- requests ---------------------------------------------------------------------------
    def request_by_client_id(self, author_id: str, client_request_id: str
                             ) -> WfmRequestRow | None:
        return self.session.scalars(select(WfmRequestRow).where(
            WfmRequestRow.author_id == author_id,
            WfmRequestRow.client_request_id == client_request_id)).first()

    def request(self, request_id: int, *, lock: bool = False) -> WfmRequestRow:
        stmt = select(WfmRequestRow).where(WfmRequestRow.id == request_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        if row is None:
            raise NotFound("no such request", request_id=request_id)
        return row

    def requests(self, *, states: Sequence[str] = (), schedule_id: int | None = None,
                 involving: str | None = None, limit: int = 200) -> list[WfmRequestRow]:
        stmt = select(WfmRequestRow)
        if states:
            stmt = stmt.where(WfmRequestRow.state.in_(list(states)))
        if schedule_id is not None:
            stmt = stmt.where(WfmRequestRow.schedule_id == schedule_id)
        if involving is not None:
            stmt = stmt.where((WfmRequestRow.author_id == involving)
                              | (WfmRequestRow.peer_id == involving))
        return list(self.session.scalars(
            stmt.order_by(WfmRequestRow.created_at.desc(), WfmRequestRow.id.desc())
            .limit(limit)))

    def set_operators(self, row: WfmScheduleRow, operators: list[dict[str, Any]]) -> None:
        row.operators = operators
