"""The planner's pure steps (helpline.wfm.planning): history text → forecast → requirement
→ problem → checked schedule, and the errors each step gives."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from helpline.domain.errors import ValidationFailed
from helpline.wfm import planning
from helpline.wfm.schedule.contracts import STANDARD_CONTRACTS
from helpline.wfm.schedule.model import Operator, Problem
from helpline.wfm.staffing import Target

ZONE = "Europe/Moscow"


def history(days: int, *, first: date = date(2026, 2, 2), aht: bool = False,
            cut_last_day_at: int | None = None) -> str:
    rng = np.random.default_rng(1)
    start = datetime.combine(first, datetime.min.time())
    rows = ["tc,call_volume" + (",aht" if aht else "")]
    for k in range(days * 96):
        at = start + timedelta(minutes=15 * k)
        if cut_last_day_at is not None and k >= (days - 1) * 96 + cut_last_day_at:
            break
        hour = at.hour + at.minute / 60
        level = math.sin(math.pi * (hour - 8) / 12) if 8 <= hour < 20 else 0.0
        rows.append(f"{at:%Y-%m-%d %H:%M:%S},{rng.poisson(6 * level)}"
                    + (",200" if aht else ""))
    return "\ufeff" + "\n".join(rows) + "\n"


def op(name: str, skills: set[str], contract: str = "5/2") -> Operator:
    return Operator(name, name.title(), contract, frozenset(skills))


def test_history_is_read_from_text_and_a_partial_last_day_is_dropped() -> None:
    series = planning.read_history(history(17, cut_last_day_at=40), interval_minutes=15,
                                   timezone=ZONE)
    assert series.days == 16 and series.dropped_partial_day == date(2026, 2, 18)
    assert series.start.isoformat() == "2026-02-02T00:00:00+03:00"
    with pytest.raises(planning.HistoryTooShort, match=r"14 whole days.*partial last day"):
        planning.read_history(history(15, cut_last_day_at=40), interval_minutes=15,
                              timezone=ZONE)
    with pytest.raises(planning.BadHistory, match="history:2: could not convert"):
        planning.read_history("tc,calls\n2026-02-02 00:00,many\n", interval_minutes=15,
                              timezone=ZONE)
    with pytest.raises(planning.BadHistory, match="more than 366 days"):
        planning.read_history("tc,calls\n2020-01-01 00:00,1\n2026-01-01 00:00,1\n",
                              interval_minutes=15, timezone=ZONE)
    with pytest.raises(ValidationFailed, match="unknown time zone"):
        planning.read_history(history(15), interval_minutes=15, timezone="Nowhere/Land")


def test_from_history_to_a_checked_schedule() -> None:
    series = planning.read_history(history(15), interval_minutes=15, timezone=ZONE)
    result = planning.forecast_history(series, 2)
    assert planning.first_day(result) == date(2026, 2, 17)  # the day after the history
    assert result.points[0].start.isoformat() == "2026-02-17T00:00:00+03:00"
    summary = planning.forecast_summary(result, series)
    assert [s["model"] for s in summary["scores"] if s["chosen"]] == [result.model]
    target = Target(0.8, 20)
    with pytest.raises(ValidationFailed, match="no AHT column"):
        planning.staffing_need(result, "call", target)
    need = planning.staffing_need(result, "call", target, aht_seconds=200)
    assert len(need.need) == 2 * 96 and need.basis == "agents"
    assert need.need == tuple(int(v) for v in need.requirement.agents)
    with_shrinkage = planning.staffing_need(result, "call", Target(0.8, 20, 0.25), 200)
    assert with_shrinkage.basis == "staff"
    assert with_shrinkage.summary()["peak_need"] > need.summary()["peak_need"]

    team = (op("a", {"mobile"}), op("b", {"mobile", "home"}), op("c", {"home"}, "5/2 4h"))
    problem = planning.build_problem(need, planning.first_day(result), skill="mobile",
                                     operators=team, contracts=STANDARD_CONTRACTS,
                                     timezone=ZONE)
    assert problem.requirement == {"mobile": list(need.need)} and problem.days == 2
    solved = planning.solve_checked(problem, time_limit_seconds=2, margin=0)
    assert solved.violations == () and solved.schedule.shifts
    assert planning.schedule_summary(solved)["violations"] == 0


def test_team_checks_and_the_default_skill() -> None:
    team = (op("a", {"mobile", "bank"}), op("b", {"bank", "mobile"}), op("c", {"home"}))
    assert planning.default_skill(team) == "bank"  # a tie: alphabetical
    with pytest.raises(planning.UnknownContracts, match=r"unknown contract.*: 2/3; known"):
        planning.check_team((*team, op("d", {"home"}, "2/3")), STANDARD_CONTRACTS, "home")
    with pytest.raises(ValidationFailed, match="no operator has the skill 'chat'"):
        planning.check_team(team, STANDARD_CONTRACTS, "chat")
    with pytest.raises(ValidationFailed, match="operator #2 is not valid"):
        planning.parse_operators([{"id": "a", "contract": "5/2"}, {"name": "no id"}])
    with pytest.raises(ValidationFailed, match="no operators"):
        planning.parse_operators([])
    assert planning.parse_operators([{"id": "a", "contract": "5/2", "skills": ["x"]}])[
        0].skills == frozenset({"x"})


def test_a_night_shift_of_the_evening_before_is_not_kept() -> None:
    """Night lines may start the evening before the horizon (the checker allows day -1);
    that shift belongs to the previous schedule, so the planner drops it."""
    need = [1 if i < 28 else 0 for i in range(2 * 96)]  # 00:00–07:00 of the first day
    problem = Problem(date(2026, 3, 2), 2, 15, {"x": need}, STANDARD_CONTRACTS,
                      (op("n", {"x"}, "2/2 night"),), timezone="UTC")
    solved = planning.solve_checked(problem, time_limit_seconds=2, margin=0)
    assert solved.evening_before_dropped == 1
    assert all(s.day >= 0 for s in solved.schedule.shifts) and solved.violations == ()
