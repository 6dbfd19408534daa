"""Lines (pattern offset + daily start) and break plans: the building blocks the solver
chooses from.

A *line* is what one operator does over the whole horizon: the contract's work/off
cycle entered at ``offset`` (2/2 has 4 offsets, 5/2 has 7) and one start time every
working day. Night lines also work the evening before the horizon when their pattern
says so (``day = -1``), so the first night of the horizon is covered.

A *break plan* is the start slot of every break inside one shift. Plans put the lunch
(or the middle break) at every slot where it fits and spread the other breaks evenly
before and after it, give or take one slot, so operators who start together can take
their breaks at different times.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from helpline.wfm.schedule.model import Contract


@dataclass(frozen=True)
class Line:
    contract: str
    offset: int
    start_minute: int  #: after midnight

    def work_days(self, contract: Contract, days: int) -> list[int]:
        """Days (``-1..days-1``) this line starts a shift on."""
        return [d for d in range(-1, days) if contract.works_on(self.offset, d)]


def lines_for(contract: Contract) -> list[Line]:
    return [Line(contract.name, offset, start) for offset in range(contract.cycle_days)
            for start in contract.starts()]


@dataclass(frozen=True)
class BreakPlan:
    """Break starts and lengths in slots from the shift start."""

    starts: tuple[int, ...]
    lengths: tuple[int, ...]
    kinds: tuple[str, ...]

    def on_break(self, slot: int) -> bool:
        return any(s <= slot < s + n for s, n in zip(self.starts, self.lengths, strict=True))


def _ceil(minutes: int, interval: int) -> int:
    return -(-minutes // interval)


@cache
def break_plans(contract: Contract, interval_minutes: int) -> tuple[BreakPlan, ...]:
    """Feasible break plans for one shift of ``contract``; ``()`` when it has no breaks
    (then one empty plan is returned)."""
    seq = contract.breaks.durations()
    lengths = tuple(m // interval_minutes for m, _ in seq)
    kinds = tuple(k for _, k in seq)
    if not seq:
        return (BreakPlan((), (), ()),)
    n_slots = contract.shift_minutes // interval_minutes
    edge = _ceil(contract.breaks.edge_minutes, interval_minutes)
    gap = _ceil(contract.breaks.min_gap_minutes, interval_minutes)
    lunch = [i for i, k in enumerate(kinds) if k == "lunch"]
    anchor = lunch[0] if lunch else len(lengths) // 2
    before, after = lengths[:anchor], lengths[anchor + 1:]
    lo = edge + sum(before) + len(before) * gap
    hi = n_slots - edge - lengths[anchor] - sum(after) - len(after) * gap
    plans: dict[tuple[int, ...], BreakPlan] = {}
    for at in range(lo, hi + 1):  # the anchor (lunch) anywhere it fits
        for jitter in (-1, 0, 1):
            after_at = at + lengths[anchor] + gap
            starts = [*_spread(before, edge, at - gap, gap, jitter), at,
                      *_spread(after, after_at, n_slots - edge, gap, jitter)]
            if _valid(starts, lengths, n_slots, edge, gap):
                plans[tuple(starts)] = BreakPlan(tuple(starts), lengths, kinds)
    if not plans:
        raise ValueError(f"the breaks of {contract.name!r} do not fit its shift")
    return tuple(plans[k] for k in sorted(plans))


def _spread(lengths: tuple[int, ...], begin: int, end: int, gap: int, jitter: int) -> list[int]:
    """Starts of ``lengths`` spread evenly over slots ``[begin, end)``, moved by
    ``jitter``."""
    if not lengths:
        return []
    free = end - begin - sum(lengths) - (len(lengths) - 1) * gap
    extra = free // (len(lengths) + 1)
    out, pos = [], begin + extra + jitter
    for length in lengths:
        out.append(pos)
        pos += length + gap + extra
    return out


def _valid(starts: list[int], lengths: tuple[int, ...], n_slots: int, edge: int,
           gap: int) -> bool:
    if starts[0] < edge or starts[-1] + lengths[-1] > n_slots - edge:
        return False
    return all(starts[i + 1] >= starts[i] + lengths[i] + gap for i in range(len(starts) - 1))


@cache
def expected_presence(contract: Contract, interval_minutes: int, scale: int) -> tuple[int, ...]:
    """Per slot of a shift: ``scale`` × the share of operators not on a break when the
    plans are used equally (stage 1 counts breaks this way)."""
    plans = break_plans(contract, interval_minutes)
    n_slots = contract.shift_minutes // interval_minutes
    out = []
    for r in range(n_slots):
        away = sum(p.on_break(r) for p in plans)
        out.append(round(scale * (len(plans) - away) / len(plans)))
    return tuple(out)
