"""From history to a schedule, without a database: the steps the WFM page's planner runs
(the same chain as ``helpline wfm forecast`` → ``staff`` → ``schedule``).

1. :func:`read_history` — the uploaded CSV (the formats of ``wfm forecast --input``) on the
   schedule's time zone; a partial last day is dropped; at least
   :data:`MIN_HISTORY_DAYS` whole days.
2. :func:`forecast_history` — the model that backtests best; the forecast starts at
   midnight of the day after the history.
3. :func:`staffing_need` — agents per interval (Erlang C for calls, the concurrency model
   for chats); breaks are placed by the scheduler, so the requirement is *agents*, or
   *staff* when a shrinkage (absence, training: what the schedule does not place) is given.
4. :func:`build_problem` and :func:`solve_checked` — the operators on the requirement of
   one skill; the result is re-checked by the independent checker.

Every input error is a :class:`ValidationFailed` (with its own ``error_id``) that names
what is wrong.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from helpline.domain.errors import ValidationFailed
from helpline.wfm.forecast import ForecastResult, forecast
from helpline.wfm.forecast_data import ForecastDataError, IntervalSeries, read_counts_text
from helpline.wfm.schedule.checker import Violation, check_schedule
from helpline.wfm.schedule.json_format import contract_from_dict, operator_from_dict
from helpline.wfm.schedule.model import Contract, Operator, Problem, Schedule, check_problem
from helpline.wfm.schedule.solver import default_workers, solve
from helpline.wfm.schedule.summary import schedule_summary as summarise_schedule
from helpline.wfm.staffing import Channel, Requirement, Target, requirements

#: Two weeks to train the models on, and one more day to score them (the backtest).
MIN_HISTORY_DAYS = 15
#: A longer history is refused before its grid is built (a year of 15-minute intervals).
MAX_HISTORY_DAYS = 366
MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 1, 28
MIN_TIME_LIMIT_SECONDS, MAX_TIME_LIMIT_SECONDS = 5.0, 120.0
FloatArray = npt.NDArray[np.float64]


class BadHistory(ValidationFailed):
    """The history CSV cannot be read as timestamped counts."""

    error_id = "bad_history"


class HistoryTooShort(ValidationFailed):
    error_id = "history_too_short"


class UnknownContracts(ValidationFailed):
    error_id = "unknown_contracts"


class ScheduleViolations(ValidationFailed):
    """The independent checker found broken rules: the schedule is not stored."""

    error_id = "schedule_violations"


def check_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(f"unknown time zone {name!r}", field="timezone") from error


def check_range(value: float, low: float, high: float, field: str) -> None:
    if not (math.isfinite(value) and low <= value <= high):
        raise ValidationFailed(f"{field} must be {low:g}..{high:g}", field=field, value=value)


# -- 1. history ---------------------------------------------------------------------------
def read_history(text: str, *, interval_minutes: int, timezone: str) -> IntervalSeries:
    """The counts per interval of ``text`` (naive timestamps are in ``timezone``)."""
    zone = check_zone(timezone)
    if not text.strip():
        raise BadHistory("the history file is empty", field="history_csv")
    try:
        series = read_counts_text(text, label="history", interval_minutes=interval_minutes,
                                  tz=zone, max_days=MAX_HISTORY_DAYS)
    except ForecastDataError as error:
        raise BadHistory(f"the history cannot be read: {error}", field="history_csv") from error
    if series.days < MIN_HISTORY_DAYS:
        dropped = (f" (after dropping the partial last day {series.dropped_partial_day})"
                   if series.dropped_partial_day else "")
        raise HistoryTooShort(
            f"the history has {series.days} whole days{dropped}; at least "
            f"{MIN_HISTORY_DAYS} are needed (two weeks to train the models, a day to "
            f"score them)", field="history_csv", days=series.days,
            min_days=MIN_HISTORY_DAYS)
    return series


# -- 2. forecast --------------------------------------------------------------------------
def forecast_history(series: IntervalSeries, horizon_days: int) -> ForecastResult:
    """Backtest, choose, forecast ``horizon_days`` from the midnight after the history."""
    check_range(horizon_days, MIN_HORIZON_DAYS, MAX_HORIZON_DAYS, "horizon_days")
    try:
        result = forecast(series, horizon_days)
    except ForecastDataError as error:
        raise BadHistory(f"the history cannot be forecast: {error}",
                         field="history_csv") from error
    first = result.points[0].start
    if (first.hour, first.minute) != (0, 0):  # a clock change inside the history
        raise BadHistory(f"the forecast would start at {first.isoformat()}, not at "
                         "midnight: a clock change in the history's time zone",
                         field="history_csv")
    return result


def first_day(result: ForecastResult) -> date:
    return result.points[0].start.date()


def forecast_summary(result: ForecastResult, series: IntervalSeries) -> dict[str, Any]:
    """The chosen model, every model's backtest scores and the contacts forecast."""
    return {
        "model": result.model,
        "interval_minutes": result.interval_minutes,
        "level": result.level,
        "start": result.points[0].start.isoformat(),
        "intervals": len(result.points),
        "total_contacts": round(sum(p.forecast for p in result.points), 1),
        "backtest_origins": len(result.backtest.origins),
        "scores": [{"model": s.model, "wape": finite(s.wape), "mape": finite(s.mape),
                    "wape_ratio": finite(s.wape_ratio), "chosen": s.model == result.model}
                   for s in result.backtest.scores],
        "excluded_days": [d.isoformat() for d in result.excluded_days],
        "history": {"start": series.start.date().isoformat(),
                    "end": (series.start.date() + timedelta(days=series.days - 1)).isoformat(),
                    "days": series.days,
                    "total_contacts": round(float(series.counts.sum()), 1),
                    "dropped_partial_day": series.dropped_partial_day.isoformat()
                    if series.dropped_partial_day else None},
    }


