"""Special days the planner marks (holidays, promotions, outages) for forecasting.

A calendar is a CSV file ``date,kind,factor,note`` (``factor`` and ``note`` optional)::

    date,kind,factor,note
    2023-03-08,holiday,0.6,Women's Day
    2023-03-20,outage,,PBX down 10:00-14:00
    2023-04-03,promotion,1.3,new tariff launch

How a marked day is used:

* in the history it is **excluded from training**: its intervals are replaced by the mean
  of the same weekday and interval 1-2 weeks before and after (unmarked days only), and
  the backtest does not score it;
* in the future the forecast for that day is multiplied by ``factor`` (default 1.0: the
  planner states the expected effect, the models do not guess it from a handful of
  past occurrences).

Days whose total is zero while the same weekday is normally busy (an export gap or a
closure nobody marked) are detected and treated like marked days (kind ``closed``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from helpline.wfm.forecast_data import FloatArray, ForecastDataError

KINDS = ("holiday", "promotion", "outage", "closed", "other")


@dataclass(frozen=True)
class SpecialDay:
    """One marked day; ``factor`` scales a future forecast (1.0 = no change)."""

    day: date
    kind: str
    factor: float = 1.0
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ForecastDataError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not (self.factor >= 0):
            raise ForecastDataError(f"factor must be >= 0, not {self.factor}")


def read_calendar(path: str | Path) -> list[SpecialDay]:
    """Special days from a ``date,kind,factor,note`` CSV (BOM tolerated), sorted by date."""
    days: list[SpecialDay] = []
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            try:
                factor_text = (row.get("factor") or "").strip()
                days.append(SpecialDay(
                    day=date.fromisoformat((row.get("date") or "").strip()),
                    kind=(row.get("kind") or "other").strip().lower() or "other",
                    factor=float(factor_text) if factor_text else 1.0,
                    note=(row.get("note") or "").strip()))
            except ValueError as error:
                raise ForecastDataError(f"{path}:{line_no}: {error}") from error
    return sorted(days, key=lambda d: d.day)


def detect_closed_days(daily_totals: FloatArray, *, weekly: int = 7) -> list[int]:
    """Day numbers with zero contacts whose weekday has a positive median total."""
    found: list[int] = []
    for day, total in enumerate(daily_totals):
        if total > 0:
            continue
        same = daily_totals[day % weekly::weekly]
        if float(np.median(same)) > 0:
            found.append(day)
    return found


def impute_days(counts: FloatArray, days: Iterable[int], slots_per_day: int) -> FloatArray:
    """A copy of ``counts`` with each listed day replaced by the mean of the same weekday
    1 and 2 weeks before and after that are not listed themselves (left as is if none)."""
    excluded = set(days)
    out = counts.copy()
    total_days = len(counts) // slots_per_day
    for day in sorted(excluded):
        donors = [d for k in (1, 2) for d in (day - 7 * k, day + 7 * k)
                  if 0 <= d < total_days and d not in excluded]
        if not donors:
            continue
        rows = [counts[d * slots_per_day:(d + 1) * slots_per_day] for d in donors]
        out[day * slots_per_day:(day + 1) * slots_per_day] = np.mean(rows, axis=0)
    return out
