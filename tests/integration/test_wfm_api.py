"""The WFM API and pages over HTTP, and `helpline wfm publish`, on SQLite and PostgreSQL:
who may see and do what, validation at the edge, idempotent filing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpline.bootstrap import build
from helpline.services import wfm_schedules
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.store.wfm_tables import WfmScheduleRow, WfmShiftRow
from helpline.web.app import create_app
from helpline.wfm.schedule.json_format import schedule_to_dict
from helpline.wfm_publish_cli import publish_command
from tests.conftest import ManualClock
from tests.integration.test_api import login
from tests.integration.wfm_helpers import BEFORE, Team, schedule, team

Client = tuple[TestClient, ServiceContext, Team]


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[Client]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    container.ctx.clock = ManualClock(BEFORE)
    app = create_app(container, run_ticker=False)
    with TestClient(app) as http:
        t = team(container.ctx)
        wfm_schedules.publish(container.ctx, schedule())
        yield http, container.ctx, t
    container.close()


def test_operators_see_only_their_own(client: Client) -> None:
    http, _, t = client
    assert http.get("/api/v1/wfm/me/shifts").status_code == 401
    login(http, "anna")
    mine = http.get("/api/v1/wfm/me/shifts", params={"date_from": "2026-03-02",
                                                     "date_to": "2026-03-04"}).json()
    assert [(s["day"], s["label"]) for s in mine["shifts"]] == [
        ("2026-03-02", "08:00–20:00"), ("2026-03-03", "08:00–20:00")]
    assert mine["shifts"][0]["breaks"][0] == {
        "kind": "lunch", "minutes": 30, "start": "2026-03-02T12:00:00+03:00",
        "end": "2026-03-02T12:30:00+03:00", "label": "12:00–12:30"}
    assert mine["agent_id"] == t.anna
    assert [c["name"] for c in mine["colleagues"]] == ["Boris", "Ivan", "Olga"]
    for path in ("/api/v1/wfm/schedules", "/api/v1/wfm/requests", "/api/v1/wfm/adherence",
                 "/api/v1/wfm/schedules/1/coverage.svg"):
        denied = http.get(path)
        assert denied.status_code == 403 and denied.json()["error_id"] == "permission_denied"
    assert http.get("/wfm").status_code == 403
    assert http.get("/desk/schedule").status_code == 200

    body = {"request_id": "off-1", "days": ["2026-03-03"], "note": "exam"}
    first = http.post("/api/v1/wfm/me/requests/time-off", json=body)
    again = http.post("/api/v1/wfm/me/requests/time-off", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] and again.json()["id"] == first.json()["id"]
    rid = first.json()["id"]
    assert http.post(f"/api/v1/wfm/requests/{rid}/approve", json={}).status_code == 403

    login(http, "boris")
    assert http.get("/api/v1/wfm/me/requests").json() == []
    assert http.get(f"/api/v1/wfm/requests/{rid}").status_code == 403
    cancel = http.post(f"/api/v1/wfm/me/requests/{rid}/cancel")
    assert cancel.status_code == 403
    assert http.post(f"/api/v1/wfm/requests/{rid}/refuse",
                     json={"reason": "no"}).status_code == 403
    login(http, "anna")
    assert http.get(f"/api/v1/wfm/requests/{rid}").json()["state"] == "pending"
    assert http.post(f"/api/v1/wfm/me/requests/{rid}/cancel").json()["state"] == "cancelled"


BAD_BODIES: list[tuple[str, dict[str, object]]] = [
    ("time-off", {"request_id": "x", "days": []}),
    ("time-off", {"request_id": "x", "days": ["2026-02-30"]}),
    ("time-off", {"request_id": " x", "days": ["2026-03-03"]}),
    ("time-off", {"days": ["2026-03-03"]}),
    ("time-off", {"request_id": "x", "days": ["2026-03-03"], "note": "n" * 501}),
    ("swap", {"request_id": "x", "day": "2026-03-03"}),
    ("swap", {"request_id": "x", "day": "2026-03-03", "peer_id": "p", "extra": 1}),
]


def test_bad_input_is_refused_and_changes_nothing(client: Client) -> None:
    http, _, _ = client
    login(http, "anna")
    for kind, body in BAD_BODIES:
        answer = http.post(f"/api/v1/wfm/me/requests/{kind}", json=body)
        assert answer.status_code == 422, (kind, body)
        assert answer.json()["error_id"] == "validation_failed"
    assert http.get("/api/v1/wfm/me/requests").json() == []


def test_supervisor_inbox_decisions_charts_and_page(client: Client) -> None:
    http, _, t = client
    login(http, "anna")
    swap = http.post("/api/v1/wfm/me/requests/swap", json={
        "request_id": "s-1", "day": "2026-03-03", "peer_id": t.ivan})
    assert swap.status_code == 409 and swap.json()["error_id"] == "swap_not_allowed"
    assert {v["rule"] for v in swap.json()["details"]["violations"]} == {"skills", "coverage"}
    swap = http.post("/api/v1/wfm/me/requests/swap", json={
        "request_id": "s-2", "day": "2026-03-03", "peer_id": t.boris, "note": "wedding"})
    assert swap.status_code == 201, swap.text
    off = http.post("/api/v1/wfm/me/requests/time-off",
                    json={"request_id": "o-1", "days": ["2026-03-02"]}).json()
    login(http, "boris")
    offered = http.get("/api/v1/wfm/me/requests").json()
    assert [r["id"] for r in offered] == [swap.json()["id"]]
    assert http.post(f"/api/v1/wfm/me/requests/{swap.json()['id']}/answer",
                     json={"accept": True}).json()["peer_consent"] is True

    login(http, "sveta")
    schedules = http.get("/api/v1/wfm/schedules").json()
    sid = schedules[0]["id"]
    inbox = http.get("/api/v1/wfm/requests").json()
    assert [(r["kind"], r["author_name"]) for r in inbox] == [("time_off", "Anna"),
                                                              ("swap", "Anna")]
    # Anna off on day 0: Olga is there 10-18 but for her lunch hour 14-15, so 08-10,
    # 14-15 and 18-20 become short (5 hours)
    assert inbox[0]["live"]["effect"]["short_intervals_added"] == 5
    assert inbox[1]["live"]["effect"]["short_intervals_added"] == 0
    refuse = http.post(f"/api/v1/wfm/requests/{off['id']}/refuse", json={})
    assert refuse.status_code == 422
    refused = http.post(f"/api/v1/wfm/requests/{off['id']}/refuse",
                        json={"reason": "peak day"}).json()
    assert (refused["state"], refused["reason"]) == ("refused", "peak day")
    approved = http.post(f"/api/v1/wfm/requests/{swap.json()['id']}/approve", json={})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    grid = http.get(f"/api/v1/wfm/schedules/{sid}").json()
    assert {(s["agent_id"], s["day"]) for s in grid["shifts"]} >= {(t.boris, "2026-03-03")}
    assert http.get("/api/v1/wfm/requests", params={"state": "approved"}).json()[0][
        "id"] == swap.json()["id"]
    assert http.get("/api/v1/wfm/requests", params={"state": "maybe"}).status_code == 422

    svg = http.get(f"/api/v1/wfm/schedules/{sid}/coverage.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "<script" not in svg.text
    assert http.get(f"/api/v1/wfm/schedules/{sid}/coverage", params={"skill": "x"}
                    ).status_code == 422
    cov = http.get(f"/api/v1/wfm/schedules/{sid}/coverage").json()
    assert len(cov["need"]) == 72 and cov["need"][8] == 1
    assert "<svg" in http.get(f"/api/v1/wfm/schedules/{sid}/forecast.svg").text
    assert http.get("/api/v1/wfm/schedules/999").status_code == 404
    page = http.get("/wfm")
    assert page.status_code == 200 and f'data-schedule-id="{sid}"' in page.text
    assert 'id="wfm-link"' in http.get("/board").text


def test_cli_publishes_in_one_transaction(client: Client, db_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _, ctx, _ = client
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    app = typer.Typer()
    app.command()(publish_command)
    runner = CliRunner()
    later = schedule(start=schedule().problem.start.replace(day=20))
    good = tmp_path / "schedule.json"
    good.write_text(json.dumps(schedule_to_dict(later)), encoding="utf-8")
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("interval_start,model,forecast,lo,hi,aht\n"
                        "2026-03-20T08:00:00+03:00,mstl,12.5,10,15,300\n"
                        "2026-03-20T08:15:00+03:00,mstl,13,11,16,300\n", encoding="utf-8")
    done = runner.invoke(app, ["--schedule", str(good), "--forecast", str(forecast),
                               "--name", "March 20", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert (result["status"], result["shifts"], result["forecast_points"]) == (
        "published", 4, 2)

    data = schedule_to_dict(schedule(start=schedule().problem.start.replace(day=25)))
    data["problem"]["operators"][2]["id"] = "ghost"
    data["shifts"][0]["operator_id"] = "ghost"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with ctx.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(WfmShiftRow))
    refused = runner.invoke(app, ["--schedule", str(bad)])
    assert refused.exit_code == 1
    assert "unknown_operators" in refused.output and "ghost" in refused.output
    naive = tmp_path / "naive.csv"
    naive.write_text("interval_start,forecast\n2026-03-25T08:00:00,1\n", encoding="utf-8")
    assert runner.invoke(app, ["--schedule", str(good), "--forecast", str(naive)]
                         ).exit_code == 1
    assert runner.invoke(app, ["--schedule", str(tmp_path / "none.json")]).exit_code == 1
    overlap = runner.invoke(app, ["--schedule", str(good)])
    assert overlap.exit_code == 1 and "overlaps" in overlap.output
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(WfmShiftRow)) == before
        assert uow.session.scalar(select(func.count()).select_from(WfmScheduleRow)) == 2