def finite(value: float, digits: int = 5) -> float | None:
    """JSON-safe: NaN and infinities become ``None``."""
    return round(value, digits) if math.isfinite(value) else None


# -- 3. requirement -----------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """Agents per interval (``need`` is what the schedule covers: agents, or staff)."""

    requirement: Requirement
    need: tuple[int, ...]
    basis: Literal["agents", "staff"]
    interval_minutes: int
    aht_seconds: FloatArray

    def summary(self) -> dict[str, Any]:
        hours = self.interval_minutes / 60
        volume_known = self.aht_seconds[np.isfinite(self.aht_seconds)]
        return {
            "model": self.requirement.model, "basis": self.basis,
            "peak_agents": int(self.requirement.agents.max(initial=0)),
            "agent_hours": round(float(self.requirement.agents.sum()) * hours, 1),
            "peak_staff": int(self.requirement.staff.max(initial=0)),
            "staff_hours": round(float(self.requirement.staff.sum()) * hours, 1),
            "peak_need": max(self.need, default=0),
            "need_hours": round(sum(self.need) * hours, 1),
            "mean_aht_seconds": finite(float(volume_known.mean()), 1)
            if volume_known.size else None,
        }


def staffing_need(result: ForecastResult, channel: Channel, target: Target,
                  aht_seconds: float | None = None) -> Need:
    """Requirement per forecast interval. AHT comes from the history's AHT column;
    ``aht_seconds`` is used where the history gives none (required if it has no AHT)."""
    if channel not in ("call", "chat"):
        raise ValidationFailed("channel must be call or chat", field="channel")
    volume = np.array([p.forecast for p in result.points], dtype=np.float64)
    aht = np.array([p.aht_seconds for p in result.points], dtype=np.float64)
    unknown = ~np.isfinite(aht)
    if np.any(unknown):
        if aht_seconds is None:
            raise ValidationFailed("the history has no AHT column (aht or aht_seconds): "
                                   "give the average handle time in seconds",
                                   field="aht_seconds")
        check_range(aht_seconds, 1, 7200, "aht_seconds")
        aht = np.where(unknown, aht_seconds, aht)
    need = requirements(channel, volume, aht, result.interval_minutes * 60, target)
    basis: Literal["agents", "staff"] = "staff" if target.shrinkage > 0 else "agents"
    values = need.staff if basis == "staff" else need.agents
    return Need(need, tuple(int(v) for v in values), basis, result.interval_minutes, aht)


