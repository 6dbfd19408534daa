"""Interval arrival forecasts with automatic model choice by rolling-origin backtest.

Models (all see a dense history of counts per interval, ``slots_per_day`` = 96 at 15 min):

* ``seasonal_naive`` — the same interval one week earlier (the baseline every figure is
  compared with);
* ``slot_mean_N`` — mean of the last N same-weekday same-interval values (robust, no fit);
* ``mstl`` / ``mstl_log`` — statsforecast MSTL (``mstl_log`` on log(1 + count)) with
  daily and weekly seasons and an AutoETS trend; slots
  of the week that were empty in each of the last 4 weeks (closed hours) are cut out
  before fitting, so a center open 07:00-21:00 on weekdays gets seasons 57 and 285;
* ``ensemble`` — the mean of ``mstl`` and ``slot_mean_3`` (combinations are rarely worse
  than their parts and steady against level shifts).

Choice rule: the model with the lowest backtest WAPE wins (ties: the order above).
Prediction intervals: the error of a forecast f is taken as Poisson noise plus a
relative model error, variance = f + (r·f)², with r estimated from the chosen model's
backtest errors (method of moments); the band is f ± z·sqrt(variance), clipped at 0.

Statsforecast's AutoETS would silently drop a season longer than 24 periods, so it is
only used for MSTL's trend (seasons removed first).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import NormalDist
from typing import Protocol

import numpy as np

from helpline.wfm.forecast_calendar import SpecialDay, detect_closed_days, impute_days
from helpline.wfm.forecast_data import FloatArray, ForecastDataError, IntervalSeries

DAYS_PER_WEEK = 7
#: statsmodels STL evaluates its loess every n-th point and interpolates: 7x faster on a
#: 672-slot week, same accuracy on both public arrival sets (gitpay 9.15% -> 9.11%).
STL_SPEED = {"seasonal_jump": 2, "trend_jump": 50, "low_pass_jump": 20}


class ForecastModel(Protocol):
    """Predicts ``horizon`` intervals after ``history`` (counts per interval)."""

    @property
    def name(self) -> str: ...

    def predict(self, history: FloatArray, horizon: int, slots_per_day: int) -> FloatArray: ...


def _tile_week(profile: FloatArray, start_phase: int, horizon: int) -> FloatArray:
    week = len(profile)
    idx = (start_phase + np.arange(horizon)) % week
    return profile[idx]


@dataclass(frozen=True)
class SeasonalNaive:
    """The value one week earlier (repeated weekly beyond a week)."""

    name: str = "seasonal_naive"

    def predict(self, history: FloatArray, horizon: int, slots_per_day: int) -> FloatArray:
        week = DAYS_PER_WEEK * slots_per_day
        if len(history) < week:
            raise ForecastDataError("seasonal naive needs one week of history")
        return _tile_week(history[-week:], 0, horizon).astype(np.float64)


@dataclass(frozen=True)
class SlotMean:
    """Mean of the last ``weeks`` same-weekday same-interval values."""

    weeks: int = 3
    name: str = ""

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError("weeks must be >= 1")
        if not self.name:
            object.__setattr__(self, "name", f"slot_mean_{self.weeks}")

    def predict(self, history: FloatArray, horizon: int, slots_per_day: int) -> FloatArray:
        week = DAYS_PER_WEEK * slots_per_day
        available = len(history) // week
        if available < 1:
            raise ForecastDataError("slot mean needs one week of history")
        k = min(self.weeks, available)
        blocks = history[len(history) - k * week:].reshape(k, week)
        return _tile_week(blocks.mean(axis=0), 0, horizon).astype(np.float64)


def open_slots(history: FloatArray, week: int, weeks: int = 4) -> np.ndarray:
    """Boolean mask over the week's slots (phase 0 = one week before the history's end):
    True where any of the last ``weeks`` weeks had contacts."""
    k = max(1, min(weeks, len(history) // week))
    blocks = history[len(history) - k * week:].reshape(k, week)
    return np.asarray(blocks.sum(axis=0) > 0)


@dataclass(frozen=True)
class Mstl:
    """statsforecast MSTL (daily + weekly seasons, AutoETS trend) on the open slots.

    ``train_weeks`` limits the history fitted (speed and adaptivity). ``log=True`` fits
    log(1 + y) and transforms back (multiplicative seasonality: a level shift scales the
    peaks more than the night).
    """

    train_weeks: int = 8
    log: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", "mstl_log" if self.log else "mstl")

    def predict(self, history: FloatArray, horizon: int, slots_per_day: int) -> FloatArray:
        from statsforecast.models import MSTL

        week = DAYS_PER_WEEK * slots_per_day
        whole = (len(history) // week) * week
        if whole < 2 * week:
            raise ForecastDataError("MSTL needs two weeks of history")
        y = history[len(history) - min(whole, self.train_weeks * week):]
        mask = open_slots(y, week)
        opened = int(mask.sum())
        if opened == 0:
            return np.zeros(horizon)
        per_day = mask.reshape(DAYS_PER_WEEK, slots_per_day).sum(axis=1)
        open_days = per_day[per_day > 0]
        seasons = [int(open_days[0]), opened] if np.all(open_days == open_days[0]) else [opened]
        seasons = sorted({s for s in seasons if 1 < s <= len(y) // 2})
        compact = y[np.tile(mask, len(y) // week)]
        future_mask = _tile_week(mask, 0, horizon)
        steps = int(future_mask.sum())
        out = np.zeros(horizon)
        if steps == 0:
            return out
        model = MSTL(season_length=seasons if len(seasons) > 1 else seasons[0],
                     stl_kwargs=STL_SPEED)
        target = np.log1p(compact) if self.log else compact
        fc = np.asarray(model.forecast(y=target.astype(np.float64), h=steps)["mean"],
                        dtype=np.float64)
        out[future_mask] = np.expm1(fc) if self.log else fc
        return np.clip(out, 0.0, None)


@dataclass(frozen=True)
class Ensemble:
    """Mean of several models' forecasts."""

    members: tuple[ForecastModel, ...]
    name: str = "ensemble"

    def predict(self, history: FloatArray, horizon: int, slots_per_day: int) -> FloatArray:
        parts = [m.predict(history, horizon, slots_per_day) for m in self.members]
        return np.asarray(np.mean(parts, axis=0), dtype=np.float64)


