"""Forecast end to end: the CLI on a slice of the public gitpay CSV; the event-log reader."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from helpline.cli import app
from helpline.services.context import ServiceContext
from helpline.store.tables import EventRow
from helpline.wfm.forecast import SeasonalNaive, forecast
from helpline.wfm.forecast_data import read_event_log

#: ../shared/data of the project (HELPLINE_SHARED_DATA overrides it).
SHARED_DATA = Path(os.environ.get("HELPLINE_SHARED_DATA",
                                  Path(__file__).resolve().parents[3] / "shared" / "data"))
GITPAY = (SHARED_DATA / "arrivals"
          / "gitpay_contact_center_15min_31d.csv")


@pytest.fixture
def gitpay_slice(tmp_path: Path) -> Path:
    """The first 21 days of the gitpay export, BOM and all."""
    if not GITPAY.exists():
        pytest.skip(f"public data set not found: {GITPAY}")
    lines = GITPAY.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gitpay21.csv"
    path.write_text("\n".join(lines[: 1 + 21 * 96]) + "\n", encoding="utf-8")
    return path


def test_cli_forecast_writes_csv_chart_and_json(gitpay_slice: Path, tmp_path: Path) -> None:
    out, chart = tmp_path / "fc.csv", tmp_path / "fc.html"
    result = CliRunner().invoke(app, [
        "wfm", "forecast", "--input", str(gitpay_slice), "--horizon", "2d", "--out", str(out),
        "--chart", str(chart), "--backtest-days", "3", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    models = [s["model"] for s in summary["backtest"]]
    assert models[0] == "seasonal_naive" and {"mstl", "slot_mean_2"} <= set(models)
    best = min(summary["backtest"], key=lambda s: s["wape"])
    assert summary["model"] == best["model"]
    assert summary["history_days"] == 21
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * 96
    assert list(rows[0]) == ["interval_start", "model", "forecast", "lo", "hi", "aht"]
    assert rows[0]["interval_start"] == "2023-03-22T00:00:00+00:00"
    assert {r["model"] for r in rows} == {summary["model"]}
    for r in rows:
        assert 0 <= float(r["lo"]) <= float(r["forecast"]) <= float(r["hi"])
        assert 250 < float(r["aht"]) < 550  # the file's AHT range is 265..517 s
    page = chart.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<svg" in page and "(chosen)" in page


def test_cli_rejects_bad_interval(gitpay_slice: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "wfm", "forecast", "--input", str(gitpay_slice), "--out", str(tmp_path / "x.csv"),
        "--interval", "20m"])
    assert result.exit_code != 0


def _event(at: datetime, type_: str = "contact_entered_queue", queue: str = "mobile",
           **data: object) -> EventRow:
    return EventRow(at=at, type=type_, contact_id=None, agent_id=None, queue_id=queue,
                    data=data)


def test_event_log_counts_new_contacts_per_interval(engine: Engine,
                                                    ctx: ServiceContext) -> None:
    day0 = datetime(2024, 5, 6, tzinfo=UTC)
    rows = [
        _event(day0 + timedelta(hours=9, minutes=1), channel="call"),
        _event(day0 + timedelta(hours=9, minutes=14), channel="call"),
        _event(day0 + timedelta(hours=9, minutes=15), channel="chat"),
        _event(day0 + timedelta(hours=9, minutes=20), transfer=True),  # not an arrival
        _event(day0 + timedelta(hours=9, minutes=2), queue="other", channel="call"),
        _event(day0 + timedelta(hours=9, minutes=3), "contact_closed"),
        _event(day0 + timedelta(days=1, hours=23, minutes=59), channel="call"),
    ]
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
    since, until = day0, day0 + timedelta(days=2)
    series = read_event_log(ctx, since=since, until=until, queue_id="mobile", page=2)
    assert series.start == day0 and series.days == 2
    assert series.counts[36] == 2 and series.counts[37] == 1  # 09:00 and 09:15
    assert series.counts[-1] == 1 and series.counts.sum() == 4
    calls = read_event_log(ctx, since=since, until=until, queue_id="mobile", channel="call")
    assert calls.counts.sum() == 3
    everything = read_event_log(ctx, since=since, until=until, interval_minutes=30)
    assert everything.counts[18] == 4 and everything.counts.sum() == 5


def test_forecast_from_the_event_log(engine: Engine, ctx: ServiceContext) -> None:
    day0 = datetime(2024, 5, 6, tzinfo=UTC)
    rows = [_event(day0 + timedelta(days=d, hours=h), channel="call")
            for d in range(16) for h in (9, 10, 10) if d % 7 < 5]
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
    series = read_event_log(ctx, since=day0, until=day0 + timedelta(days=16))
    result = forecast(series, 1, models=[SeasonalNaive()], backtest_origins=2)
    assert result.backtest.score("seasonal_naive").wape == 0.0
    assert [p.forecast for p in result.points if p.forecast] == [1.0, 2.0]
