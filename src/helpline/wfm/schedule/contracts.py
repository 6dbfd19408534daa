"""The standard contracts a planner starts from (seed 004): 2/2 with 12-hour day or
night shifts, 3/1, 5/2 with 8-hour shifts at any time of day, and part-time 5/2 with
6- and 4-hour shifts. An operators file may define its own instead."""

from __future__ import annotations

from helpline.wfm.schedule.model import (
    BREAKS_8H,
    BREAKS_12H,
    BreakPolicy,
    BreakRule,
    Contract,
)

BREAKS_6H = BreakPolicy((BreakRule(15, 2),))
BREAKS_4H = BreakPolicy((BreakRule(15, 1),))

STANDARD_CONTRACTS: dict[str, Contract] = {c.name: c for c in (
    Contract("2/2 day", 2, 2, 720, 7 * 60, 10 * 60, 15, BREAKS_12H),
    Contract("2/2 night", 2, 2, 720, 19 * 60, 21 * 60, 15, BREAKS_12H),
    Contract("3/1", 3, 1, 720, 7 * 60, 10 * 60, 15, BREAKS_12H),
    Contract("5/2", 5, 2, 480, 0, 23 * 60 + 45, 15, BREAKS_8H),
    Contract("5/2 6h", 5, 2, 360, 7 * 60, 18 * 60, 15, BREAKS_6H),
    Contract("5/2 4h", 5, 2, 240, 7 * 60, 20 * 60, 15, BREAKS_4H),
)}
