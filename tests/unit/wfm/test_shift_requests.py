"""Swap and time-off rules on hand-made schedules with answers worked out by hand.

The problem: 3 days from Monday 2026-03-02, 60-minute intervals, one agent of
``mobile`` needed 08:00–20:00 each day (and one of ``home`` on day 0 only).
"""

from __future__ import annotations

from datetime import date

import pytest

from helpline.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed
from helpline.wfm.schedule.model import (
    Break,
    Contract,
    Operator,
    Problem,
    Schedule,
    Shift,
    SolveStats,
)
from helpline.wfm.schedule.requests import (
    RequestKind,
    RequestState,
    ShiftRequest,
    Swap,
    SwapNotAllowed,
    apply_swap,
    apply_time_off,
    check_swap,
    keeps_coverage,
    time_off_check,
)

START = date(2026, 3, 2)
DAY0, DAY1, DAY2 = START, date(2026, 3, 3), date(2026, 3, 4)
H = 60


def _need(hours: range, days: tuple[int, ...] = (0, 1, 2)) -> list[int]:
    return [1 if d in days and h in hours else 0 for d in range(3) for h in range(24)]


def problem(**unavailable: frozenset[date]) -> Problem:
    ops = (
        Operator("a", "Anna", "day", frozenset({"mobile"})),
        Operator("b", "Boris", "day", frozenset({"mobile", "bank"})),  # bank: not required
        Operator("c", "Cyril", "day", frozenset({"home"})),
        Operator("d", "Dina", "day", frozenset({"mobile", "home"})),
    )
    ops = tuple(Operator(o.id, o.name, o.contract, o.skills, unavailable.get(o.id, frozenset()))
                for o in ops)
    return Problem(START, 3, 60, {"mobile": _need(range(8, 20)),
                                  "home": _need(range(8, 20), days=(0,))},
                   {"day": Contract("day", 2, 2, 12 * H, 8 * H, 20 * H, min_rest_minutes=12 * H)},
                   ops, timezone="Europe/Moscow")


def day_shift(op: str, day: int, start_hour: int = 8, hours: int = 12,
              breaks: tuple[Break, ...] = ()) -> Shift:
    return Shift(op, day, day * 24 * H + start_hour * H, hours * H, breaks)


def schedule(*shifts: Shift, **unavailable: frozenset[date]) -> Schedule:
    return Schedule(problem(**unavailable), shifts, SolveStats("hand", 0, 0, 0))


def rules(check: object) -> set[str]:
    return {v.rule for v in check.violations}  # type: ignore[attr-defined]


def test_one_way_swap_to_a_free_colleague_with_the_skills_is_allowed() -> None:
    s = schedule(day_shift("a", 0), day_shift("c", 0))
    check = check_swap(s, Swap("a", DAY0, "b"))
    assert check.allowed and check.violations == ()
    assert check.effect.short_intervals_added == 0
    after, _ = apply_swap(s, Swap("a", DAY0, "b"))
    assert sorted((x.operator_id, x.day, x.start_minute) for x in after.shifts) == [
        ("b", 0, 480), ("c", 0, 480)]


def test_receiver_without_the_givers_requirement_skill_is_refused_and_coverage_shows_it() -> None:
    s = schedule(day_shift("a", 0), day_shift("c", 0))
    check = check_swap(s, Swap("a", DAY0, "c"))  # Cyril has home only; he already works
    assert rules(check) == {"skills", "one_shift_per_day", "coverage"}
    skills = next(v for v in check.violations if v.rule == "skills")
    assert skills.operator_id == "c" and skills.data["missing_skills"] == ["mobile"]
    # mobile loses its only agent 08:00-20:00: 12 hours become short
    assert check.effect.short_intervals_added == 12
    assert [(e.skill, e.deficit_added_agent_intervals) for e in check.effect.per_skill] == [
        ("home", 0), ("mobile", 12)]
    assert check.effect.short_periods == ((480, 1200),)
    with pytest.raises(SwapNotAllowed) as refused:
        apply_swap(s, Swap("a", DAY0, "c"))
    assert refused.value.error_id == "swap_not_allowed"
    assert {v["rule"] for v in refused.value.details["violations"]} == {
        "skills", "one_shift_per_day", "coverage"}


def test_multi_skilled_receiver_may_take_a_single_skill_shift() -> None:
    s = schedule(day_shift("a", 0), day_shift("c", 0))
    assert check_swap(s, Swap("a", DAY0, "d")).allowed


def test_single_skilled_receiver_may_not_take_a_multi_skilled_shift() -> None:
    s = schedule(day_shift("d", 0))
    check = check_swap(s, Swap("d", DAY0, "a"))
    assert rules(check) == {"skills", "coverage"}  # home 08-20 loses Dina
    assert check.effect.per_skill[0].skill == "home"
    assert check.effect.per_skill[0].deficit_added_agent_intervals == 12


def test_rest_between_shifts_is_checked_for_the_receiver() -> None:
    # Boris starts day 1 at 07:00: Anna's day-0 shift ends 20:00 -> 11 h of rest < 12 h
    s = schedule(day_shift("a", 0), day_shift("b", 1, start_hour=7))
    check = check_swap(s, Swap("a", DAY0, "b"))
    assert rules(check) == {"rest"}
    rest = check.violations[0]
    assert rest.operator_id == "b" and rest.data["rest_minutes"] == 660
    assert rest.data["min_rest_minutes"] == 720


