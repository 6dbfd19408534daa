"""Independent checker of a benchmark roster: every hard-rule violation and the penalty.

Written from the benchmark definition (Curtois & Qu 2014), sharing nothing with the CP-SAT
model but the parsed ``Instance``: it walks each employee's days, measures runs, rest gaps
and pattern matches directly, so the two agree only if both read the rules the same way.

A roster maps employee id -> one entry per day: a shift id, or ``None`` (day off; ``""``
and ``"-"`` are read as ``None`` too). One entry per day makes "at most one shift a day"
hold by construction.

Boundary rules of the benchmark: a run of working days (or of days off) shorter than its
minimum is a violation only when days outside the run on both sides lie inside the
horizon (the horizon may cut a run); maximum runs and rest times count inside the horizon
only (no history); a pattern is matched only where its whole window lies in the horizon.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpline.wfm.schedule.curtois.ros_format import (
    ANY_SHIFT,
    DAY_OFF,
    MINUTES_PER_DAY,
    Employee,
    Instance,
)

Roster = Mapping[str, Sequence[str | None]]

#: Violation kinds (stable names).
KINDS = ("roster_shape", "unknown_shift", "invalid_shift", "fixed_assignment", "min_rest",
         "max_total", "min_total", "max_workload", "min_workload", "max_consecutive",
         "min_consecutive", "pattern_max", "pattern_min", "cover_min_hard", "cover_max_hard")


@dataclass(frozen=True)
class Violation:
    """One broken hard rule; ``kind`` is one of ``KINDS``."""

    kind: str
    employee_id: str | None
    day: int | None
    detail: str


@dataclass(frozen=True)
class Evaluation:
    """Penalty (sum of the four soft parts) and every hard violation found."""

    penalty: int
    shift_on_penalty: int
    shift_off_penalty: int
    under_cover_penalty: int
    over_cover_penalty: int
    violations: tuple[Violation, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations

    def counts(self) -> dict[str, int]:
        """Violations per kind."""
        return dict(Counter(v.kind for v in self.violations))


def _normal(entry: str | None) -> str | None:
    return None if entry in (None, "", DAY_OFF) else entry


def day_matches(entry: str | None, spec: str) -> bool:
    """Whether a roster entry (shift id or ``None``) matches a shift spec."""
    if spec == ANY_SHIFT:
        return entry is not None
    if spec == DAY_OFF:
        return entry is None
    return entry == spec


def evaluate(instance: Instance, roster: Roster) -> Evaluation:
    """Recompute hard violations and the soft penalty of ``roster`` from scratch."""
    violations: list[Violation] = []
    days = instance.days
    rows: dict[str, list[str | None]] = {}
    for employee in instance.employees:
        row = roster.get(employee.id)
        if row is None or len(row) != days:
            violations.append(Violation(
                "roster_shape", employee.id, None,
                f"expected {days} days, got {'none' if row is None else len(row)}"))
            row = [None] * days
        rows[employee.id] = [_normal(entry) for entry in row]
    for extra in sorted(set(roster) - set(rows)):
        violations.append(Violation("roster_shape", extra, None, "unknown employee"))

    for employee in instance.employees:
        violations.extend(_employee_violations(instance, employee, rows[employee.id]))

    on_penalty = off_penalty = 0
    for request in instance.requests:
        matched = day_matches(rows[request.employee_id][request.day], request.shift)
        if request.on and not matched:
            on_penalty += request.weight
        elif not request.on and matched:
            off_penalty += request.weight

    staffed = Counter((day, entry) for row in rows.values()
                      for day, entry in enumerate(row) if entry is not None)
    under = over = 0
    for cover in instance.cover:
        count = staffed[(cover.day, cover.shift)]
        if cover.min_count is not None and count < cover.min_count:
            if cover.min_weight is None:
                violations.append(Violation("cover_min_hard", None, cover.day,
                                            f"{cover.shift}: {count} < {cover.min_count}"))
            else:
                under += cover.min_weight * (cover.min_count - count)
        if cover.max_count is not None and count > cover.max_count:
            if cover.max_weight is None:
                violations.append(Violation("cover_max_hard", None, cover.day,
                                            f"{cover.shift}: {count} > {cover.max_count}"))
            else:
                over += cover.max_weight * (count - cover.max_count)
    return Evaluation(on_penalty + off_penalty + under + over, on_penalty, off_penalty,
                      under, over, tuple(violations))


def _employee_violations(instance: Instance, employee: Employee,
                         row: list[str | None]) -> list[Violation]:
    out: list[Violation] = []
    eid = employee.id
    days = len(row)
    valid = set(instance.valid_shifts(employee))
    for day, entry in enumerate(row):
        if entry is None:
            continue
        if entry not in instance.shift_index:
            out.append(Violation("unknown_shift", eid, day, f"shift {entry!r}"))
        elif entry not in valid:
            out.append(Violation("invalid_shift", eid, day, f"{entry} not a valid shift"))
    if any(v.kind == "unknown_shift" for v in out):
        return out

    for fixed in instance.fixed:
        if fixed.employee_id == eid:
            wanted = None if fixed.shift == DAY_OFF else fixed.shift
            if row[fixed.day] != wanted:
                out.append(Violation("fixed_assignment", eid, fixed.day,
                                     f"fixed {fixed.shift}, rostered {row[fixed.day] or '-'}"))

    rest = instance.min_rest_minutes(employee)
    worked = [d for d, entry in enumerate(row) if entry is not None]
    for first, second in itertools.pairwise(worked):
        a = instance.shift(row[first] or "")
        b = instance.shift(row[second] or "")
        gap = (second * MINUTES_PER_DAY + b.start_minute) - (first * MINUTES_PER_DAY
                                                              + a.end_minute)
        if gap < rest:
            out.append(Violation("min_rest", eid, second,
                                 f"{a.id} on day {first} then {b.id}: {gap} min rest"))

    minutes = sum(instance.shift(entry).duration_minutes for entry in row if entry)
    for contract in instance.contracts_of(employee):
        for limit in contract.max_workload_minutes:
            if minutes > limit:
                out.append(Violation("max_workload", eid, None, f"{minutes} > {limit} min"))
        for limit in contract.min_workload_minutes:
            if minutes < limit:
                out.append(Violation("min_workload", eid, None, f"{minutes} < {limit} min"))
        for rule in contract.max_tot:
            total = sum(day_matches(entry, rule.shift) for entry in row)
            if total > rule.count:
                out.append(Violation("max_total", eid, None,
                                     f"{total} days of {rule.shift} > {rule.count}"))
        for rule in contract.min_tot:
            total = sum(day_matches(entry, rule.shift) for entry in row)
            if total < rule.count:
                out.append(Violation("min_total", eid, None,
                                     f"{total} days of {rule.shift} < {rule.count}"))
        for seq in contract.max_seq:
            for start, length in _runs(row, seq.shift):
                if length > seq.days:
                    out.append(Violation("max_consecutive", eid, start,
                                         f"{length} x {seq.shift} > {seq.days}"))
        for seq in contract.min_seq:
            for start, length in _runs(row, seq.shift):
                inside = start > 0 and start + length < days
                if inside and length < seq.days:
                    out.append(Violation("min_consecutive", eid, start,
                                         f"{length} x {seq.shift} < {seq.days}"))
        for match in contract.matches:
            count = 0
            for pattern in match.patterns:
                width = len(pattern.shifts)
                for start in range(days - width + 1):
                    if (pattern.start_weekday is not None
                            and instance.weekday(start) != pattern.start_weekday):
                        continue
                    if all(day_matches(row[start + i], spec)
                           for i, spec in enumerate(pattern.shifts)):
                        count += 1
            if match.max_count is not None and count > match.max_count:
                out.append(Violation("pattern_max", eid, None,
                                     f"{count} matches > {match.max_count} ({match.label})"))
            if match.min_count is not None and count < match.min_count:
                out.append(Violation("pattern_min", eid, None,
                                     f"{count} matches < {match.min_count} ({match.label})"))
    return out


def _runs(row: Sequence[str | None], spec: str) -> list[tuple[int, int]]:
    """(first day, length) of each maximal run of days matching ``spec``."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for day, entry in enumerate([*row, "\0end"]):
        hit = day < len(row) and day_matches(entry, spec)
        if hit and start is None:
            start = day
        elif not hit and start is not None:
            runs.append((start, day - start))
            start = None
    return runs
