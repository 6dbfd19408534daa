"""Which search solves a Curtois & Qu instance: CP-SAT on the whole model, or the
large-neighbourhood search (``lns``) around CP-SAT sub-problems.

``auto`` picks CP-SAT for rosters of at most ``WHOLE_MODEL_DAYS`` days and at most
``WHOLE_MODEL_EMPLOYEE_SHIFTS`` employee x shift-type pairs, LNS beyond. Measured on the
benchmark (bench/README.md): CP-SAT on two threads finds and proves the optima of
Instance1-11 (4 weeks, up to 50 employees x 6 shift types = 300) within ten minutes but
stays 40-965% above the best-known values of 12-19 (more employees and shift types, or
6-12 weeks), where LNS gets within a few per cent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from helpline.wfm.schedule.curtois.cpsat_model import SolveResult, solve
from helpline.wfm.schedule.curtois.lns import solve_lns
from helpline.wfm.schedule.curtois.ros_format import Instance

Method = Literal["auto", "cpsat", "lns"]
METHODS: tuple[Method, ...] = ("auto", "cpsat", "lns")
WHOLE_MODEL_DAYS = 28
WHOLE_MODEL_EMPLOYEE_SHIFTS = 300


def choose_method(instance: Instance) -> Literal["cpsat", "lns"]:
    """``cpsat`` for short, small rosters; ``lns`` otherwise."""
    pairs = len(instance.employees) * len(instance.shift_types)
    small = instance.days <= WHOLE_MODEL_DAYS and pairs <= WHOLE_MODEL_EMPLOYEE_SHIFTS
    return "cpsat" if small else "lns"


def solve_instance(instance: Instance, *, method: Method = "auto",
                   time_limit_seconds: float = 60.0, workers: int = 2,
                   random_seed: int | None = None,
                   log_callback: Callable[[str], None] | None = None) -> SolveResult:
    """Solve with ``method`` (``auto``: ``choose_method``); ``log_callback`` gets CP-SAT's
    search log (``cpsat``) or one line per LNS step (``lns``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}: {method!r}")
    chosen = choose_method(instance) if method == "auto" else method
    if chosen == "lns":
        return solve_lns(instance, time_limit_seconds=time_limit_seconds, workers=workers,
                         random_seed=random_seed, step_log=log_callback)
    return solve(instance, time_limit_seconds=time_limit_seconds, workers=workers,
                 random_seed=random_seed, log_callback=log_callback)
