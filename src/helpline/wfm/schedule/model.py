"""Schedule problem and result types (issue 4 §4).

Time inside a problem is counted in minutes from the horizon start (``start`` date at
00:00 local wall-clock time of ``timezone``). Days are ``0..days-1``; a shift belongs to
the day it starts on and may run past midnight (night shifts). Requirements are given per
skill and per interval of ``interval_minutes`` over the whole horizon.

Pure data and validation only: the solver, the checker and the coverage computation are
separate modules. Every type converts to and from plain JSON-ready dicts, the format the
CLI writes and the store publishes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpline.domain.errors import ValidationFailed

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class BreakRule:
    """``count`` breaks of ``minutes`` each; ``kind`` is ``break`` or ``lunch``."""

    minutes: int
    count: int = 1
    kind: str = "break"


@dataclass(frozen=True)
class BreakPolicy:
    """Breaks inside a shift: none in its first or last ``edge_minutes``, and at least
    ``min_gap_minutes`` of work between two of them."""

    rules: tuple[BreakRule, ...] = ()
    edge_minutes: int = 60
    min_gap_minutes: int = 45

    @property
    def total_minutes(self) -> int:
        return sum(r.minutes * r.count for r in self.rules)

    def durations(self) -> list[tuple[int, str]]:
        """Each break's (minutes, kind), lunch in the middle of the sequence."""
        short = [(r.minutes, r.kind) for r in self.rules if r.kind != "lunch" for _ in
                 range(r.count)]
        lunch = [(r.minutes, r.kind) for r in self.rules if r.kind == "lunch" for _ in
                 range(r.count)]
        half = (len(short) + 1) // 2
        return short[:half] + lunch + short[half:]


#: Seed 004: four 15-minute breaks and a 45-minute lunch in a 12-hour shift.
BREAKS_12H = BreakPolicy((BreakRule(15, 4), BreakRule(45, 1, "lunch")))
#: Two 15-minute breaks and a 30-minute lunch in an 8-hour shift.
BREAKS_8H = BreakPolicy((BreakRule(15, 2), BreakRule(30, 1, "lunch")))


@dataclass(frozen=True)
class Contract:
    """A working pattern: ``work_days`` on, ``off_days`` off, repeated (2/2, 5/2, 3/1);
    shifts of ``shift_minutes`` starting between ``earliest_start_minute`` and
    ``latest_start_minute`` after midnight (a night shift starts late and ends the next
    morning), in steps of ``start_step_minutes``."""

    name: str
    work_days: int
    off_days: int
    shift_minutes: int
    earliest_start_minute: int
    latest_start_minute: int
    start_step_minutes: int = 15
    breaks: BreakPolicy = BreakPolicy()
    min_rest_minutes: int = 12 * 60

    @property
    def cycle_days(self) -> int:
        return self.work_days + self.off_days

    def starts(self) -> list[int]:
        """Allowed start minutes after midnight."""
        return list(range(self.earliest_start_minute, self.latest_start_minute + 1,
                          self.start_step_minutes))

    def works_on(self, offset: int, day: int) -> bool:
        """Does a line with pattern ``offset`` work on ``day`` of the horizon."""
        return (day + offset) % self.cycle_days < self.work_days


@dataclass(frozen=True)
class Preferences:
    """Soft wishes: a start time (minute after midnight) and weekdays off (0 = Monday)."""

    start_minute: int | None = None
    days_off: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Operator:
    """A named operator. ``skills`` are matched against the requirement's skill keys
    (languages are skills too: ``ru``, ``en``). ``unavailable`` days get no shift."""

    id: str
    name: str
    contract: str
    skills: frozenset[str]
    unavailable: frozenset[date] = frozenset()
    preferences: Preferences = Preferences()


@dataclass(frozen=True)
class Weights:
    """Objective weights per agent-interval (under, over) and per broken preference."""

    under: int = 100
    over: int = 5
    preference: int = 20


