"""Forecast: accuracy metrics by hand, baselines, backtest and choice, data quirks, calendar."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from helpline.wfm.forecast import (
    Mstl,
    SeasonalNaive,
    SlotMean,
    backtest,
    forecast,
    mape,
    relative_sd,
    wape,
)
from helpline.wfm.forecast_calendar import (
    SpecialDay,
    detect_closed_days,
    impute_days,
    read_calendar,
)
from helpline.wfm.forecast_data import (
    ForecastDataError,
    IntervalSeries,
    aggregate,
    read_counts_csv,
    read_counts_text,
)

SPD = 96
START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday


def synthetic(days: int, *, noise: float = 0.0, seed: int = 7) -> IntervalSeries:
    """Known seasonality: a daily double hump times a weekday factor (weekend low)."""
    slot = np.arange(days * SPD)
    hour = (slot % SPD) / 4
    daily = 5 + 40 * np.exp(-((hour - 11) ** 2) / 8) + 30 * np.exp(-((hour - 17) ** 2) / 6)
    weekday = np.array([1.0, 0.95, 0.9, 0.95, 1.0, 0.4, 0.3])[(slot // SPD) % 7]
    rate = daily * weekday
    counts = rate if noise == 0 else np.random.default_rng(seed).poisson(rate).astype(float)
    return IntervalSeries(START, 15, counts.astype(np.float64), np.full(len(counts), 300.0))


# -- metrics ------------------------------------------------------------------------------
def test_wape_and_mape_by_hand() -> None:
    actual = np.array([10.0, 20.0, 0.0, 30.0])
    fc = np.array([12.0, 15.0, 3.0, 30.0])
    # |e| = 2, 5, 3, 0 -> 10 / (10 + 20 + 0 + 30) = 1/6
    assert wape(actual, fc) == pytest.approx(1 / 6)
    # zero actual skipped: (2/10 + 5/20 + 0/30) / 3 = 0.15
    assert mape(actual, fc) == pytest.approx(0.15)
    assert math.isnan(wape(np.zeros(2), np.ones(2)))


def test_relative_sd_is_zero_for_pure_poisson_sized_errors() -> None:
    fc = np.array([100.0, 100.0])
    assert relative_sd(np.array([110.0, 90.0]), fc) == 0.0  # (100 - 100 each) -> excess 0
    # errors of 20%: (400 - 100) * 2 / (2 * 100^2) = 0.03 -> r = sqrt(0.03)
    assert relative_sd(np.array([120.0, 80.0]), fc) == pytest.approx(math.sqrt(0.03))


# -- baselines ------------------------------------------------------------------------------
def test_seasonal_naive_and_slot_mean_by_hand() -> None:
    spd = 1  # one slot a day: a week is 7 values
    history = np.arange(14, dtype=float)  # week 1: 0..6, week 2: 7..13
    assert SeasonalNaive().predict(history, 3, spd).tolist() == [7, 8, 9]
    assert SlotMean(2).predict(history, 8, spd).tolist() == [3.5, 4.5, 5.5, 6.5, 7.5, 8.5,
                                                             9.5, 3.5]
    assert SlotMean(5).predict(history, 1, spd).tolist() == [3.5]  # only 2 weeks exist


def test_mstl_recovers_a_clean_seasonal_series() -> None:
    series = synthetic(21)
    fc = Mstl().predict(series.counts[: 20 * SPD], SPD, SPD)
    assert wape(series.counts[20 * SPD:], fc) < 0.02


def test_mstl_cuts_closed_slots_and_forecasts_zero_there() -> None:
    series = synthetic(21)
    counts = series.counts.copy()
    closed = ((np.arange(len(counts)) % SPD) < 28)  # closed 00:00-07:00 every day
    counts[closed] = 0
    fc = Mstl().predict(counts[: 20 * SPD], SPD, SPD)
    assert np.all(fc[:28] == 0)
    assert wape(counts[20 * SPD:], fc) < 0.03


# -- backtest -------------------------------------------------------------------------------
def test_backtest_seasonal_model_beats_naive_on_noisy_known_seasonality() -> None:
    # Poisson noise on a fixed weekly rate: averaging 3 weeks cuts the noise of a single
    # week's copy by about sqrt(2 / (1 + 1/3)) = 1.22, so slot_mean_3 must beat naive by
    # well over 10%.
    series = synthetic(42, noise=1.0)
    bt = backtest(series, [SeasonalNaive(), SlotMean(3)], origins=7)
    naive, mean3 = bt.score("seasonal_naive"), bt.score("slot_mean_3")
    assert mean3.wape_ratio < 0.9
    assert bt.chosen == "slot_mean_3"
    assert naive.wape_ratio == 1.0
    assert naive.origins == 7 and len(bt.origins) == 7
    # the recorded predictions reproduce the reported WAPE
    assert wape(bt.actual, bt.predictions["slot_mean_3"]) == pytest.approx(mean3.wape)


def test_backtest_ties_go_to_the_earlier_model() -> None:
    series = synthetic(21)  # noise-free: naive and slot mean are both exact
    bt = backtest(series, [SeasonalNaive(), SlotMean(2)], origins=3)
    assert bt.score("slot_mean_2").wape == 0.0
    assert bt.chosen == "seasonal_naive"


def test_backtest_needs_history() -> None:
    with pytest.raises(ForecastDataError, match="not enough history"):
        backtest(synthetic(10), [SeasonalNaive()], origins=3)


def test_forecast_points_intervals_and_aht() -> None:
    series = synthetic(35, noise=1.0)
    result = forecast(series, 2, models=[SeasonalNaive(), SlotMean(3)], level=0.8)
    assert len(result.points) == 2 * SPD
    assert result.points[0].start == START + timedelta(days=35)
    assert result.points[1].start - result.points[0].start == timedelta(minutes=15)
    for p in result.points:
        assert 0 <= p.lo <= p.forecast <= p.hi
        assert p.aht_seconds == pytest.approx(300.0)
    peak = max(result.points, key=lambda p: p.forecast)
    night = min(result.points, key=lambda p: p.forecast)
    assert peak.hi - peak.lo > night.hi - night.lo  # wider where more is expected
    assert result.to_dict()["model"] == result.model


# -- calendar -------------------------------------------------------------------------------
def test_calendar_exclusion_keeps_an_outage_out_of_training_and_scoring() -> None:
    series = synthetic(28)
    counts = series.counts.copy()
    counts[17 * SPD:18 * SPD] *= 3  # a promotion on a Thursday
    spiked = IntervalSeries(START, 15, counts, series.aht_seconds)
    day = (START + timedelta(days=17)).date()
    plain = backtest(spiked, [SeasonalNaive()], origins=11)
    marked = backtest(spiked, [SeasonalNaive()], origins=11,
                      special=[SpecialDay(day, "promotion", 3.0)])
    assert plain.score("seasonal_naive").wape > 0.2  # the spike is scored and copied on
    assert 17 * SPD in plain.origins
    assert marked.score("seasonal_naive").wape == pytest.approx(0.0, abs=1e-12)  # exact
    assert 17 * SPD not in marked.origins


def test_future_special_day_scales_the_forecast() -> None:
    series = synthetic(28)
    day = (START + timedelta(days=29)).date()
    result = forecast(series, 2, models=[SeasonalNaive()],
                      special=[SpecialDay(day, "holiday", 0.5)])
    first = sum(p.forecast for p in result.points[:SPD])
    second = sum(p.forecast for p in result.points[SPD:])
    ref = series.counts[21 * SPD:23 * SPD]  # seasonal naive: one week earlier
    assert first == pytest.approx(ref[:SPD].sum())
    assert second == pytest.approx(0.5 * ref[SPD:].sum())


def test_closed_days_are_detected_and_imputed() -> None:
    totals = np.array([10, 10, 10, 10, 10, 0, 0] * 3, dtype=float)
    totals[8] = 0  # a weekday with nothing: an export gap
    assert detect_closed_days(totals) == [8]
    counts = np.repeat(np.arange(21, dtype=float), 2)  # 2 slots a day, value = day number
    filled = impute_days(counts, [8], 2)
    assert filled[16:18].tolist() == [8.0, 8.0]  # mean of days 1 and 15 (not 22: absent)
    assert filled[:16].tolist() == counts[:16].tolist()


def test_read_calendar(tmp_path: Path) -> None:
    path = tmp_path / "cal.csv"
    path.write_text("\ufeffdate,kind,factor,note\n2024-03-08,holiday,0.6,Women's Day\n"
                    "2024-03-01,outage,,PBX\n", encoding="utf-8")
    days = read_calendar(path)
    assert [d.day for d in days] == [date(2024, 3, 1), date(2024, 3, 8)]
    assert days[0].factor == 1.0 and days[1].factor == 0.6
    path.write_text("date,kind\n2024-03-01,party\n", encoding="utf-8")
    with pytest.raises(ForecastDataError, match="kind"):
        read_calendar(path)


# -- data quirks ----------------------------------------------------------------------------
def test_aggregate_five_minutes_into_fifteen_with_weighted_aht() -> None:
    t0 = datetime(2024, 1, 1, 7, 0, tzinfo=UTC)
    times = [t0 + timedelta(minutes=5 * i) for i in range(4)]
    series = aggregate(times, [1, 2, 3, 4], [100, 200, 300, 400], interval_minutes=15,
                       drop_partial_last_day=False)
    assert series.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert len(series.counts) == SPD  # one whole day, gaps are zeros
    assert series.counts[28:30].tolist() == [6.0, 4.0]
    assert series.aht_seconds[28] == pytest.approx((100 + 400 + 900) / 6)
    assert series.counts.sum() == 10 and np.isnan(series.aht_seconds[0])


def test_thirty_minute_intervals_and_bad_interval() -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    series = aggregate([t0, t0 + timedelta(minutes=15)], [1, 1], interval_minutes=30,
                       drop_partial_last_day=False)
    assert series.slots_per_day == 48 and series.counts[0] == 2
    with pytest.raises(ForecastDataError):
        aggregate([t0], [1], interval_minutes=20)


def test_csv_with_bom_and_partial_last_day(tmp_path: Path) -> None:
    lines = ["\ufefftc,call_volume,aht"]
    t0 = datetime(2024, 1, 1)
    for i in range(3 * SPD + 40):  # three days and 10 hours of a fourth
        lines.append(f"{(t0 + timedelta(minutes=15 * i)).isoformat(sep=' ')}.000,5,300")
    path = tmp_path / "arrivals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    series = read_counts_csv(path)
    assert series.days == 3
    assert series.dropped_partial_day == date(2024, 1, 4)
    assert series.counts.sum() == 5 * 3 * SPD
    kept = read_counts_csv(path, drop_partial_last_day=False)
    assert kept.days == 4 and kept.dropped_partial_day is None
    # the same CSV as text (an upload on the WFM page) reads the same
    text = read_counts_text(path.read_text(encoding="utf-8"))
    assert text.dropped_partial_day == series.dropped_partial_day
    assert np.array_equal(text.counts, series.counts) and text.start == series.start
    assert np.array_equal(text.aht_seconds, series.aht_seconds)


def test_csv_without_a_count_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("when,what\n2024-01-01 00:00,1\n", encoding="utf-8")
    with pytest.raises(ForecastDataError, match="column"):
        read_counts_csv(path)