def test_two_way_swap_checks_the_giver_too() -> None:
    # Anna (day 0, 08-20) takes Boris's night (day 0, 20:00-08:00) and gives him her day;
    # Anna also works day 1 from 08:00, so her rest after the night would be 0.
    s = schedule(day_shift("a", 0), day_shift("b", 0, start_hour=20), day_shift("a", 1))
    check = check_swap(s, Swap("a", DAY0, "b", return_day=DAY0))
    assert rules(check) == {"rest"}
    assert check.violations[0].operator_id == "a"
    assert check.violations[0].data["rest_minutes"] == 0
    # without Anna's day-1 shift the exchange is fine and both still work once that day
    fine = schedule(day_shift("a", 0), day_shift("b", 0, start_hour=20))
    after, done = apply_swap(fine, Swap("a", DAY0, "b", return_day=DAY0))
    assert done.allowed
    assert sorted((x.operator_id, x.start_minute) for x in after.shifts) == [
        ("a", 1200), ("b", 480)]


def test_receiver_with_a_shift_that_day_or_unavailable_is_refused() -> None:
    busy = schedule(day_shift("a", 0), day_shift("b", 0, start_hour=9))
    assert rules(check_swap(busy, Swap("a", DAY0, "b"))) == {"one_shift_per_day"}
    away = schedule(day_shift("a", 0), b=frozenset({DAY0}))
    assert rules(check_swap(away, Swap("a", DAY0, "b"))) == {"unavailable"}


def test_no_shift_on_the_day_and_bad_input() -> None:
    s = schedule(day_shift("a", 0))
    assert rules(check_swap(s, Swap("a", DAY1, "b"))) == {"no_shift"}
    with pytest.raises(ValidationFailed):
        check_swap(s, Swap("a", DAY0, "a"))
    with pytest.raises(ValidationFailed):
        check_swap(s, Swap("a", date(2026, 3, 9), "b"))  # outside the horizon


def test_keeps_coverage_uses_a_flow_not_a_per_skill_count() -> None:
    p = problem()
    before = (day_shift("a", 0), day_shift("c", 0))  # mobile by Anna, home by Cyril
    # Dina (both skills) replaces Cyril: home is served by Dina, mobile by Anna
    assert keeps_coverage(p, before, (day_shift("a", 0), day_shift("d", 0)), before)
    # Boris (mobile) replaces Cyril: home is lost
    assert not keeps_coverage(p, before, (day_shift("a", 0), day_shift("b", 0)), before)


def test_time_off_effect_counts_the_intervals_that_become_short() -> None:
    # day 1: Anna 08-20 with a break 12-13 (already short then); nobody else
    lunch = Break(24 * H + 12 * H, H, "lunch")
    s = schedule(day_shift("a", 1, breaks=(lunch,)), day_shift("b", 2))
    check = time_off_check(s, "a", [DAY1])
    assert [x.day for x in check.removed] == [1]
    assert check.effect.deficit_before_agent_intervals == 1
    assert check.effect.deficit_after_agent_intervals == 12
    assert check.effect.short_intervals_added == 11
    day1 = 24 * H
    assert check.effect.short_periods == ((day1 + 480, day1 + 720), (day1 + 780, day1 + 1200))
    assert check.effect.to_dict(s.problem)["short_periods"][0]["start"] == (
        "2026-03-03T08:00:00+03:00")

    after, _ = apply_time_off(s, "a", [DAY1, DAY1])
    assert [x.operator_id for x in after.shifts] == ["b"]
    anna = next(o for o in after.problem.operators if o.id == "a")
    assert anna.unavailable == frozenset({DAY1})


def test_time_off_on_a_day_without_a_shift_changes_no_coverage() -> None:
    s = schedule(day_shift("b", 2))
    check = time_off_check(s, "a", [DAY2])
    assert check.removed == () and check.effect.short_intervals_added == 0
    with pytest.raises(ValidationFailed):
        time_off_check(s, "a", [])


def test_request_life() -> None:
    swap = ShiftRequest(RequestKind.SWAP, "a", peer_id="b")
    with pytest.raises(PermissionDenied):
        swap.cancel("b")
    with pytest.raises(PermissionDenied):
        swap.answer("c", True)
    with pytest.raises(InvalidTransition):
        swap.decide("sv", approve=True)  # Boris has not agreed
    with pytest.raises(ValidationFailed):
        swap.decide("sv", approve=False, reason="  ")
    agreed = swap.answer("b", True)
    assert agreed.peer_consent and agreed.answer("b", True) == agreed
    approved = agreed.decide("sv", approve=True)
    assert approved.state == RequestState.APPROVED and approved.decided_by == "sv"
    assert approved.decide("sv", approve=True) == approved  # a repeat changes nothing
    with pytest.raises(InvalidTransition):
        approved.decide("sv", approve=False, reason="late")
    with pytest.raises(InvalidTransition):
        approved.cancel("a")

    declined = swap.answer("b", False)
    assert declined.state == RequestState.REFUSED and declined.decided_by == "b"

    off = ShiftRequest(RequestKind.TIME_OFF, "a")
    cancelled = off.cancel("a")
    assert cancelled.state == RequestState.CANCELLED and cancelled.cancel("a") == cancelled
    refused = off.decide("sv", approve=False, reason="  peak   week ")
    assert (refused.state, refused.reason) == (RequestState.REFUSED, "peak week")
    with pytest.raises(PermissionDenied):
        off.answer("a", True)
