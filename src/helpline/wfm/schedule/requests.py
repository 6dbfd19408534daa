"""Shift swaps and time off against a schedule: the pure rules (issue 4 §5).

A **swap**: the giver's shift on ``giver_day`` goes to the receiver as it is (same hours,
same breaks); in a two-way swap the receiver's shift on ``return_day`` goes back to the
giver. It is allowed only if, after it:

* **skills** — each receiver has every *requirement* skill of the person whose shift
  they take (skills no requirement asks for do not matter);
* **one shift per day, rest** — each of the two has at most one shift per day, and at
  least their contract's ``min_rest_minutes`` between the end of one shift and the start
  of the next (checked around the moved shifts; older breaches elsewhere are not blamed
  on the swap);
* **availability** — nobody receives a shift on a day they are unavailable;
* **coverage** — in every interval each skill can still be served at least as much as
  before (a maximum flow asked to serve exactly what was served before must succeed),
  so no interval that met the requirement falls short and no short one gets worse.

**Time off**: the operator's shifts on the asked days are removed and the days join
their unavailable dates. :func:`time_off_check` gives the coverage effect first, for
the supervisor to see before deciding.

A request's life (:class:`ShiftRequest`): ``pending`` → ``approved`` / ``refused`` (a
supervisor; a refusal needs a reason) or ``cancelled`` (its author, while pending). A
swap also needs the receiver's consent before approval; a receiver who declines refuses
it. Repeating the transition a request is already in returns it unchanged.

Times are minutes from the horizon start (see :mod:`helpline.wfm.schedule.model`).
Coverage is computed on the slice of intervals the changed shifts touch: coverage in an
interval depends only on who is present in it, so the slice gives the exact answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from helpline.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from helpline.wfm.schedule.coverage import Coverage, coverage
from helpline.wfm.schedule.model import Operator, Problem, Schedule, Shift

MAX_REASON = 500
MAX_TIME_OFF_DAYS = 14


class SwapNotAllowed(Conflict):
    """A swap breaks a rule; ``details["violations"]`` lists them."""

    error_id = "swap_not_allowed"


class RequestKind(StrEnum):
    SWAP = "swap"
    TIME_OFF = "time_off"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


# -- coverage effect ------------------------------------------------------------------------
@dataclass(frozen=True)
class SkillEffect:
    """One skill: intervals that get shorter and the agent-intervals lost."""

    skill: str
    short_intervals_added: int
    deficit_added_agent_intervals: int

    def to_dict(self) -> dict[str, Any]:
        return {"skill": self.skill, "short_intervals_added": self.short_intervals_added,
                "deficit_added_agent_intervals": self.deficit_added_agent_intervals}


@dataclass(frozen=True)
class CoverageEffect:
    """Coverage before and after a change, on the intervals the change touches.

    ``short_periods`` are ``[start, end)`` minute ranges (from the horizon start) of the
    intervals whose deficit grows. The split of a multi-skilled operator between skills
    is one maximum assignment; the totals do not depend on it.
    """

    interval_minutes: int
    deficit_before_agent_intervals: int
    deficit_after_agent_intervals: int
    short_intervals_added: int
    per_skill: tuple[SkillEffect, ...] = ()
    short_periods: tuple[tuple[int, int], ...] = ()

    @property
    def deficit_added_agent_intervals(self) -> int:
        return sum(s.deficit_added_agent_intervals for s in self.per_skill)

    @property
    def worse(self) -> bool:
        return self.short_intervals_added > 0

    def to_dict(self, problem: Problem | None = None) -> dict[str, Any]:
        periods: list[dict[str, Any]] = []
        for start, end in self.short_periods:
            item: dict[str, Any] = {"start_minute": start, "end_minute": end}
            if problem is not None:
                item["start"] = problem.at(start).isoformat()
                item["end"] = problem.at(end).isoformat()
            periods.append(item)
        return {"interval_minutes": self.interval_minutes,
                "deficit_before_agent_intervals": self.deficit_before_agent_intervals,
                "deficit_after_agent_intervals": self.deficit_after_agent_intervals,
                "deficit_added_agent_intervals": self.deficit_added_agent_intervals,
                "short_intervals_added": self.short_intervals_added, "worse": self.worse,
                "per_skill": [s.to_dict() for s in self.per_skill], "short_periods": periods}


def skills_of(problem: Problem) -> dict[str, frozenset[str]]:
    return {op.id: op.skills for op in problem.operators}


def _slots_touched(problem: Problem, shifts: Iterable[Shift]) -> tuple[int, int]:
    """First and past-the-last interval any of ``shifts`` overlaps (clipped)."""
    step = problem.interval_minutes
    lo, hi = problem.slots, 0
    for s in shifts:
        lo = min(lo, max(0, s.start_minute // step))
        hi = max(hi, min(problem.slots, -(-s.end_minute // step)))
    return (lo, hi) if lo < hi else (0, 0)


def _shift_into_window(shift: Shift, offset_minutes: int) -> Shift:
    """``shift`` relative to a window starting ``offset_minutes`` after the horizon
    start; breaks that end before the window are dropped (coverage clips the rest)."""
    breaks = tuple(replace(b, start_minute=b.start_minute - offset_minutes)
                   for b in shift.breaks if b.start_minute + b.minutes > offset_minutes)
    return replace(shift, start_minute=shift.start_minute - offset_minutes, breaks=breaks)


def window_coverage(problem: Problem, shifts: Iterable[Shift], lo: int, hi: int,
                    requirement: Mapping[str, Sequence[int]] | None = None) -> Coverage:
    """Coverage of intervals ``lo..hi-1`` (of the problem's requirement, or of
    ``requirement`` already cut to the window) by ``shifts``."""
    step = problem.interval_minutes
    start, end = lo * step, hi * step
    inside = [_shift_into_window(s, start) for s in shifts
              if s.start_minute < end and s.end_minute > start]
    need = requirement if requirement is not None else {
        skill: list(values[lo:hi]) for skill, values in problem.requirement.items()}
    return coverage(inside, skills_of(problem), need, step)


def _runs(mask: NDArray[np.bool_], lo: int, step: int) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(mask.tolist()):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            out.append(((lo + start) * step, (lo + i) * step))
            start = None
    if start is not None:
        out.append(((lo + start) * step, (lo + len(mask)) * step))
    return tuple(out)


def coverage_effect(problem: Problem, before: Sequence[Shift], after: Sequence[Shift],
                    changed: Iterable[Shift]) -> CoverageEffect:
    """Compare coverage by ``before`` and ``after`` on the intervals ``changed`` touch."""
    lo, hi = _slots_touched(problem, changed)
    step = problem.interval_minutes
    if lo == hi:
        return CoverageEffect(step, 0, 0, 0)
    cov_b = window_coverage(problem, before, lo, hi)
    cov_a = window_coverage(problem, after, lo, hi)
    short_b = {s: cov_b.need[s] - cov_b.served[s] for s in cov_b.need}
    short_a = {s: cov_a.need[s] - cov_a.served[s] for s in cov_a.need}
    per_skill = tuple(
        SkillEffect(s, int(np.sum(short_a[s] > short_b[s])),
                    int(np.sum(np.maximum(short_a[s] - short_b[s], 0))))
        for s in sorted(short_b))
    grew = cov_a.under > cov_b.under
    return CoverageEffect(step, int(cov_b.under.sum()), int(cov_a.under.sum()),
                          int(np.sum(grew)), per_skill, _runs(grew, lo, step))


def keeps_coverage(problem: Problem, before: Sequence[Shift], after: Sequence[Shift],
                   changed: Iterable[Shift]) -> bool:
    """Whether ``after`` can serve, in every interval and skill, at least what
    ``before`` served (a flow asked for exactly the old service must meet it)."""
    lo, hi = _slots_touched(problem, changed)
    if lo == hi:
        return True
    served_before = window_coverage(problem, before, lo, hi).served
    kept = window_coverage(problem, after, lo, hi,
                           requirement={s: v.tolist() for s, v in served_before.items()})
    return int(kept.under.sum()) == 0


# -- swaps ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """A broken rule: ``rule`` is skills, rest, one_shift_per_day, unavailable,
    coverage or no_shift; ``operator_id`` the person it concerns."""

    rule: str
    operator_id: str
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "operator_id": self.operator_id, "message": self.message,
                **dict(self.data)}


@dataclass(frozen=True)
class Swap:
    """The giver's shift on ``giver_day`` goes to the receiver; with ``return_day`` the
    receiver's shift of that day goes to the giver."""

    giver_id: str
    giver_day: date
    receiver_id: str
    return_day: date | None = None