def default_models() -> list[ForecastModel]:
    """The candidate set, baseline first (the tie-break order); an ensemble comes after
    its members so that the backtest reuses their forecasts."""
    mstl, slots = Mstl(), SlotMean(3)
    return [SeasonalNaive(), SlotMean(2), slots, mstl, Mstl(log=True),
            Ensemble((mstl, slots))]


# -- accuracy ---------------------------------------------------------------------------
def wape(actual: FloatArray, forecast: FloatArray) -> float:
    """Weighted absolute percentage error: sum|a-f| / sum a (a fraction; NaN if sum a = 0)."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - forecast))) / total if total > 0 else math.nan


def mape(actual: FloatArray, forecast: FloatArray) -> float:
    """Mean of |a-f|/a over intervals with a > 0 (a fraction; NaN if none)."""
    mask = actual > 0
    if not np.any(mask):
        return math.nan
    return float(np.mean(np.abs(actual[mask] - forecast[mask]) / actual[mask]))


@dataclass(frozen=True)
class ModelScore:
    """Backtest result of one model; ``wape_ratio`` is WAPE / seasonal naive's WAPE."""

    model: str
    wape: float
    mape: float
    wape_ratio: float
    fit_seconds: float  # mean seconds per origin
    origins: int


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest: origins at day boundaries, each scored on its horizon."""

    scores: tuple[ModelScore, ...]
    chosen: str
    horizon_slots: int
    origins: tuple[int, ...]  # slot index of each origin
    relative_sd: float  # chosen model's relative error r: variance = f + (r f)^2
    actual: FloatArray = field(repr=False)
    predictions: dict[str, FloatArray] = field(repr=False)

    def score(self, model: str) -> ModelScore:
        return next(s for s in self.scores if s.model == model)


def excluded_days(series: IntervalSeries, special: Sequence[SpecialDay] = ()) -> list[int]:
    """Day numbers of the history that are marked special or detected as closed."""
    marked = {(d.day - series.start.date()).days for d in special}
    spd = series.slots_per_day
    totals = series.counts[: series.days * spd].reshape(series.days, spd).sum(axis=1)
    closed = detect_closed_days(totals)
    return sorted(d for d in marked | set(closed) if 0 <= d < series.days)


def backtest(series: IntervalSeries, models: Sequence[ForecastModel] | None = None, *,
             horizon_days: int = 1, origins: int = 7, end_day: int | None = None,
             special: Sequence[SpecialDay] = (), min_train_weeks: int = 2,
             progress: Callable[[str], None] | None = None) -> Backtest:
    """Forecast ``horizon_days`` from each of the last ``origins`` midnights (targets end
    by day ``end_day``, default: the end of the data) with the history before it; score
    WAPE/MAPE over the unmarked days of each horizon.

    Marked and closed days are imputed in every training window and never scored; an
    origin is only taken where its first target day is unmarked and had contacts.
    """
    models = list(models) if models is not None else default_models()
    if not any(m.name == "seasonal_naive" for m in models):
        models.insert(0, SeasonalNaive())
    spd = series.slots_per_day
    excluded = excluded_days(series, special)
    clean = impute_days(series.counts, excluded, spd)
    h = horizon_days * spd
    first = min_train_weeks * DAYS_PER_WEEK
    last = series.days if end_day is None else min(end_day, series.days)
    totals = series.counts[: series.days * spd].reshape(series.days, spd).sum(axis=1)
    candidates = [d for d in range(first, last - horizon_days + 1)
                  if d not in excluded and totals[d] > 0]
    chosen_origins = candidates[-origins:] if origins > 0 else []
    if not chosen_origins:
        raise ForecastDataError(
            f"not enough history for a backtest: {series.days} days, need "
            f"{first + horizon_days} (with {min_train_weeks} weeks of training) and at "
            f"least one unmarked target day with contacts")
    score_mask = np.ones(series.days * spd, dtype=bool)
    for d in excluded:
        score_mask[d * spd:(d + 1) * spd] = False
    actual_parts: list[FloatArray] = []
    preds: dict[str, list[FloatArray]] = {m.name: [] for m in models}
    seconds: dict[str, float] = {m.name: 0.0 for m in models}
    seconds_at: dict[str, float] = {}
    for n, day in enumerate(chosen_origins, start=1):
        if progress is not None:
            progress(f"origin {n}/{len(chosen_origins)}")
        o = day * spd
        keep = score_mask[o:o + h]
        actual_parts.append(series.counts[o:o + h][keep])
        done: dict[str, FloatArray] = {}
        for model in models:
            began = time.perf_counter()
            if isinstance(model, Ensemble) and all(m.name in done for m in model.members):
                fc = np.mean([done[m.name] for m in model.members], axis=0)
                extra = sum(seconds_at[m.name] for m in model.members)
            else:
                fc = model.predict(clean[:o], h, spd)
                extra = 0.0
            seconds_at[model.name] = time.perf_counter() - began + extra
            seconds[model.name] += seconds_at[model.name]
            done[model.name] = np.asarray(fc, dtype=np.float64)
            preds[model.name].append(done[model.name][keep])
    actual = np.concatenate(actual_parts)
    joined = {name: np.concatenate(parts) for name, parts in preds.items()}
    base = wape(actual, joined["seasonal_naive"])
    scores = tuple(ModelScore(
        model=m.name, wape=wape(actual, joined[m.name]), mape=mape(actual, joined[m.name]),
        wape_ratio=wape(actual, joined[m.name]) / base if base > 0 else math.nan,
        fit_seconds=seconds[m.name] / len(chosen_origins), origins=len(chosen_origins))
        for m in models)
    best = min(enumerate(scores), key=lambda p: (
        p[1].wape if math.isfinite(p[1].wape) else math.inf, p[0]))[1]
    fc = joined[best.model]
    return Backtest(scores=scores, chosen=best.model, horizon_slots=h,
                    origins=tuple(d * spd for d in chosen_origins),
                    relative_sd=relative_sd(actual, joined[best.model]), actual=actual,
                    predictions=joined)


def relative_sd(actual: FloatArray, forecast: FloatArray) -> float:
    """r in variance = f + (r f)^2: sqrt(max(0, sum((a-f)^2 - f)) / sum f^2)."""
    denominator = float(np.sum(forecast**2))
    if denominator <= 0:
        return 0.0
    excess = float(np.sum((actual - forecast) ** 2 - forecast))
    return math.sqrt(max(excess, 0.0) / denominator)


# -- the forecast -----------------------------------------------------------------------
@dataclass(frozen=True)
class ForecastPoint:
    """One future interval: contacts expected (with a band) and AHT in seconds."""

    start: datetime
    forecast: float
    lo: float
    hi: float
    aht_seconds: float


@dataclass(frozen=True)
class ForecastResult:
    """The forecast of the backtest's chosen model, plus what led to the choice."""

    model: str
    interval_minutes: int
    level: float  # prediction-interval coverage, e.g. 0.8
    points: tuple[ForecastPoint, ...]
    backtest: Backtest
    excluded_days: tuple[date, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (no points)."""
        return {
            "model": self.model, "interval_minutes": self.interval_minutes,
            "level": self.level, "intervals": len(self.points),
            "total_forecast": round(sum(p.forecast for p in self.points), 1),
            "relative_sd": round(self.backtest.relative_sd, 4),
            "backtest": [{"model": s.model, "wape": round(s.wape, 5), "mape": round(s.mape, 5),
                          "wape_ratio": round(s.wape_ratio, 4),
                          "fit_seconds": round(s.fit_seconds, 4), "origins": s.origins}
                         for s in self.backtest.scores],
            "excluded_days": [d.isoformat() for d in self.excluded_days],
        }


def aht_profile(series: IntervalSeries, horizon: int, weeks: int = 4) -> FloatArray:
    """AHT (s) for the next ``horizon`` intervals: the count-weighted mean of the same
    weekday and interval over the last ``weeks`` weeks, else of the same interval of day,
    else the overall mean; NaN if the series has no AHT at all."""
    spd = series.slots_per_day
    week = DAYS_PER_WEEK * spd
    n = len(series.counts)
    known = np.isfinite(series.aht_seconds) & (series.counts > 0)
    if not np.any(known):
        return np.full(horizon, np.nan)
    work = np.where(known, series.aht_seconds * series.counts, 0.0)
    weight = np.where(known, series.counts, 0.0)
    overall = float(work.sum() / weight.sum())
    span = min(n, weeks * week)
    tail = slice(n - span, n)
    idx_week = (np.arange(n - span, n) - n) % week  # phase 0 = one week before the end
    w_sum = np.bincount(idx_week, weights=weight[tail], minlength=week)
    w_work = np.bincount(idx_week, weights=work[tail], minlength=week)
    idx_day = idx_week % spd if n % spd == 0 else (np.arange(n - span, n)) % spd
    d_sum = np.bincount(idx_day, weights=weight[tail], minlength=spd)
    d_work = np.bincount(idx_day, weights=work[tail], minlength=spd)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_day = np.where(d_sum > 0, d_work / np.where(d_sum > 0, d_sum, 1), overall)
        by_week = np.where(w_sum > 0, w_work / np.where(w_sum > 0, w_sum, 1),
                           by_day[np.arange(week) % spd])
    return _tile_week(by_week.astype(np.float64), 0, horizon)


def forecast(series: IntervalSeries, horizon_days: int, *,
             models: Sequence[ForecastModel] | None = None,
             special: Sequence[SpecialDay] = (), level: float = 0.8,
             backtest_origins: int = 7, backtest_horizon_days: int = 1,
             progress: Callable[[str], None] | None = None) -> ForecastResult:
    """Backtest the candidates, then forecast ``horizon_days`` days with the winner.

    Future special days are scaled by their ``factor``. ``level`` is the coverage of the
    prediction interval (0 < level < 1).
    """
    if horizon_days < 1:
        raise ForecastDataError("horizon must be at least one day")
    if not 0 < level < 1:
        raise ForecastDataError("level must be between 0 and 1")
    models = list(models) if models is not None else default_models()
    bt = backtest(series, models, horizon_days=backtest_horizon_days,
                  origins=backtest_origins, special=special, progress=progress)
    spd = series.slots_per_day
    excluded = excluded_days(series, special)
    clean = impute_days(series.counts, excluded, spd)
    n = series.days * spd
    h = horizon_days * spd
    by_name: dict[str, ForecastModel] = {m.name: m for m in [*models, SeasonalNaive()]}
    if progress is not None:
        progress(f"fitting {bt.chosen}")
    mean = np.clip(by_name[bt.chosen].predict(clean[:n], h, spd), 0.0, None)
    factors = np.ones(h)
    first_future = series.start.date() + timedelta(days=series.days)
    for d in special:
        offset = (d.day - first_future).days
        if 0 <= offset < horizon_days:
            factors[offset * spd:(offset + 1) * spd] = d.factor
    mean = mean * factors
    z = NormalDist().inv_cdf(0.5 + level / 2)
    half = z * np.sqrt(mean + (bt.relative_sd * mean) ** 2)
    aht = aht_profile(series, h)
    points = tuple(ForecastPoint(
        start=series.time_at(n + i), forecast=float(mean[i]),
        lo=float(max(mean[i] - half[i], 0.0)), hi=float(mean[i] + half[i]),
        aht_seconds=float(aht[i])) for i in range(h))
    start_day = series.start.date()
    return ForecastResult(model=bt.chosen, interval_minutes=series.interval_minutes,
                          level=level, points=points, backtest=bt,
                          excluded_days=tuple(start_day + timedelta(days=d) for d in excluded))
