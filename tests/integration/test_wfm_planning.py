"""Planning on the WFM page over HTTP, on SQLite and PostgreSQL: a history CSV becomes a
stored draft (shifts and forecast) through ``POST /api/v1/wfm/plan``; the operators
default to the published schedule's; only supervisors plan; bad input stores nothing."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from helpline.bootstrap import build
from helpline.services import wfm_planning, wfm_schedules
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.store.wfm_tables import WfmForecastPointRow, WfmScheduleRow, WfmShiftRow
from helpline.web.app import create_app
from tests.conftest import ManualClock
from tests.integration.test_api import login
from tests.integration.wfm_helpers import BEFORE, START, Team, schedule, team

Client = tuple[TestClient, ServiceContext, Team, int]
MOSCOW = ZoneInfo("Europe/Moscow")
#: keep the solver short in tests
LIMIT = 5


def history_csv(days: int = 21, *, last_day: date = START - timedelta(days=1),
                aht: bool = True, seed: int = 4) -> str:
    """Counts per 15 minutes (naive Moscow times) ending on ``last_day``: a daytime hump
    08:00–20:00 (up to ~3 calls), quieter weekends, Poisson noise."""
    rng = np.random.default_rng(seed)
    first = datetime.combine(last_day - timedelta(days=days - 1), datetime.min.time())
    lines = ["timestamp,calls,aht" if aht else "timestamp,calls"]
    for k in range(days * 96):
        at = first + timedelta(minutes=15 * k)
        hour = at.hour + at.minute / 60
        level = math.sin(math.pi * (hour - 8) / 12) if 8 <= hour < 20 else 0.0
        calls = int(rng.poisson(3.0 * level * (0.6 if at.weekday() >= 5 else 1.0)))
        lines.append(f"{at:%Y-%m-%d %H:%M:%S},{calls}" + (",240" if aht else ""))
    return "\n".join(lines) + "\n"


def counts(ctx: ServiceContext) -> list[int]:
    """Rows of schedules, shifts and forecast points."""
    with ctx.uow() as uow:
        return [int(uow.session.scalar(select(func.count()).select_from(t)) or 0)
                for t in (WfmScheduleRow, WfmShiftRow, WfmForecastPointRow)]


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[Client]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    container.ctx.clock = ManualClock(BEFORE)
    app = create_app(container, run_ticker=False)
    with TestClient(app) as http:
        t = team(container.ctx)
        published = wfm_schedules.publish(container.ctx, schedule())
        yield http, container.ctx, t, published.schedule_id
    container.close()


def test_supervisor_plans_a_draft_from_history(client: Client) -> None:
    http, _, t, published_id = client
    login(http, "sveta")
    answer = http.post("/api/v1/wfm/plan", json={
        "history_csv": history_csv(), "horizon_days": 7, "target_sl": 0.8,
        "target_seconds": 20, "time_limit_seconds": LIMIT, "name": "From history"})
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    # the forecast starts at midnight after the history; its summary names the models
    assert (plan["start"], plan["end"], plan["days"]) == ("2026-03-02", "2026-03-08", 7)
    assert (plan["status"], plan["skill"], plan["timezone"]) == (
        "draft", "mobile", "Europe/Moscow")
    assert plan["operators_from_schedule"] == published_id
    f = plan["forecast"]
    assert f["history"] == {"start": "2026-02-09", "end": "2026-03-01", "days": 21,
                            "total_contacts": f["history"]["total_contacts"],
                            "dropped_partial_day": None}
    names = [s["model"] for s in f["scores"]]
    assert "seasonal_naive" in names and f["model"] in names
    assert [s["model"] for s in f["scores"] if s["chosen"]] == [f["model"]]
    naive = next(s for s in f["scores"] if s["model"] == "seasonal_naive")
    assert naive["wape_ratio"] == 1.0 and 0 < naive["wape"] < 1
    assert f["backtest_origins"] == 7 and f["intervals"] == 7 * 96 and f["total_contacts"] > 0
    rq = plan["requirement"]
    assert rq["model"] == "erlang-c" and rq["basis"] == "agents"
    assert rq["peak_agents"] >= 2 and rq["agent_hours"] > 0
    s = plan["schedule"]
    assert s["violations"] == 0 and s["shifts"] > 0 and s["operators"] == 4
    assert 0 <= s["covered_share"] <= 1 and s["seconds"] > 0 and s["status"]
    assert {"objective", "bound", "gap"} <= s.keys()

    # stored as a draft, with the published schedule's operators, its shifts and forecast
    sid = plan["schedule_id"]
    detail = http.get(f"/api/v1/wfm/schedules/{sid}").json()
    assert (detail["status"], detail["name"], detail["interval_minutes"]) == (
        "draft", "From history", 15)
    assert {o["id"] for o in detail["operators"]} == {t.anna, t.boris, t.ivan, t.olga}
    assert len(detail["shifts"]) == s["shifts"] == plan["schedule"]["shifts"]
    assert {sh["agent_id"] for sh in detail["shifts"]} <= {t.anna, t.boris, t.olga}
    assert detail["coverage"]["deficit_agent_intervals"] == s["deficit_agent_intervals"]
    forecast = http.get(f"/api/v1/wfm/schedules/{sid}/forecast").json()
    assert len(forecast) == plan["forecast_points"] == 7 * 96
    assert forecast[0]["interval_start"] == "2026-03-02T00:00:00+03:00"
    coverage = http.get(f"/api/v1/wfm/schedules/{sid}/coverage").json()
    assert max(coverage["need"]) == rq["peak_need"] == rq["peak_agents"]
    assert [x["id"] for x in http.get("/api/v1/wfm/schedules").json()] == [sid, published_id]
    # operators do not see a draft; the page's Publish button publishes it
    published = http.post(f"/api/v1/wfm/schedules/{sid}/publish", json={"replace": True})
    assert published.status_code == 200 and published.json()["superseded"] == [published_id]


def test_planning_with_an_operators_file_and_no_aht(client: Client) -> None:
    http, _, t, _ = client
    login(http, "sveta")
    body = {"history_csv": history_csv(aht=False), "horizon_days": 2,
            "time_limit_seconds": LIMIT, "aht_seconds": 180, "channel": "chat",
            "timezone": "Europe/Moscow",
            "operators": [{"id": "anna", "contract": "5/2 6h", "skills": ["mobile"]},
                          {"id": t.boris, "name": "Boris", "contract": "short",
                           "skills": ["mobile", "home"]}],
            "contracts": [{"name": "short", "work_days": 5, "off_days": 2,
                           "shift_minutes": 240, "earliest_start_minute": 480,
                           "latest_start_minute": 960}]}
    plan = http.post("/api/v1/wfm/plan", json=body)
    assert plan.status_code == 201, plan.text
    result = plan.json()
    assert result["operators_from_schedule"] is None and result["skill"] == "mobile"
    assert result["requirement"]["model"] == "chat (k=3)"
    assert result["schedule"]["violations"] == 0
    detail = http.get(f"/api/v1/wfm/schedules/{result['schedule_id']}").json()
    assert {o["id"] for o in detail["operators"]} == {t.anna, t.boris}  # username -> id
    assert len(detail["dates"]) == 2


def _refused(http: TestClient, body: dict[str, object], status: int, error_id: str) -> str:
    answer = http.post("/api/v1/wfm/plan", json=body)
    assert answer.status_code == status, (body.keys(), answer.text)
    assert answer.json()["error_id"] == error_id, answer.text
    return str(answer.json()["message"])


def test_only_supervisors_plan_and_bad_input_stores_nothing(client: Client) -> None:
    http, ctx, _, _ = client
    before = counts(ctx)
    good = {"history_csv": history_csv(days=16), "time_limit_seconds": LIMIT}
    login(http, "anna")
    _refused(http, good, 403, "permission_denied")

    login(http, "sveta")
    message = _refused(http, {**good, "history_csv": history_csv(days=10)}, 422,
                       "history_too_short")
    assert "10 whole days" in message and "15" in message
    # a last day cut at noon is dropped as partial (as the CLI does): 14 whole days left
    cut = "\n".join(history_csv(days=16).splitlines()[: 1 + 14 * 96 + 48]) + "\n"
    message = _refused(http, {**good, "history_csv": cut}, 422, "history_too_short")
    assert "partial last day 2026-02-28" in message
    assert "no time column" in _refused(
        http, {**good, "history_csv": "when,what\n2026-03-01 00:00,1\n"}, 422, "bad_history")
    assert "history:3" in _refused(
        http, {**good, "history_csv": "timestamp,calls\n2026-03-01 00:00,1\nnoon,2\n"},
        422, "bad_history")
    assert "empty" in _refused(http, {**good, "history_csv": " \n"}, 422, "bad_history")
    for field, value in (("horizon_days", 0), ("horizon_days", 29),
                         ("time_limit_seconds", 1), ("target_sl", 1.5)):
        _refused(http, {**good, field: value}, 422, "validation_failed")
    _refused(http, {**good, "surprise": 1}, 422, "validation_failed")
    _refused(http, {**good, "history_csv": "x" * 5_000_001}, 422, "validation_failed")
    assert "night 3/3" in _refused(http, {**good, "operators": [
        {"id": "anna", "contract": "night 3/3", "skills": ["mobile"]}]},
        422, "unknown_contracts")
    assert "ghost" in _refused(http, {**good, "operators": [
        {"id": "ghost", "contract": "5/2", "skills": ["mobile"]}]}, 422, "unknown_operators")
    assert "operator #1" in _refused(http, {**good, "operators": [{"name": "x"}]}, 422,
                                     "validation_failed")
    assert "'bank'" in _refused(http, {**good, "skill": "bank"}, 422, "validation_failed")
    _refused(http, {**good, "timezone": "Mars/Base"}, 422, "validation_failed")
    assert counts(ctx) == before


def test_without_a_published_schedule_operators_are_needed(engine: Engine, db_url: str
                                                           ) -> None:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    container.ctx.clock = ManualClock(BEFORE)
    try:
        with pytest.raises(wfm_planning.NoPublishedSchedule, match="operators file"):
            wfm_planning.plan(container.ctx, history_csv=history_csv(days=16),
                              time_limit_seconds=LIMIT)
    finally:
        container.close()
