"""The edges of phrase search and the sentiment report on SQLite and PostgreSQL:
GET /api/v1/qa/search (who may search, validation, the result's shape) and the command
functions `ingest_command`, `search_command`, `sentiment_report_command`,
`sentiment_eval_command`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.quality.search.cli import ingest_command, search_command
from helpline.quality.sentiment.cli import sentiment_eval_command, sentiment_report_command
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.integration.helpers import add_agent
from tests.integration.qa_helpers import load_corpus
from tests.integration.test_api import login


@pytest.fixture
def http(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    with TestClient(create_app(container, run_ticker=False)) as client:
        load_corpus(container.ctx)
        yield client, container.ctx
    container.close()


def test_search_api_for_qa_supervisors_and_admins_only(
        http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    assert client.get("/api/v1/qa/search", params={"q": "тариф"}).status_code == 401
    add_agent(ctx, "olga", role=Role.AGENT, status=None)
    add_agent(ctx, "quinn", role=Role.QA, status=None)
    add_agent(ctx, "sveta", role=Role.SUPERVISOR, status=None)
    login(client, "olga")
    denied = client.get("/api/v1/qa/search", params={"q": "тариф"})
    assert denied.status_code == 403 and denied.json()["error_id"] == "permission_denied"
    for user in ("quinn", "sveta"):
        login(client, user)
        body = client.get("/api/v1/qa/search", params={
            "q": '"не работает интернет"', "speaker": "customer"}).json()
        assert [(h["contact"], h["utterance"]) for h in body["hits"]] == [("c2", 3)]
    hit = body["hits"][0]
    assert hit["snippet_html"] == "Опять <mark>не работает интернет</mark> дома."
    assert hit["text"][slice(*hit["highlights"][0])] == "не работает интернет"
    assert (hit["speaker"], hit["start"], hit["end"], hit["channel"], hit["queue"]) == (
        "customer", 12.0, 15.5, "chat", "home")
    assert hit["started_at"] == "2026-03-09T09:00:00+00:00"
    assert body["more"] is False and body["parsed"] == '"не работать интернет"'


def test_search_api_validates(http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    add_agent(ctx, "quinn", role=Role.QA, status=None)
    login(client, "quinn")
    bad = client.get("/api/v1/qa/search", params={"q": "тариф NEAR"})
    assert bad.status_code == 422 and bad.json()["error_id"] == "bad_search_query"
    for params in ({"q": "тариф", "speaker": "robot"}, {"q": "тариф", "limit": 0},
                   {"q": ""}, {"q": "тариф", "since": "вчера"}):
        response = client.get("/api/v1/qa/search", params=params)
        assert response.status_code == 422, params
    naive = client.get("/api/v1/qa/search", params={"q": "тариф",
                                                    "since": "2026-03-09T00:00:00"})
    assert naive.status_code == 422 and naive.json()["error_id"] == "naive_datetime"
    days = client.get("/api/v1/qa/search", params={
        "q": "тариф", "since": "2026-03-09", "until": "2026-03-09"}).json()
    assert {h["contact"] for h in days["hits"]} == {"c2"}


def _app(*commands: object) -> typer.Typer:
    app = typer.Typer()
    for command in commands:
        app.command()(command)  # type: ignore[arg-type]
    return app


def test_ingest_and_search_commands(engine: Engine, db_url: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    runner = CliRunner()
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "rec-001.json").write_text(json.dumps({
        "format": "helpline.transcript/1", "channel": "call", "recording": "rec-001.wav",
        "agent_id": "anna", "queue": "mobile", "started_at": "2026-03-02T10:00:00+03:00",
        "utterances": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "Здравствуйте!"},
            {"speaker": "customer", "start": 2.5, "end": 6.0,
             "text": "Хочу сменить тариф, этим тарифом я недоволен."}]},
        ensure_ascii=False), encoding="utf-8")
    (folder / "chat-7.json").write_text(json.dumps({
        "channel": "chat", "utterances": [
            {"speaker": "customer", "start": 0, "end": 0, "text": "Какие тарифы есть?"}]},
        ensure_ascii=False), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"utterances": [{"speaker": "robot"}]}', encoding="utf-8")
    app = _app(ingest_command, search_command)

    done = runner.invoke(app, ["ingest-command", str(folder), str(broken), "--json"])
    assert done.exit_code == 1, done.output  # one file failed, the others are stored
    result = json.loads(done.output)
    assert sorted(s["contact"] for s in result["stored"]) == ["chat-7", "rec-001.wav"]
    assert [f["error_id"] for f in result["failed"]] == ["transcript_invalid"]

    found = runner.invoke(app, ["search-command", "тарифы", "--speaker", "customer",
                                "--json"])
    assert found.exit_code == 0, found.output
    hits = json.loads(found.output)["hits"]
    assert [h["contact"] for h in hits] == ["rec-001.wav", "chat-7"] or \
        [h["contact"] for h in hits] == ["chat-7", "rec-001.wav"]
    one = runner.invoke(app, ["search-command", "тариф", "--agent", "anna",
                              "--until", "2026-03-02"])
    assert one.exit_code == 0 and "rec-001.wav" in one.output and "chat-7" not in one.output
    assert "1 hit(s)" in one.output
    bad = runner.invoke(app, ["search-command", "тариф", "--since", "2026-03-02T10:00"])
    assert bad.exit_code == 2  # a time without its offset
    refused = runner.invoke(app, ["search-command", '""'])
    assert refused.exit_code == 1 and "bad_search_query" in refused.output


def test_sentiment_report_per_queue_and_week(http: tuple[TestClient, ServiceContext],
                                             db_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    app = _app(sentiment_report_command, sentiment_eval_command)
    runner = CliRunner()
    done = runner.invoke(app, ["sentiment-report-command", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    rows = {(b["queue"], b["week"]): b["counts"] for b in report["buckets"]}
    # c1 (mobile, W10): «нынешним тарифом я недоволен» -> negative; c2 (home, W11) and
    # c3 (mobile, W12) neutral
    assert rows == {("home", "2026-W11"): {"negative": 0, "neutral": 1, "positive": 0},
                    ("mobile", "2026-W10"): {"negative": 1, "neutral": 0, "positive": 0},
                    ("mobile", "2026-W12"): {"negative": 0, "neutral": 1, "positive": 0}}
    assert report["overall"]["total"] == 3
    week = runner.invoke(app, ["sentiment-report-command", "--since", "2026-03-09",
                               "--until", "2026-03-15", "--json"])
    assert [b["week"] for b in json.loads(week.output)["buckets"]] == ["2026-W11"]
    table = runner.invoke(app, ["sentiment-report-command"])
    assert table.exit_code == 0 and "2026-W10" in table.output

    metrics = runner.invoke(app, ["sentiment-eval-command", "--json"])
    assert metrics.exit_code == 0, metrics.output
    scores = json.loads(metrics.output)
    assert scores["split"] == "test" and set(scores["classes"]) == {
        "negative", "neutral", "positive"}
    printed = runner.invoke(app, ["sentiment-eval-command"])
    assert "macro-F1" in printed.output and "precision" in printed.output
