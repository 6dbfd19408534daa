"""Independent evaluator: coverage and objective of a list of shifts, from first principles.

It shares no code with :mod:`model` or :mod:`bound` (only the instance reader), so the
tests can check the solver's reported figures against it.

Objectives (see the package docstring for sources and the differences between them):

* ``weighted`` (minimum shift design, Musliu/Schaerf/Slany 2004, Di Gaspero et al. 2007):
  ``weightOverCover * over_minutes + weightUnderCover * under_minutes
  + weightShiftInstances * shift_count + weightDutiesPerWeek * duty_deviation``;
* ``bounded`` (the course variant of the instance repository): full coverage and at
  most ``maxDuties`` duties per week are hard; ``weightOverCover * over_minutes
  + weightShiftInstances * shift_count``.

``duties_per_week = avgMinutes * duties / worked_minutes`` (duties are worker-days; the
number of employees is ``worked_minutes / avgMinutes``) and ``duty_deviation`` is its
distance to ``[minDuties, maxDuties]``; both are 0 for an empty schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from helpline.domain.errors import ValidationFailed
from helpline.wfm.schedule.shift_design.dzn_format import ShiftDesignInstance

Variant = Literal["weighted", "bounded"]
VARIANTS: tuple[Variant, ...] = ("weighted", "bounded")


class ShiftDesignError(ValidationFailed):
    """Invalid shift-design input: a shift outside every shift type, bad solver options."""

    error_id = "shift_design_invalid"


@dataclass(frozen=True)
class DesignedShift:
    """A shift (start slot-of-day, length in slots) and its workers on each day."""

    start_slot: int
    length_slots: int
    workers_per_day: tuple[int, ...]


@dataclass(frozen=True)
class Evaluation:
    """Figures of a schedule; minutes are worker-minutes over the whole week."""

    coverage: tuple[int, ...]
    over_cover_minutes: int
    under_cover_minutes: int
    shift_count: int
    duties: int
    worked_minutes: int
    duties_per_week: Fraction | None
    duty_deviation: Fraction
    weighted_objective: Fraction
    bounded_objective: int
    bounded_feasible: bool

    def objective(self, variant: Variant) -> float:
        """The objective of ``variant``; ``inf`` for an infeasible bounded schedule."""
        if variant == "weighted":
            return float(self.weighted_objective)
        return float(self.bounded_objective) if self.bounded_feasible else float("inf")


def check_shift(instance: ShiftDesignInstance, shift: DesignedShift) -> None:
    """Raise ShiftDesignError unless some shift type allows the shift and the day count fits."""
    if len(shift.workers_per_day) != instance.days:
        raise ShiftDesignError(f"shift {shift.start_slot}+{shift.length_slots}: "
                               f"{len(shift.workers_per_day)} day values, expected "
                               f"{instance.days}")
    if any(w < 0 for w in shift.workers_per_day):
        raise ShiftDesignError(f"shift {shift.start_slot}+{shift.length_slots}: negative "
                               f"workers")
    if not any(t.min_start_slot <= shift.start_slot <= t.max_start_slot
               and t.min_length_slots <= shift.length_slots <= t.max_length_slots
               for t in instance.shift_types):
        raise ShiftDesignError(f"shift {shift.start_slot}+{shift.length_slots} fits no "
                               f"shift type")


def evaluate(instance: ShiftDesignInstance, shifts: Sequence[DesignedShift]) -> Evaluation:
    """Coverage, over/under cover, distinct shifts, duties and both objectives."""
    slots_per_day = 1440 // instance.interval_minutes
    week = slots_per_day * instance.days
    coverage = [0] * week
    used: set[tuple[int, int]] = set()
    duties = 0
    worked_slots = 0
    for shift in shifts:
        check_shift(instance, shift)
        for day, workers in enumerate(shift.workers_per_day):
            if workers == 0:
                continue
            used.add((shift.start_slot, shift.length_slots))
            duties += workers
            worked_slots += workers * shift.length_slots
            first = day * slots_per_day + shift.start_slot
            for offset in range(shift.length_slots):
                coverage[(first + offset) % week] += workers
    over = sum(max(0, c - d) for c, d in zip(coverage, instance.demand, strict=True))
    under = sum(max(0, d - c) for c, d in zip(coverage, instance.demand, strict=True))
    minutes = instance.interval_minutes
    worked_minutes = worked_slots * minutes
    per_week: Fraction | None = None
    deviation = Fraction(0)
    if duties:
        per_week = instance.avg_minutes_per_week * duties / worked_minutes
        deviation = (max(Fraction(0), per_week - instance.max_duties_per_week)
                     + max(Fraction(0), instance.min_duties_per_week - per_week))
    weighted = (instance.weight_over_cover * over * minutes
                + instance.weight_under_cover * under * minutes
                + instance.weight_shift_instances * len(used)
                + instance.weight_duties_per_week * deviation)
    bounded = (instance.weight_over_cover * over * minutes
               + instance.weight_shift_instances * len(used))
    feasible = under == 0 and (per_week is None or per_week <= instance.max_duties_per_week)
    return Evaluation(
        coverage=tuple(coverage), over_cover_minutes=over * minutes,
        under_cover_minutes=under * minutes, shift_count=len(used), duties=duties,
        worked_minutes=worked_minutes, duties_per_week=per_week, duty_deviation=deviation,
        weighted_objective=Fraction(weighted), bounded_objective=bounded,
        bounded_feasible=feasible)