@dataclass(frozen=True)
class SwapCheck:
    swap: Swap
    #: (previous owner, the shift under its new owner)
    moves: tuple[tuple[str, Shift], ...]
    violations: tuple[Violation, ...]
    effect: CoverageEffect
    after: tuple[Shift, ...]

    @property
    def allowed(self) -> bool:
        return not self.violations


def operator(problem: Problem, operator_id: str) -> Operator:
    for op in problem.operators:
        if op.id == operator_id:
            return op
    raise NotFound("the operator is not in this schedule", operator_id=operator_id)


def _day_index(problem: Problem, day: date) -> int:
    index = (day - problem.start).days
    if not 0 <= index < problem.days:
        raise ValidationFailed("the day is outside the schedule's horizon", day=day.isoformat(),
                               start=problem.start.isoformat(), days=problem.days)
    return index


def shift_on(shifts: Iterable[Shift], operator_id: str, day_index: int) -> Shift | None:
    for s in shifts:
        if s.operator_id == operator_id and s.day == day_index:
            return s
    return None


def _rest_violations(problem: Problem, person: Operator, shifts: Sequence[Shift],
                     moved: Sequence[Shift]) -> list[Violation]:
    mine = sorted((s for s in shifts if s.operator_id == person.id),
                  key=lambda s: (s.start_minute, s.day))
    rest_minutes = problem.contracts[person.contract].min_rest_minutes
    found: list[Violation] = []
    for a, b in itertools.pairwise(mine):
        if a not in moved and b not in moved:
            continue
        if a.day == b.day:
            found.append(Violation("one_shift_per_day", person.id,
                                   f"{person.name} would have two shifts on one day",
                                   {"day": problem.day_date(a.day).isoformat()}))
        elif b.start_minute - a.end_minute < rest_minutes:
            found.append(Violation(
                "rest", person.id,
                f"{person.name} would rest {b.start_minute - a.end_minute} minutes between "
                f"shifts; the contract needs {rest_minutes}",
                {"rest_minutes": b.start_minute - a.end_minute,
                 "min_rest_minutes": rest_minutes,
                 "day": problem.day_date(b.day).isoformat()}))
    return found


