"""Arrival series for forecasting: a dense grid of interval counts (and AHT).

Two sources, one shape (:class:`IntervalSeries`):

* a CSV of timestamped counts (``read_counts_csv``): any step that divides the target
  interval (5-minute rows are summed into 15-minute intervals);
* the event log (``read_event_log``): one ``contact_entered_queue`` event per new
  contact (transfers are not arrivals), per queue and channel.

Data quirks handled here: a UTF-8 BOM before the header; intervals without a row count
as zero contacts (nights and weekends of a center that only exports open hours); a last
day that stops before the usual end of day is dropped (a partial export).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from helpline.services.context import ServiceContext

FloatArray = npt.NDArray[np.float64]

ALLOWED_INTERVALS_MINUTES = (15, 30)
TIME_COLUMNS = ("tc", "interval_start", "timestamp", "datetime", "time", "ds", "date_time")
COUNT_COLUMNS = ("call_volume", "calls", "count", "contacts", "volume", "arrivals", "y")
AHT_COLUMNS = ("aht_seconds", "aht")


class ForecastDataError(ValueError):
    """The input cannot be turned into an interval series."""

    error_id = "wfm.forecast_data"


@dataclass(frozen=True)
class IntervalSeries:
    """Counts per interval on a gap-free grid starting at a day boundary.

    ``counts[i]`` is the number of contacts in ``[start + i*interval, start + (i+1)*interval)``;
    ``aht_seconds[i]`` the average handle time there (NaN where unknown or no contacts).
    """

    start: datetime
    interval_minutes: int
    counts: FloatArray
    aht_seconds: FloatArray
    dropped_partial_day: date | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ForecastDataError("start must be timezone-aware")
        check_interval(self.interval_minutes)
        if self.counts.shape != self.aht_seconds.shape or self.counts.ndim != 1:
            raise ForecastDataError("counts and aht_seconds must be 1-D of equal length")

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    @property
    def days(self) -> int:
        return len(self.counts) // self.slots_per_day

    def time_at(self, index: int) -> datetime:
        return self.start + timedelta(minutes=self.interval_minutes * index)

    def day_of(self, index: int) -> date:
        return (self.start + timedelta(days=index // self.slots_per_day)).date()

    def head(self, slots: int) -> IntervalSeries:
        """The first ``slots`` intervals (for tests and backtests)."""
        return IntervalSeries(self.start, self.interval_minutes, self.counts[:slots].copy(),
                              self.aht_seconds[:slots].copy())


def check_interval(interval_minutes: int) -> None:
    if interval_minutes not in ALLOWED_INTERVALS_MINUTES:
        raise ForecastDataError(f"interval must be 15 or 30 minutes, not {interval_minutes}")


def parse_timestamp(text: str, tz: tzinfo) -> datetime:
    """ISO-8601 (``2023-03-01 00:15:00.000``, ``2003-03-03T07:00:00Z``); naive -> ``tz``."""
    value = text.strip().lstrip("\ufeff")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ForecastDataError(f"bad timestamp {text!r}") from error
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def aggregate(times: Sequence[datetime], counts: Sequence[float],
              aht_seconds: Sequence[float] | None = None, *, interval_minutes: int = 15,
              drop_partial_last_day: bool = True) -> IntervalSeries:
    """Sum counts into intervals on a dense grid from the first day's midnight.

    AHT is count-weighted within an interval. The grid ends at the last day's end; when
    ``drop_partial_last_day`` and the last day's final record comes earlier than on most
    days (an export cut mid-day), that day is removed.
    """
    check_interval(interval_minutes)
    if not times:
        raise ForecastDataError("no data")
    if len(times) != len(counts) or (aht_seconds is not None and len(aht_seconds) != len(times)):
        raise ForecastDataError("times, counts and aht must have equal length")
    tz = times[0].tzinfo or UTC
    first = min(times)
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=interval_minutes)
    index = np.array([(t - start) // step for t in times], dtype=np.int64)
    spd = 24 * 60 // interval_minutes
    days = int(index.max()) // spd + 1
    size = days * spd
    volume = np.asarray(counts, dtype=np.float64)
    if np.any(volume < 0) or not np.all(np.isfinite(volume)):
        raise ForecastDataError("counts must be finite and non-negative")
    total = np.bincount(index, weights=volume, minlength=size)
    if aht_seconds is None:
        aht = np.full(size, np.nan)
    else:
        raw = np.asarray(aht_seconds, dtype=np.float64)
        known = np.isfinite(raw) & (volume > 0)
        work = np.bincount(index[known], weights=(raw * volume)[known], minlength=size)
        weight = np.bincount(index[known], weights=volume[known], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            aht = np.where(weight > 0, work / np.where(weight > 0, weight, 1.0), np.nan)
    dropped: date | None = None
    if drop_partial_last_day and days >= 3:
        last_of_day = _last_minute_per_day(times, start)
        usual = float(np.median(list(last_of_day.values())[:-1]))
        last_day = max(last_of_day)
        if last_of_day[last_day] < usual - interval_minutes:
            dropped = (start + timedelta(days=last_day)).date()
            size -= spd
            total, aht = total[:size], aht[:size]
    return IntervalSeries(start.astimezone(tz), interval_minutes, total.astype(np.float64),
                          aht.astype(np.float64), dropped)


def _last_minute_per_day(times: Iterable[datetime], start: datetime) -> dict[int, float]:
    """Day number -> minute of the day of its last record."""
    last: dict[int, float] = {}
    for t in times:
        offset = (t - start).total_seconds() / 60
        day = int(offset // 1440)
        last[day] = max(last.get(day, 0.0), offset - day * 1440)
    return dict(sorted(last.items()))


def _pick(header: Sequence[str], wanted: Sequence[str], what: str, column: str | None) -> int:
    lowered = [h.strip().lstrip("\ufeff").lower() for h in header]
    if column is not None:
        if column.lower() not in lowered:
            raise ForecastDataError(f"column {column!r} not in {list(header)}")
        return lowered.index(column.lower())
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    raise ForecastDataError(f"no {what} column (one of {', '.join(wanted)}) in {list(header)}")


def read_counts_csv(path: str | Path, *, interval_minutes: int = 15, tz: tzinfo = UTC,
                    time_column: str | None = None, count_column: str | None = None,
                    drop_partial_last_day: bool = True) -> IntervalSeries:
    """A CSV of timestamped counts (optional ``aht``/``aht_seconds`` column, seconds).

    Column names are matched case-insensitively (``tc``/``timestamp``/``DateTime``...,
    ``call_volume``/``calls``/``count``...); a leading BOM is ignored.
    """
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        return _read_counts(handle, str(path), interval_minutes=interval_minutes, tz=tz,
                            time_column=time_column, count_column=count_column,
                            drop_partial_last_day=drop_partial_last_day)


def read_counts_text(text: str, *, label: str = "history", interval_minutes: int = 15,
                     tz: tzinfo = UTC, time_column: str | None = None,
                     count_column: str | None = None, drop_partial_last_day: bool = True,
                     max_days: int | None = None) -> IntervalSeries:
    """:func:`read_counts_csv` on the CSV's text (an upload); errors name ``label``.
    ``max_days`` refuses a history spanning more days (before building the grid)."""
    with io.StringIO(text.removeprefix("\ufeff"), newline="") as handle:
        return _read_counts(handle, label, interval_minutes=interval_minutes, tz=tz,
                            time_column=time_column, count_column=count_column,
                            drop_partial_last_day=drop_partial_last_day, max_days=max_days)


def _read_counts(handle: Iterable[str], label: str, *, interval_minutes: int, tz: tzinfo,
                 time_column: str | None, count_column: str | None,
                 drop_partial_last_day: bool, max_days: int | None = None) -> IntervalSeries:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise ForecastDataError(f"{label}: empty file") from None
    t_col = _pick(header, TIME_COLUMNS, "time", time_column)
    c_col = _pick(header, COUNT_COLUMNS, "count", count_column)
    try:
        a_col: int | None = _pick(header, AHT_COLUMNS, "aht", None)
    except ForecastDataError:
        a_col = None
    times: list[datetime] = []
    counts: list[float] = []
    ahts: list[float] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            times.append(parse_timestamp(row[t_col], tz))
            counts.append(float(row[c_col]))
            if a_col is not None:
                cell = row[a_col].strip()
                ahts.append(float(cell) if cell else math.nan)
        except (ValueError, IndexError) as error:
            raise ForecastDataError(f"{label}:{line_no}: {error}") from error
    if max_days is not None and times and (max(times) - min(times)).days >= max_days:
        raise ForecastDataError(f"{label}: the history spans more than {max_days} days")
    return aggregate(times, counts, ahts if a_col is not None else None,
                     interval_minutes=interval_minutes,
                     drop_partial_last_day=drop_partial_last_day)


def read_event_log(ctx: ServiceContext, *, since: datetime, until: datetime,
                   queue_id: str | None = None, channel: str | None = None,
                   interval_minutes: int = 15, tz: tzinfo = UTC,
                   page: int = 5000) -> IntervalSeries:
    """New contacts per interval from the event log, ``[since, until)``.

    Counts ``contact_entered_queue`` events that are not transfers, optionally for one
    queue and one channel; AHT is unknown (NaN) from this source. The grid covers whole
    days from ``since``'s midnight to ``until`` (no partial-day dropping: the caller
    chose the range).
    """
    from helpline.services import eventlog

    times: list[datetime] = []
    after = 0
    while True:
        rows = eventlog.query(ctx, since=since, until=until, queue_id=queue_id,
                              types=("contact_entered_queue",), after_id=after, limit=page)
        for row in rows:
            data = row["data"] or {}
            if data.get("transfer"):
                continue
            if channel is not None and data.get("channel") != channel:
                continue
            at = datetime.fromisoformat(row["at"])
            if at.tzinfo is None:  # SQLite returns naive UTC
                at = at.replace(tzinfo=UTC)
            times.append(at.astimezone(tz))
        if len(rows) < page:
            break
        after = int(rows[-1]["id"])
    # Anchor the grid: a zero at ``since`` and at the last instant before ``until``.
    anchors = [since.astimezone(tz), (until - timedelta(microseconds=1)).astimezone(tz)]
    return aggregate([*anchors, *times], [0.0, 0.0, *([1.0] * len(times))],
                     interval_minutes=interval_minutes, drop_partial_last_day=False)
