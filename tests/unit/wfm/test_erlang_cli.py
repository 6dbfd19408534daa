"""``helpline wfm erlang`` through Typer's CliRunner (no I/O besides stdout)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from helpline.cli import app

runner = CliRunner()
BASE = ["wfm", "erlang", "--calls", "100", "--interval-seconds", "1800", "--aht-seconds",
        "180", "--target-seconds", "20"]


def _json(*extra: str) -> dict[str, object]:
    result = runner.invoke(app, [*BASE, *extra, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def test_erlang_c_json_matches_published_example() -> None:
    # CRAN ErlangC / pyworkforce README: 14 agents, SL 0.88835, ASA 7.84 s, 20 staff at 30%
    data = _json("--target-sl", "0.8", "--shrinkage", "0.3")
    assert data["model"] == "erlang-c"
    assert (data["agents"], data["staff"]) == (14, 20)
    assert abs(float(data["service_level"]) - 0.88835) < 5e-6  # type: ignore[arg-type]
    assert abs(float(data["asa_seconds"]) - 7.835937) < 1e-5  # type: ignore[arg-type]
    assert abs(float(data["occupancy"]) - 0.7142857) < 1e-7  # type: ignore[arg-type]
    assert "abandon_rate" not in data


def test_erlang_a_json_has_abandonment() -> None:
    data = _json("--target-sl", "0.8", "--patience-seconds", "300")
    assert data["model"] == "erlang-a" and data["sl_definition"] == "offered"
    for key in ("agents", "staff", "service_level", "asa_seconds", "occupancy",
                "abandon_rate", "service_level_answered"):
        assert key in data
    capped = _json("--target-sl", "0.8", "--patience-seconds", "300", "--max-abandon",
                   "0.005", "--max-occupancy", "0.85")
    assert int(capped["agents"]) >= int(data["agents"])  # type: ignore[call-overload]
    assert float(capped["abandon_rate"]) <= 0.005  # type: ignore[arg-type]
    assert float(capped["occupancy"]) <= 0.85  # type: ignore[arg-type]


def test_chat_model_and_table_output() -> None:
    data = _json("--target-sl", "0.8", "--chats-per-agent", "3", "--handle-time-growth",
                 "0.25")
    assert data["model"] == "chat-concurrency" and data["chats_per_agent"] == 3
    assert int(data["agents"]) < 14  # type: ignore[call-overload]
    result = runner.invoke(app, [*BASE, "--target-sl", "0.9", "--target-seconds", "180"])
    assert result.exit_code == 0, result.output
    assert "agents" in result.stdout and "erlang-c" in result.stdout


def test_bad_input_exits_2() -> None:
    result = runner.invoke(app, [*BASE, "--shrinkage", "1.0"])
    assert result.exit_code == 2
    assert "wfm_invalid_input" in result.output
    result = runner.invoke(app, [*BASE, "--max-abandon", "0.1"])
    assert result.exit_code == 2