def _needed_skills(problem: Problem, giver: Operator, receiver: Operator) -> list[str]:
    """Requirement skills of ``giver`` that ``receiver`` lacks."""
    return sorted((giver.skills & set(problem.requirement)) - receiver.skills)


def check_swap(schedule: Schedule, swap: Swap) -> SwapCheck:
    """All rule violations of ``swap`` and its coverage effect (nothing is changed)."""
    problem = schedule.problem
    if swap.giver_id == swap.receiver_id:
        raise ValidationFailed("a swap needs two different operators", field="peer_id")
    giver = operator(problem, swap.giver_id)
    receiver = operator(problem, swap.receiver_id)
    violations: list[Violation] = []
    legs = [(giver, receiver, swap.giver_day)]
    if swap.return_day is not None:
        legs.append((receiver, giver, swap.return_day))
    moves: list[tuple[str, Shift]] = []
    taken: list[Shift] = []
    for source, target, day in legs:
        index = _day_index(problem, day)
        shift = shift_on(schedule.shifts, source.id, index)
        if shift is None:
            violations.append(Violation("no_shift", source.id,
                                        f"{source.name} has no shift on {day.isoformat()}",
                                        {"day": day.isoformat()}))
            continue
        missing = _needed_skills(problem, source, target)
        if missing:
            violations.append(Violation(
                "skills", target.id, f"{target.name} lacks {', '.join(missing)}",
                {"missing_skills": missing, "day": day.isoformat()}))
        if day in target.unavailable:
            violations.append(Violation("unavailable", target.id,
                                        f"{target.name} is unavailable on {day.isoformat()}",
                                        {"day": day.isoformat()}))
        taken.append(shift)
        moves.append((source.id, replace(shift, operator_id=target.id)))
    moved = [m for _, m in moves]
    after = tuple([s for s in schedule.shifts if s not in taken] + moved)
    for person in (giver, receiver):
        violations.extend(_rest_violations(problem, person, after, moved))
    changed = [*taken, *moved]
    if not keeps_coverage(problem, schedule.shifts, after, changed):
        violations.append(Violation("coverage", swap.giver_id,
                                    "coverage would fall below what is served now"))
    effect = coverage_effect(problem, schedule.shifts, after, changed)
    return SwapCheck(swap, tuple(moves), tuple(violations), effect, after)


def apply_swap(schedule: Schedule, swap: Swap) -> tuple[Schedule, SwapCheck]:
    """The schedule after ``swap``; :class:`SwapNotAllowed` if a rule breaks."""
    check = check_swap(schedule, swap)
    if not check.allowed:
        raise SwapNotAllowed("the swap breaks the schedule's rules: "
                             + "; ".join(v.message for v in check.violations),
                             violations=[v.to_dict() for v in check.violations])
    return replace(schedule, shifts=check.after), check


