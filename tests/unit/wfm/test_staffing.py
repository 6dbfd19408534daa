"""Requirements per interval from a forecast CSV (`helpline wfm staff`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from tests.unit.wfm.mp_reference import erlang_c
from typer.testing import CliRunner

from helpline.cli import app
from helpline.wfm.staffing import Target, requirements

FORECAST = [  # interval_start, forecast, hi, aht: a quiet, a busy and an empty 15 minutes
    ("2026-12-01T09:00:00+03:00", 50.0, 60.0, 240.0),
    ("2026-12-01T09:15:00+03:00", 150.0, 170.0, 300.0),
    ("2026-12-01T09:30:00+03:00", 0.0, 1.0, 240.0),
]


def write_forecast(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["interval_start", "model", "forecast", "lo", "hi", "aht"])
        for start, value, hi, aht in FORECAST:
            writer.writerow([start, "mstl", value, max(0.0, value - 10), hi, aht])


def minimal_by_mpmath(calls: float, aht: float, sl: float, seconds: float) -> int:
    """The smallest agent count whose Erlang C service level reaches ``sl`` (mpmath)."""
    if calls == 0:
        return 0
    n = int(calls * aht / 900) + 1
    while erlang_c(n, calls, 900, aht, seconds).service_level < sl:
        n += 1
    return n


def test_calls_need_the_minimal_erlang_c_agents_and_shrinkage_adds_staff(
        tmp_path: Path) -> None:
    source, out = tmp_path / "forecast.csv", tmp_path / "need.csv"
    write_forecast(source)
    result = CliRunner().invoke(app, [
        "wfm", "staff", "--forecast", str(source), "--out", str(out), "--queue", "mobile",
        "--target-sl", "0.8", "--target-seconds", "20", "--shrinkage", "0.3", "--json"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    expected = [minimal_by_mpmath(v, aht, 0.8, 20) for _, v, _, aht in FORECAST]
    assert [int(r["agents"]) for r in rows] == expected
    assert expected[2] == 0 and expected[1] > expected[0] > 0
    # staff = ceil(agents / 0.7), by hand for these counts
    assert [int(r["staff"]) for r in rows] == [-(-a * 10 // 7) for a in expected]
    summary = json.loads(result.output)
    assert summary["peak_agents"] == {"mobile/mobile": expected[1]}
    assert {r["model"] for r in rows} == {"erlang-c"}


def test_a_plan_staffs_several_queues_in_one_file(tmp_path: Path) -> None:
    source, out = tmp_path / "forecast.csv", tmp_path / "need.csv"
    write_forecast(source)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([
        {"forecast": "forecast.csv", "queue": "mobile", "skill": "ru", "target_sl": 0.8,
         "target_seconds": 20},
        {"forecast": "forecast.csv", "queue": "chat", "skill": "ru_chat", "channel": "chat",
         "chats_per_agent": 3, "target_sl": 0.8, "target_seconds": 20}]), encoding="utf-8")
    result = CliRunner().invoke(app, ["wfm", "staff", "--plan", str(plan), "--out", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    calls = [int(r["agents"]) for r in rows if r["skill"] == "ru"]
    chats = [int(r["agents"]) for r in rows if r["skill"] == "ru_chat"]
    assert calls == [minimal_by_mpmath(v, aht, 0.8, 20) for _, v, _, aht in FORECAST]
    assert len(chats) == len(calls) and sum(chats) < sum(calls)
    assert json.loads(result.output)["queues"] == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(app, ["wfm", "staff", "--plan", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "non-empty JSON list" in result.output


def test_the_upper_bound_needs_at_least_as_many(tmp_path: Path) -> None:
    source = tmp_path / "forecast.csv"
    write_forecast(source)
    runner = CliRunner()
    point, high = tmp_path / "point.csv", tmp_path / "high.csv"
    for volume, out in (("forecast", point), ("hi", high)):
        result = runner.invoke(app, ["wfm", "staff", "--forecast", str(source), "--out",
                                     str(out), "--volume", volume])
        assert result.exit_code == 0, result.output
    low = [int(r["agents"]) for r in csv.DictReader(point.open())]
    up = [int(r["agents"]) for r in csv.DictReader(high.open())]
    assert all(u >= p for u, p in zip(up, low, strict=True)) and up != low


def test_chats_with_concurrency_need_fewer_agents_than_calls() -> None:
    volume, aht = np.array([120.0]), np.array([600.0])
    target = Target(0.9, 30, chats_per_agent=3)
    chats = requirements("chat", volume, aht, 900, target)
    calls = requirements("call", volume, aht, 900, target)
    one_slot = requirements("chat", volume, aht, 900, Target(0.9, 30, chats_per_agent=1))
    assert int(chats.agents[0]) < int(calls.agents[0])
    assert int(one_slot.agents[0]) == int(calls.agents[0])  # k = 1 is Erlang C


def test_bad_input_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "forecast.csv"
    source.write_text("interval_start,forecast\n2026-12-01T09:00:00+03:00,5\n")
    result = CliRunner().invoke(app, ["wfm", "staff", "--forecast", str(source), "--out",
                                      str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "missing columns" in result.output
    with pytest.raises(Exception, match="channel"):
        requirements("email", np.array([1.0]), np.array([60.0]), 900,  # type: ignore[arg-type]
                     Target(0.9, 30))