# -- 4. problem and schedule --------------------------------------------------------------
def parse_operators(operators: Sequence[Mapping[str, Any]]) -> tuple[Operator, ...]:
    """Operators in the JSON format of ``helpline wfm schedule --operators``."""
    if not operators:
        raise ValidationFailed("no operators to schedule", field="operators")
    out = []
    for n, item in enumerate(operators, start=1):
        try:
            if not isinstance(item, Mapping):
                raise TypeError("an operator must be a JSON object")
            out.append(operator_from_dict(item))
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationFailed(f"operator #{n} is not valid: {error!r} (needs id, "
                                   "contract and skills)", field="operators",
                                   index=n - 1) from error
    return tuple(out)


def parse_contracts(contracts: Sequence[Mapping[str, Any]]) -> dict[str, Contract]:
    out: dict[str, Contract] = {}
    for n, item in enumerate(contracts, start=1):
        try:
            if not isinstance(item, Mapping):
                raise TypeError("a contract must be a JSON object")
            contract = contract_from_dict(item)
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationFailed(f"contract #{n} is not valid: {error!r}",
                                   field="contracts", index=n - 1) from error
        out[contract.name] = contract
    return out


def default_skill(operators: Sequence[Operator]) -> str:
    """The skill most operators have (ties: alphabetical)."""
    counts = Counter(s for op in operators for s in op.skills)
    if not counts:
        raise ValidationFailed("the operators have no skills", field="operators")
    return min(counts, key=lambda s: (-counts[s], s))


def check_team(operators: Sequence[Operator], contracts: Mapping[str, Contract],
               skill: str) -> None:
    """Every operator's contract is known and someone has ``skill``."""
    unknown = sorted({op.contract for op in operators} - set(contracts))
    if unknown:
        raise UnknownContracts(
            "unknown contract(s): " + ", ".join(unknown) + "; known: "
            + ", ".join(sorted(contracts)), contracts=unknown, known=sorted(contracts))
    if not any(skill in op.skills for op in operators):
        raise ValidationFailed(f"no operator has the skill {skill!r}", field="skill",
                               skill=skill)


def build_problem(need: Need, start: date, *, skill: str, operators: Sequence[Operator],
                  contracts: Mapping[str, Contract], timezone: str) -> Problem:
    """One requirement (``skill``) over the forecast's days for ``operators``."""
    check_zone(timezone)
    check_team(operators, contracts, skill)
    slots = 1440 // need.interval_minutes
    problem = Problem(start, len(need.need) // slots, need.interval_minutes,
                      {skill: list(need.need)}, dict(contracts), tuple(operators),
                      timezone=timezone)
    check_problem(problem)
    return problem


@dataclass(frozen=True)
class Solved:
    schedule: Schedule
    #: night shifts the solver started on the evening before the horizon (not stored)
    evening_before_dropped: int
    violations: tuple[Violation, ...]


def solve_checked(problem: Problem, *, time_limit_seconds: float, pick: bool = False,
                  margin: float = 0.015, workers: int | None = None) -> Solved:
    """Solve, drop shifts dated before the horizon (they belong to the schedule before
    it), and check the rest with the independent checker."""
    check_range(time_limit_seconds, 0.1, MAX_TIME_LIMIT_SECONDS, "time_limit_seconds")
    check_range(margin, 0, 0.2, "margin")
    solved = solve(problem, time_limit_seconds, workers or default_workers(),
                   staff_all=not pick, margin=margin)
    kept = tuple(s for s in solved.shifts if s.day >= 0)
    schedule = replace(solved, shifts=kept)
    return Solved(schedule, len(solved.shifts) - len(kept), tuple(check_schedule(schedule)))


def schedule_summary(solved: Solved) -> dict[str, Any]:
    """The schedule's summary (``wfm.schedule.summary``) and whether the evening
    before the horizon was dropped."""
    return {**summarise_schedule(solved.schedule, len(solved.violations)),
            "evening_before_dropped": solved.evening_before_dropped}


def check_no_violations(solved: Solved) -> None:
    if solved.violations:
        raise ScheduleViolations(
            f"the schedule breaks {len(solved.violations)} rule(s) of its contracts; it "
            "was not stored",
            violations=[{"operator_id": v.operator_id, "day": v.day, "rule": v.rule,
                         "detail": v.detail} for v in solved.violations[:20]])
