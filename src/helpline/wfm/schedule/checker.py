"""Independent check of a schedule against every rule of its problem (issue 4 §4).

Written from the rules, not from the solver: it uses only the problem's data and the
shifts, so a solver bug cannot hide behind shared code. An empty list means the
schedule keeps every rule.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

from helpline.wfm.schedule.model import MINUTES_PER_DAY, Contract, Schedule, Shift


@dataclass(frozen=True)
class Violation:
    operator_id: str
    day: int
    rule: str
    detail: str


def check_schedule(schedule: Schedule) -> list[Violation]:
    problem = schedule.problem
    ops = {op.id: op for op in problem.operators}
    out: list[Violation] = []
    mine: dict[str, list[Shift]] = defaultdict(list)
    for shift in schedule.shifts:
        op = ops.get(shift.operator_id)
        if op is None:
            out.append(Violation(shift.operator_id, shift.day, "unknown_operator", ""))
            continue
        mine[op.id].append(shift)
        contract = problem.contracts[op.contract]
        out += _check_shift(shift, contract, problem.days, problem.interval_minutes)
        if shift.day >= 0 and problem.day_date(shift.day) in op.unavailable:
            out.append(Violation(op.id, shift.day, "unavailable",
                                 problem.day_date(shift.day).isoformat()))
    for op_id, shifts in mine.items():
        contract = problem.contracts[ops[op_id].contract]
        shifts.sort(key=lambda s: s.start_minute)
        days = Counter(s.day for s in shifts)
        out += [Violation(op_id, d, "two_shifts_one_day", f"{n} shifts")
                for d, n in days.items() if n > 1]
        for a, b in itertools.pairwise(shifts):
            rest = b.start_minute - a.end_minute
            if rest < contract.min_rest_minutes:
                out.append(Violation(op_id, b.day, "rest",
                                     f"{rest} min after the previous shift, "
                                     f"{contract.min_rest_minutes} needed"))
        worked = set(days)
        if not any(all((d + offset) % contract.cycle_days < contract.work_days for d in worked)
                   for offset in range(contract.cycle_days)):
            out.append(Violation(op_id, min(worked), "pattern",
                                 f"days {sorted(worked)} fit no {contract.work_days}/"
                                 f"{contract.off_days} cycle"))
    return out


def _check_shift(shift: Shift, contract: Contract, days: int,
                 interval_minutes: int) -> list[Violation]:
    out = []

    def bad(rule: str, detail: str) -> None:
        out.append(Violation(shift.operator_id, shift.day, rule, detail))

    if shift.minutes != contract.shift_minutes:
        bad("length", f"{shift.minutes} min, contract {contract.shift_minutes}")
    clock = shift.start_minute - shift.day * MINUTES_PER_DAY
    if not (contract.earliest_start_minute <= clock <= contract.latest_start_minute
            and (clock - contract.earliest_start_minute) % contract.start_step_minutes == 0):
        bad("start", f"starts at minute {clock} of its day")
    if shift.start_minute % interval_minutes:
        bad("start", "not on an interval boundary")
    if not -1 <= shift.day < days or (shift.day == -1 and shift.end_minute <= 0):
        bad("horizon", f"day {shift.day} outside the horizon")
    policy = contract.breaks
    wanted = Counter((r.minutes, r.kind) for r in policy.rules for _ in range(r.count))
    got = Counter((b.minutes, b.kind) for b in shift.breaks)
    if wanted != got:
        bad("breaks", f"breaks {sorted(got.elements())}, contract {sorted(wanted.elements())}")
    ordered = sorted(shift.breaks, key=lambda b: b.start_minute)
    for brk in ordered:
        if brk.start_minute % interval_minutes:
            bad("break_time", f"break at minute {brk.start_minute} off the interval grid")
        if brk.start_minute < shift.start_minute + policy.edge_minutes or \
                brk.start_minute + brk.minutes > shift.end_minute - policy.edge_minutes:
            bad("break_time", f"break at minute {brk.start_minute} in the first or last "
                              f"{policy.edge_minutes} min")
    for a, b in itertools.pairwise(ordered):
        if b.start_minute - (a.start_minute + a.minutes) < policy.min_gap_minutes:
            bad("break_gap", f"breaks at {a.start_minute} and {b.start_minute} closer than "
                             f"{policy.min_gap_minutes} min")
    return out