@dataclass(frozen=True)
class Problem:
    start: date
    days: int
    interval_minutes: int
    #: skill -> agents needed per interval, ``days * 1440 / interval_minutes`` values.
    requirement: Mapping[str, Sequence[int]]
    contracts: Mapping[str, Contract]
    operators: tuple[Operator, ...]
    weights: Weights = Weights()
    timezone: str = "UTC"

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def slots(self) -> int:
        return self.days * self.slots_per_day

    def day_date(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def at(self, minute: int) -> datetime:
        """Aware datetime of a minute offset (wall clock of ``timezone``)."""
        base = datetime.combine(self.start, datetime.min.time(), tzinfo=ZoneInfo(self.timezone))
        wall = base.replace(tzinfo=None) + timedelta(minutes=minute)
        return wall.replace(tzinfo=ZoneInfo(self.timezone))


def check_problem(problem: Problem) -> None:
    """Raise :class:`ValidationFailed` on anything the solver cannot honour."""
    if problem.interval_minutes not in (15, 30, 60):
        raise ValidationFailed("interval_minutes must be 15, 30 or 60",
                               interval_minutes=problem.interval_minutes)
    if not 1 <= problem.days <= 62:
        raise ValidationFailed("the horizon must be 1..62 days", days=problem.days)
    try:
        ZoneInfo(problem.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed("unknown time zone", timezone=problem.timezone) from error
    if not problem.requirement:
        raise ValidationFailed("no requirement")
    for skill, need in problem.requirement.items():
        if len(need) != problem.slots:
            raise ValidationFailed(f"requirement for {skill!r} has {len(need)} intervals, "
                                   f"expected {problem.slots}", skill=skill)
        if any(int(v) != v or v < 0 for v in need):
            raise ValidationFailed(f"requirement for {skill!r} must be whole agents >= 0",
                                   skill=skill)
    for contract in problem.contracts.values():
        check_contract(contract, problem.interval_minutes)
    seen: set[str] = set()
    for op in problem.operators:
        if op.id in seen:
            raise ValidationFailed("duplicate operator id", operator=op.id)
        seen.add(op.id)
        if op.contract not in problem.contracts:
            raise ValidationFailed("operator has an unknown contract", operator=op.id,
                                   contract=op.contract)
        if not op.skills:
            raise ValidationFailed("operator has no skills", operator=op.id)


def check_contract(contract: Contract, interval_minutes: int) -> None:
    c = contract
    if c.work_days < 1 or c.off_days < 0 or c.cycle_days > 14:
        raise ValidationFailed("pattern must be 1+ work days and 0+ off days, cycle <= 14",
                               contract=c.name)
    if not 60 <= c.shift_minutes <= 16 * 60 or c.shift_minutes % interval_minutes:
        raise ValidationFailed("shift length must be 1..16 h in whole intervals",
                               contract=c.name, shift_minutes=c.shift_minutes)
    if (not 0 <= c.earliest_start_minute <= c.latest_start_minute < MINUTES_PER_DAY
            or c.earliest_start_minute % interval_minutes
            or c.start_step_minutes <= 0 or c.start_step_minutes % interval_minutes):
        raise ValidationFailed("shift starts must lie on interval boundaries within a day",
                               contract=c.name)
    if c.shift_minutes + c.min_rest_minutes > MINUTES_PER_DAY * (1 + (c.off_days > 0)) and \
            c.work_days > 1:
        raise ValidationFailed("consecutive shifts of this pattern break the minimum rest",
                               contract=c.name)
    b = c.breaks
    for rule in b.rules:
        if rule.minutes <= 0 or rule.minutes % interval_minutes or rule.count < 0:
            raise ValidationFailed("breaks must be whole intervals", contract=c.name)
    usable = c.shift_minutes - 2 * b.edge_minutes
    n = sum(r.count for r in b.rules)
    if b.total_minutes + max(n - 1, 0) * b.min_gap_minutes > usable:
        raise ValidationFailed("the breaks do not fit inside the shift", contract=c.name)


@dataclass(frozen=True)
class Break:
    start_minute: int
    minutes: int
    kind: str = "break"


@dataclass(frozen=True)
class Shift:
    """One operator's shift; minutes from the horizon start."""

    operator_id: str
    day: int
    start_minute: int
    minutes: int
    breaks: tuple[Break, ...] = ()

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.minutes


@dataclass(frozen=True)
class SolveStats:
    status: str
    objective: float
    bound: float
    wall_seconds: float
    stages: Mapping[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative distance from the bound (0 = proven optimal)."""
        if self.objective <= 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)


@dataclass(frozen=True)
class Schedule:
    problem: Problem
    shifts: tuple[Shift, ...]
    stats: SolveStats

    def by_operator(self) -> dict[str, list[Shift]]:
        out: dict[str, list[Shift]] = {op.id: [] for op in self.problem.operators}
        for shift in self.shifts:
            out.setdefault(shift.operator_id, []).append(shift)
        for items in out.values():
            items.sort(key=lambda s: s.start_minute)
        return out


def shift_to_dict(problem: Problem, shift: Shift) -> dict[str, Any]:
    return {
        "operator_id": shift.operator_id,
        "day": problem.day_date(shift.day).isoformat(),
        "start": problem.at(shift.start_minute).isoformat(),
        "end": problem.at(shift.end_minute).isoformat(),
        "start_minute": shift.start_minute,
        "minutes": shift.minutes,
        "breaks": [{"start": problem.at(b.start_minute).isoformat(),
                    "start_minute": b.start_minute, "minutes": b.minutes, "kind": b.kind}
                   for b in shift.breaks],
    }


def shift_from_dict(problem: Problem, data: Mapping[str, Any]) -> Shift:
    day = (date.fromisoformat(str(data["day"])) - problem.start).days
    return Shift(str(data["operator_id"]), day, int(data["start_minute"]),
                 int(data["minutes"]),
                 tuple(Break(int(b["start_minute"]), int(b["minutes"]), str(b["kind"]))
                       for b in data.get("breaks", [])))
