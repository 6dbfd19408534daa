"""A counting lower bound on a Curtois & Qu instance's penalty.

The large-neighbourhood search proves nothing, and CP-SAT's own bound on the larger
instances stays far below the best-known values (Instance13: 36 against 1,348). Counting
the staff the hard rules allow against the cover wanted gives a bound in milliseconds
that is often close: every person-day the rules cannot supply is a missing shift, and a
missing shift costs at least the smallest under-cover weight. Four counts, each a lower
bound on the number of missing shifts (the bound is the largest):

- per shift type: shifts wanted of it against what the employees who may work it can
  work under their ``MaxTot`` limit for it (Instance15: 36 night shifts);
- weekends: person-days wanted on full Saturday-Sunday weekends against two per weekend
  each employee may work under a "max weekends" pattern rule (Instance17: 56);
- per day: people wanted against employees without a fixed day off;
- workload: minutes wanted against the employees' maximum workloads, divided by the
  longest shift (Instance13: 3).

Hard cover minima cannot be missed in a feasible roster, so every counted shortfall falls
on soft ones and costs at least their smallest weight.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from helpline.wfm.schedule.curtois.ros_format import Employee, Instance
from helpline.wfm.schedule.curtois.weekends import SATURDAY, is_max_weekends_rule


@dataclass(frozen=True)
class CountingBound:
    """Missing shifts each count forces, the smallest under-cover weight, and the bound
    (the largest count times that weight)."""

    per_shift_type: int
    weekends: int
    per_day: int
    workload: int
    weight: int

    @property
    def missing_shifts(self) -> int:
        return max(self.per_shift_type, self.weekends, self.per_day, self.workload)

    @property
    def penalty(self) -> int:
        return self.missing_shifts * self.weight


def counting_bound(instance: Instance) -> CountingBound:
    """The counting bound of ``instance`` (see the module docstring)."""
    soft = [c.min_weight for c in instance.cover
            if c.min_count and c.min_weight is not None]
    return CountingBound(
        per_shift_type=sum(short_shift_types(instance).values()),
        weekends=_weekends(instance),
        per_day=_per_day(instance), workload=_workload(instance),
        weight=min(soft) if soft else 0)


def _fixed_off(instance: Instance) -> set[tuple[str, int]]:
    return {(f.employee_id, f.day) for f in instance.fixed if f.shift == "-"}


def short_shift_types(instance: Instance) -> dict[str, int]:
    """Shift types the employees allowed to work them cannot fully supply under their
    ``MaxTot`` limits and fixed days off, with the shifts of each that must be missing
    (Instance15: ``n1`` 20, ``n2`` 16)."""
    wanted: dict[str, int] = defaultdict(int)
    for c in instance.cover:
        wanted[c.shift] += c.min_count or 0
    off = _fixed_off(instance)
    supply: dict[str, int] = defaultdict(int)
    for employee in instance.employees:
        free_days = instance.days - sum((employee.id, d) in off for d in range(instance.days))
        limits: dict[str, int] = {}
        for contract in instance.contracts_of(employee):
            for rule in contract.max_tot:
                limits[rule.shift] = min(limits.get(rule.shift, rule.count), rule.count)
        for shift in instance.valid_shifts(employee):
            supply[shift] += min(free_days, limits.get(shift, free_days))
    return {shift: count - supply[shift] for shift, count in wanted.items()
            if count > supply[shift]}


def _max_weekends(instance: Instance, employee: Employee, full_weekends: int) -> int:
    limit = full_weekends
    for contract in instance.contracts_of(employee):
        for match in contract.matches:
            if is_max_weekends_rule(match) and match.max_count is not None:
                limit = min(limit, match.max_count)
    return limit


def _weekends(instance: Instance) -> int:
    saturdays = [d for d in range(instance.days - 1) if instance.weekday(d) == SATURDAY]
    weekend_days = {d for s in saturdays for d in (s, s + 1)}
    wanted = sum(c.min_count or 0 for c in instance.cover if c.day in weekend_days)
    supply = sum(2 * _max_weekends(instance, e, len(saturdays)) for e in instance.employees)
    return max(0, wanted - supply)


def _per_day(instance: Instance) -> int:
    wanted: dict[int, int] = defaultdict(int)
    for c in instance.cover:
        wanted[c.day] += c.min_count or 0
    off: dict[int, int] = defaultdict(int)
    for _, day in _fixed_off(instance):
        off[day] += 1
    staff = len(instance.employees)
    return sum(max(0, count - (staff - off[day])) for day, count in wanted.items())


def workload_ratio(instance: Instance) -> float | None:
    """Minutes the cover's minima want over the employees' summed maximum workloads
    (Instance12: 0.9995, 13: 1.002); ``None`` when an employee has no maximum."""
    wanted, supply = _minutes(instance)
    return wanted / supply if supply else None


def _minutes(instance: Instance) -> tuple[int, int | None]:
    """Minutes the cover's minima want, and the employees' summed maximum workloads
    (``None`` when an employee has no maximum)."""
    durations = {s.id: s.duration_minutes for s in instance.shift_types}
    wanted = sum((c.min_count or 0) * durations[c.shift] for c in instance.cover)
    supply = 0
    for employee in instance.employees:
        limits = [m for contract in instance.contracts_of(employee)
                  for m in contract.max_workload_minutes]
        if not limits:
            return wanted, None
        supply += min(limits)
    return wanted, supply


def _workload(instance: Instance) -> int:
    wanted, supply = _minutes(instance)
    if supply is None:
        return 0  # someone may work without a limit: no shortfall to count
    longest = max((s.duration_minutes for s in instance.shift_types), default=0)
    return math.ceil((wanted - supply) / longest) if wanted > supply and longest else 0
