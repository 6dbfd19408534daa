"""Weekend rules of the Curtois & Qu benchmark, and the "whole weekends" restriction.

Most instances limit how many weekends an employee works with a pattern rule that
counts every Saturday-Sunday pair with a shift on either day ("max weekends"). Where the
weekend cover wanted is near or above what those limits allow, a weekend worked on one
day only wastes a weekend of the limit: in the LNS rosters of Instance13, 18 and 19 the
missing shifts beyond the forced ones are exactly such half weekends (bench/README,
sessions 8 and 10). ``whole_weekends`` gives a copy of the instance where the contracts
with a max-weekends rule also forbid half weekends, so a search can first be steered to
rosters of whole weekends and then be released to the real rules.
"""

from __future__ import annotations

from dataclasses import replace

from helpline.wfm.schedule.curtois.ros_format import (
    Contract,
    Instance,
    Pattern,
    PatternMatch,
)

SATURDAY = 5
#: A weekend rule: one of these matches each worked Saturday-Sunday pair.
WEEKEND_PATTERNS = frozenset({("$", "-"), ("-", "$"), ("$", "$")})
#: The rule ``whole_weekends`` adds: no Saturday without the Sunday, nor the reverse.
NO_HALF_WEEKENDS = PatternMatch(
    patterns=(Pattern(("$", "-"), SATURDAY), Pattern(("-", "$"), SATURDAY)),
    max_count=0, label="No half weekends (search phase)")


def is_max_weekends_rule(match: PatternMatch) -> bool:
    """True for a rule that caps the weekends worked (Saturday-Sunday pairs)."""
    return (match.max_count is not None
            and {p.shifts for p in match.patterns} == WEEKEND_PATTERNS
            and all(p.start_weekday == SATURDAY for p in match.patterns))


def limits_weekends(contract: Contract) -> bool:
    """True when ``contract`` has a max-weekends rule."""
    return any(is_max_weekends_rule(m) for m in contract.matches)


def whole_weekends(instance: Instance) -> Instance | None:
    """``instance`` with every contract that limits weekends also forbidding half
    weekends; ``None`` when no contract limits weekends. A roster of the copy keeps
    every rule of ``instance`` (a rule is only added)."""
    if not any(limits_weekends(c) for c in instance.contracts.values()):
        return None
    return replace(instance, contracts={
        cid: replace(c, matches=(*c.matches, NO_HALF_WEEKENDS)) if limits_weekends(c) else c
        for cid, c in instance.contracts.items()})