# -- time off -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeOffCheck:
    operator_id: str
    days: tuple[date, ...]
    removed: tuple[Shift, ...]
    effect: CoverageEffect
    after: tuple[Shift, ...]


def check_days(days: Sequence[date]) -> tuple[date, ...]:
    unique = tuple(sorted(set(days)))
    if not 1 <= len(unique) <= MAX_TIME_OFF_DAYS:
        raise ValidationFailed(f"ask for 1..{MAX_TIME_OFF_DAYS} days off", field="days")
    return unique


def time_off_check(schedule: Schedule, operator_id: str, days: Sequence[date]) -> TimeOffCheck:
    """The shifts ``days`` off would remove and the coverage effect."""
    problem = schedule.problem
    operator(problem, operator_id)
    wanted = check_days(days)
    indices = {_day_index(problem, d) for d in wanted}
    removed = tuple(s for s in schedule.shifts
                    if s.operator_id == operator_id and s.day in indices)
    after = tuple(s for s in schedule.shifts if s not in removed)
    effect = coverage_effect(problem, schedule.shifts, after, removed)
    return TimeOffCheck(operator_id, wanted, removed, effect, after)


def apply_time_off(schedule: Schedule, operator_id: str,
                   days: Sequence[date]) -> tuple[Schedule, TimeOffCheck]:
    """The schedule without the operator's shifts on ``days``; the days are added to
    the operator's unavailable dates."""
    check = time_off_check(schedule, operator_id, days)
    operators = tuple(
        replace(op, unavailable=op.unavailable | frozenset(check.days))
        if op.id == operator_id else op for op in schedule.problem.operators)
    problem = replace(schedule.problem, operators=operators)
    return replace(schedule, problem=problem, shifts=check.after), check


# -- request life ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ShiftRequest:
    """A swap or time-off request and where it is in its life."""

    kind: RequestKind
    author_id: str
    state: RequestState = RequestState.PENDING
    #: swap: the receiver; ``None`` for time off
    peer_id: str | None = None
    #: swap: ``None`` until the receiver answers
    peer_consent: bool | None = None
    decided_by: str | None = None
    reason: str = ""

    def _require_pending(self, action: str) -> None:
        if self.state != RequestState.PENDING:
            raise InvalidTransition(f"cannot {action} a request that is {self.state.value}",
                                    state=self.state.value, action=action)

    def cancel(self, actor_id: str) -> ShiftRequest:
        """Its author withdraws it while pending."""
        if actor_id != self.author_id:
            raise PermissionDenied("only the author can cancel a request")
        if self.state == RequestState.CANCELLED:
            return self
        self._require_pending("cancel")
        return replace(self, state=RequestState.CANCELLED, decided_by=actor_id)

    def answer(self, actor_id: str, accept: bool) -> ShiftRequest:
        """The swap's receiver agrees (it waits for a supervisor) or declines (refused)."""
        if self.kind != RequestKind.SWAP or actor_id != self.peer_id:
            raise PermissionDenied("only the colleague offered the shift can answer")
        if accept and self.state == RequestState.PENDING and self.peer_consent:
            return self
        if not accept and self.state == RequestState.REFUSED and self.decided_by == actor_id:
            return self
        self._require_pending("answer")
        if accept:
            return replace(self, peer_consent=True)
        return replace(self, state=RequestState.REFUSED, peer_consent=False,
                       decided_by=actor_id, reason="declined by the colleague")

    def decide(self, actor_id: str, approve: bool, reason: str = "") -> ShiftRequest:
        """A supervisor approves or refuses (a refusal needs a reason)."""
        reason = " ".join(reason.split())
        if len(reason) > MAX_REASON:
            raise ValidationFailed(f"reason: at most {MAX_REASON} characters", field="reason")
        target = RequestState.APPROVED if approve else RequestState.REFUSED
        if self.state == target:
            return self
        if not approve and not reason:
            raise ValidationFailed("a refusal needs a reason", field="reason")
        self._require_pending("approve" if approve else "refuse")
        if approve and self.kind == RequestKind.SWAP and not self.peer_consent:
            raise InvalidTransition("the colleague has not agreed to the swap yet",
                                    state=self.state.value, action="approve")
        return replace(self, state=target, decided_by=actor_id, reason=reason)
