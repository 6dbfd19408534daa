"""The scorecard edges on SQLite and PostgreSQL: /api/v1/qa/contacts/{id}/scorecard,
/api/v1/qa/sample, /api/v1/qa/report (who may read, who may score and override,
validation, the override in the audit log) and the command functions `score_command`,
`sample_command`, `report_command`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.quality.scorecards.cli import report_command, sample_command, score_command
from helpline.services import audit
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.web import qa_scorecard_api
from helpline.web.app import create_app
from tests.conftest import ManualClock
from tests.integration.helpers import add_agent
from tests.integration.qa_scorecard_helpers import MSK, analysed
from tests.integration.test_api import login

CARD = "/api/v1/qa/contacts/rec-1.wav/scorecard"
SHORT = """
[template]
name = "short"
version = 1
title = { ru = "Коротко", en = "Short" }

[[items]]
id = "closing_offer"
title = { ru = "Чем ещё могу помочь", en = "Anything else" }
weight = 1
rules = ["closing_offer"]
"""
NOV_3 = datetime(2026, 11, 3, 10, 0, tzinfo=MSK)


@pytest.fixture
def http(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    container.ctx.clock = ManualClock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    app = create_app(container, run_ticker=False)
    if not any(getattr(r, "path", "") == "/api/v1/qa/sample" for r in app.routes):
        app.include_router(qa_scorecard_api.router)  # until app.py includes it
    with TestClient(app) as client:
        analysed(container.ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
        yield client, container.ctx
    container.close()


ROLES = {"olga": Role.AGENT, "quinn": Role.QA, "sveta": Role.SUPERVISOR, "adam": Role.ADMIN}


def users(ctx: ServiceContext, *names: str) -> dict[str, str]:
    return {name: add_agent(ctx, name, role=ROLES[name], status=None) for name in names}


def test_who_may_read_score_and_override(http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    ids = users(ctx, *ROLES)
    assert client.get(CARD).status_code == 401
    login(client, "olga")
    for response in (client.get(CARD), client.post(CARD),
                     client.get("/api/v1/qa/sample", params={"month": "2026-11"}),
                     client.get("/api/v1/qa/report", params={"month": "2026-11"})):
        assert response.status_code == 403 and response.json()["error_id"] == \
            "permission_denied"
    login(client, "sveta")
    missing = client.get(CARD)
    assert missing.status_code == 404 and missing.json()["error_id"] == "qa_scorecard_not_found"
    assert client.post(CARD).status_code == 403  # supervisors read only

    login(client, "quinn")
    scored = client.post(CARD)
    assert scored.status_code == 200, scored.text
    card = scored.json()
    assert card["can_override"] is True and card["template"]["name"] == "mts_call_ru"
    assert {i["id"]: i["auto"] for i in card["items"]}["app_offer"] == "failed"

    login(client, "sveta")
    read = client.get(CARD).json()
    assert read["can_override"] is False and read["items"] == card["items"]
    refused = client.post(f"{CARD}/items/app_offer", json={"value": "passed",
                                                           "comment": "да"})
    assert refused.status_code == 403

    login(client, "adam")
    body = client.post(f"{CARD}/items/app_offer", json={
        "value": "passed", "comment": "Предложил «Мой МТС» другими словами"}).json()
    item = {i["id"]: i for i in body["items"]}["app_offer"]
    assert (item["auto"], item["final"]) == ("failed", "passed")
    assert item["override"]["comment"] == "Предложил «Мой МТС» другими словами"
    assert item["override"]["author_name"] == "Adam"
    assert body["score"]["percent"] == 100.0 and body["auto_score"]["percent"] < 100
    entries = audit.search(ctx, action=audit.QA_SCORECARD_OVERRIDE, user_id=ids["adam"])
    assert [(e.params["item"], e.params["auto"], e.params["value"], e.reason)
            for e in entries] == [("app_offer", "failed", "passed",
                                   "Предложил «Мой МТС» другими словами")]


def test_validation(http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    users(ctx, "quinn")
    login(client, "quinn")
    assert client.post(f"{CARD}/items/app_offer", json={
        "value": "passed", "comment": "x"}).json()["error_id"] == "qa_scorecard_not_found"
    client.post(CARD)
    for body, error in (({"value": "passed", "comment": "   "}, "qa_override_invalid"),
                        ({"value": "good", "comment": "x"}, "validation_failed"),
                        ({"value": "passed"}, "validation_failed")):
        response = client.post(f"{CARD}/items/app_offer", json=body)
        assert response.status_code == 422 and response.json()["error_id"] == error, body
    unknown = client.post(f"{CARD}/items/smile", json={"value": "passed", "comment": "x"})
    assert unknown.status_code == 404 and unknown.json()["error_id"] == "qa_unknown_item"
    nobody = client.post("/api/v1/qa/contacts/nobody/scorecard")
    assert nobody.status_code == 404 and nobody.json()["error_id"] == "qa_contact_not_found"
    no_template = client.post(CARD, json={"template": "nope"})
    assert no_template.json()["error_id"] == "qa_template_not_found"
    for month in ("2026-13", "november", ""):
        response = client.get("/api/v1/qa/sample", params={"month": month})
        assert response.status_code == 422, month
    assert client.get("/api/v1/qa/report", params={"month": "2026-11",
                                                   "per_operator": 0}).status_code == 422


def test_sample_and_report(http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    users(ctx, "quinn", "sveta")
    login(client, "sveta")
    sample = client.get("/api/v1/qa/sample", params={"month": "2026-11"}).json()
    assert sample["plan"]["first_half"] == 4 and sample["plan"]["second_half"] == 3
    [anna] = sample["operators"]
    assert (anna["agent_id"], anna["drawn"], anna["shortfall"]) == ("anna", 1, 6)
    assert anna["halves"][0]["contacts"] == [{"contact": "rec-1.wav", "day": "2026-11-03"}]
    login(client, "quinn")
    client.post(CARD)
    report = client.get("/api/v1/qa/report", params={"month": "2026-11",
                                                     "agent": "anna"}).json()
    [row] = report["operators"]
    assert (row["sampled"], row["scored"], row["scored_in_sample"]) == (1, 1, 1)
    assert row["items_failed_most"][0]["item"] == "app_offer"
    assert row["agreement"]["overall"]["share"] == 1.0


def _app(*commands: object) -> typer.Typer:
    app = typer.Typer()
    for command in commands:
        app.command()(command)  # type: ignore[arg-type]
    return app


def test_commands(engine: Engine, db_url: str, ctx: ServiceContext, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    analysed(ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
    runner = CliRunner()
    app = _app(score_command, sample_command, report_command)

    scored = runner.invoke(app, ["score-command", "rec-1.wav", "--json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["template"]["name"] == "mts_call_ru"
    shown = runner.invoke(app, ["score-command", "rec-1.wav"])
    assert shown.exit_code == 0 and "score 88.2% (automatic 88.2%)" in shown.output
    custom = tmp_path / "short.toml"
    custom.write_text(SHORT, encoding="utf-8")
    short = runner.invoke(app, ["score-command", "rec-1.wav", "--template", str(custom),
                                "--json"])
    assert short.exit_code == 0, short.output
    assert json.loads(short.output)["template"]["name"] == "short"
    assert json.loads(short.output)["versions"] == [
        {"name": "mts_call_ru", "version": 1}, {"name": "short", "version": 1}]
    broken = tmp_path / "broken.toml"
    broken.write_text("[template]\nname = 1\n", encoding="utf-8")
    refused = runner.invoke(app, ["score-command", "rec-1.wav", "--template", str(broken)])
    assert refused.exit_code == 2  # a bad template file is a bad option
    missing = runner.invoke(app, ["score-command", "nobody"])
    assert missing.exit_code == 1 and "qa_contact_not_found" in missing.output

    sample = runner.invoke(app, ["sample-command", "2026-11", "--json"])
    assert sample.exit_code == 0, sample.output
    assert json.loads(sample.output)["totals"] == {"operators": 1, "drawn": 1,
                                                   "shortfall": 6}
    text = runner.invoke(app, ["sample-command", "2026-11", "--per-operator", "2"])
    assert text.exit_code == 0 and "anna" in text.output and "shortfall 1" in text.output
    bad = runner.invoke(app, ["sample-command", "11-2026"])
    assert bad.exit_code == 1 and "qa_bad_month" in bad.output

    report = runner.invoke(app, ["report-command", "2026-11", "--agent", "anna", "--json"])
    assert report.exit_code == 0, report.output
    [row] = json.loads(report.output)["operators"]
    assert (row["agent_id"], row["scored"]) == ("anna", 1)
    # the contact's latest scorecard is the custom one; --template picks the default one
    assert [r["scored"] for r in json.loads(report.output)["operators"]] == [1]
    table = runner.invoke(app, ["report-command", "2026-11", "--template", "mts_call_ru"])
    assert table.exit_code == 0 and "anna" in table.output
    assert "1 operator(s); agreement 9/9 item(s)" in table.output
    short_only = runner.invoke(app, ["report-command", "2026-11", "--json"])
    assert json.loads(short_only.output)["agreement"]["overall"]["compared"] == 1
