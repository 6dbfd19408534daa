"""Cover weights for the LNS that put forced gaps where the staff is short anyway.

Where ``MaxTot`` limits make some shift types short whatever the roster (Instance15:
36 night shifts), a roster whose other gaps are the same number of shifts of another
type costs the same, but it cannot be repaired one step at a time: in Instance15's
LNS rosters the first week is over capacity, and a night worker who takes the missing
day shift on the first Saturday leaves a night allowance unused -- neutral under the
real weights, so the search rarely takes it, and only then can the allowance cover a
missing night of a later week. ``favour_short_types`` gives a copy of the instance
whose other shift types' under-cover weights are ``FACTOR`` times higher, so both
steps improve its penalty. ``lns.solve_lns`` searches under it first, then judges the
roster by the real weights while its step models keep these (the first step is then a
tie, which the search accepts).
"""

from __future__ import annotations

from dataclasses import replace

from helpline.wfm.schedule.curtois.bounds import short_shift_types
from helpline.wfm.schedule.curtois.ros_format import Instance

#: How much more a missing shift of a type that is not short weighs in the copy.
FACTOR = 2


def favour_short_types(instance: Instance) -> Instance | None:
    """``instance`` with the soft under-cover weights of the shift types that
    ``short_shift_types`` does not name multiplied by ``FACTOR``; ``None`` when no
    shift type is short or every type wanted is (nothing to favour). Hard rules and
    the other weights are kept."""
    short = short_shift_types(instance)
    if not short or all(c.shift in short for c in instance.cover if c.min_count):
        return None
    return replace(instance, cover=tuple(
        c if c.shift in short or c.min_weight is None
        else replace(c, min_weight=c.min_weight * FACTOR)
        for c in instance.cover))
