"""Stored analyses on SQLite and PostgreSQL: store and read back (the demo contacts),
list filters, redaction of transcripts and findings, who may see the original, the API
and its permissions, a platform chat analysed, and the commands that store results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.domain.errors import NotFound
from helpline.quality.audio.cli import analyze_command, analyze_folder_command
from helpline.quality.contact_analysis import analyze_transcript
from helpline.quality.results_cli import analyze_chat_command
from helpline.quality.search.contact_input import ContactTranscript
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.redaction import RevealPolicy
from helpline.services import chat, desk, qa_results, qa_search
from helpline.services.context import ServiceContext
from helpline.services.qa_demo import BAD_CALL, BAD_HOLDS, _transcript, seed_qa
from helpline.settings import Settings
from helpline.store.qa_tables import QaAnalysisRow, QaFindingRow
from helpline.web.app import create_app
from tests.conftest import ManualClock
from tests.integration.helpers import add_agent, add_queue
from tests.integration.test_api import login
from tests.unit.quality._audio_synth import (  # noqa: F401
    DIALOG_AGENT,
    DIALOG_CUSTOMER,
    HOLD_AGENT,
    HOLD_CUSTOMER,
    Call,
    synth,
    transcript_of,
)

CARD = "4276 1234 5678 9014"
CARD_DIGITS = ("4276", "5678", "9014", "4276123456789014")


def no_card(text: str) -> None:
    for digits in CARD_DIGITS:
        assert digits not in text, f"{digits} leaked"


@pytest.fixture
def demo(ctx: ServiceContext) -> dict[str, str]:
    """The demo analyses, their operators created first (ids resolve to names)."""
    ids = {name: add_agent(ctx, name, status=None) for name in ("anna", "boris", "ivan")}
    assert seed_qa(ctx) and not seed_qa(ctx)  # once only
    return ids


def test_store_list_and_read_back(ctx: ServiceContext, clock: ManualClock,
                                  demo: dict[str, str]) -> None:
    listed = qa_results.list_contacts(ctx)
    assert [c["contact"] for c in listed["contacts"]] == [
        "demo-chat-0003", "demo-call-0002", "demo-call-0001"]  # newest first
    by_ref = {c["contact"]: c for c in listed["contacts"]}
    assert by_ref["demo-call-0001"]["passed"] and by_ref["demo-call-0001"]["failed_rules"] == []
    bad = by_ref["demo-call-0002"]
    assert {"no_allo", "greeting", "hold_announcement", "hold_thanks", "hold_return",
            "no_long_silence", "closing_offer"} <= set(bad["failed_rules"])
    assert (bad["agent_id"], bad["agent_name"], bad["queue"]) == (demo["boris"], "Boris",
                                                                 "mobile")

    def refs(**filters: object) -> list[str]:
        found = qa_results.list_contacts(ctx, qa_results.ListFilters(**filters))  # type: ignore[arg-type]
        return [c["contact"] for c in found["contacts"]]

    assert refs(agent_id="boris") == refs(agent_id=demo["boris"]) == ["demo-call-0002"]
    assert refs(failed_rule="no_allo") == ["demo-call-0002"]
    assert refs(failed_rule="greeting") == ["demo-chat-0003", "demo-call-0002"]
    assert refs(channel="chat") == ["demo-chat-0003"]
    assert refs(passed=True) == ["demo-call-0001"]
    yesterday = clock.now.astimezone(ctx.timezone).date() - timedelta(days=1)
    assert len(refs(since=yesterday, until=yesterday)) == 3
    assert refs(since=yesterday + timedelta(days=1)) == []
    page = qa_results.list_contacts(ctx, limit=2)
    assert len(page["contacts"]) == 2 and page["more"] is True

    one = qa_results.contact(ctx, "demo-call-0002")
    text = json.dumps(one, ensure_ascii=False)
    no_card(text)
    transcript = one["transcript"]
    assert (transcript["redacted"], transcript["revealed"]) == (True, False)
    assert transcript["utterances"][2]["text"] == "Карта [card]? Минуточку."
    assert one["timeline"]["holds"] == [{"start": 10.5, "end": 160.5, "late": True}]
    assert one["timeline"]["dead_air"] == [[166.0, 180.5]]
    rules = {f["rule"]: f for f in one["findings"]}
    assert rules["no_allo"]["evidence"][0] == {
        "speaker": "agent", "start": 0.0, "end": 1.5, "text": "Алло, слушаю.",
        "matched": "Алло", "utterance": 0}
    assert rules["no_allo"]["message"] == "forbidden «Алло» said"
    good = {f["rule"]: f for f in qa_results.contact(ctx, "demo-call-0001")["findings"]}
    # rule phrases in messages are no names: only numbers and the known names are masked
    assert "«алё», «ало»" in good["no_allo"]["message"]
    assert good["name_used_twice"]["message"].startswith("name «[name]» used 2 time(s)")
    quoted = [e["text"] for e in rules["hold_announcement"]["evidence"]]
    assert "Карта [card]? Минуточку." in quoted
    with pytest.raises(NotFound):
        qa_results.contact(ctx, "nobody")


def test_storing_again_replaces_and_a_reingested_transcript_stays_linked(
        ctx: ServiceContext, demo: dict[str, str]) -> None:
    analysis = analyze_transcript(_transcript(BAD_CALL, "demo-call-0002"), holds=BAD_HOLDS)
    stored = qa_results.store(ctx, analysis, qa_results.ContactMeta(
        "demo-call-0002", agent_id=demo["boris"]))
    assert stored.replaced and stored.failed == len(analysis.failed)
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(QaAnalysisRow)) == 3
        assert uow.session.scalar(select(func.count()).select_from(QaFindingRow).where(
            QaFindingRow.analysis_id == stored.analysis_id)) == len(analysis.findings)
    # `helpline qa ingest` of the same contact replaces its transcript row: the link is
    # cleared by the database and the transcript is found by the contact's name
    assert analysis.transcript is not None
    qa_search.ingest(ctx, ContactTranscript("demo-call-0002", analysis.transcript))
    with ctx.uow() as uow:
        row = uow.session.scalars(select(QaAnalysisRow).where(
            QaAnalysisRow.contact_ref == "demo-call-0002")).one()
        assert row.transcript_id is None
    again = qa_results.contact(ctx, "demo-call-0002")
    assert again["transcript"]["utterances"][0]["text"] == "Алло, слушаю."
    with pytest.raises(Exception, match="no '/'"):
        qa_results.store(ctx, analysis, qa_results.ContactMeta("2026/0001.wav"))


def test_reveal_policy_reads_the_original_from_its_source(ctx: ServiceContext,
                                                          tmp_path: Path) -> None:
    source = tmp_path / "c9.transcript.json"
    transcript = _transcript(BAD_CALL, "c9")
    source.write_text(json.dumps(transcript.to_dict(), ensure_ascii=False), encoding="utf-8")
    qa_results.store(ctx, analyze_transcript(transcript, holds=BAD_HOLDS),
                     qa_results.ContactMeta("c9", transcript_source=str(source)))
    admins = RevealPolicy.of(["admin"])
    shown = qa_results.contact(ctx, "c9", role="admin", policy=admins)["transcript"]
    assert shown["revealed"] and shown["utterances"][2]["text"] == f"Карта {CARD}? Минуточку."
    for role in ("qa", "supervisor"):  # not named by the policy
        no_card(json.dumps(qa_results.contact(ctx, "c9", role=role, policy=admins)))
    no_card(json.dumps(qa_results.contact(ctx, "c9", role="admin")))  # default: nobody
    source.unlink()  # the original is gone: the redacted text, and it says so
    gone = qa_results.contact(ctx, "c9", role="admin", policy=admins)["transcript"]
    assert not gone["revealed"] and gone["redacted"]


@pytest.fixture
def http(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    with TestClient(create_app(container, run_ticker=False)) as client:
        yield client, container.ctx
    container.close()


def test_api_for_qa_readers_only_and_never_a_card_number(
        http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    for name in ("anna", "boris", "ivan"):
        add_agent(ctx, name, status=None)
    seed_qa(ctx)
    add_agent(ctx, "olga", role=Role.AGENT, status=None)
    add_agent(ctx, "quinn", role=Role.QA, status=None)
    add_agent(ctx, "sveta", role=Role.SUPERVISOR, status=None)
    urls = ["/api/v1/qa/contacts", "/api/v1/qa/contacts/demo-call-0002",
            "/api/v1/qa/contacts/demo-call-0002/timeline.svg"]
    for url in urls:
        assert client.get(url).status_code == 401
    login(client, "olga")
    for url in urls:
        denied = client.get(url)
        assert denied.status_code == 403 and denied.json()["error_id"] == "permission_denied"
    assert client.get("/qa?contact=demo-call-0002").status_code == 403
    for user in ("quinn", "sveta"):
        login(client, user)
        listed = client.get("/api/v1/qa/contacts", params={"rule": "no_allo"})
        assert listed.status_code == 200
        assert [c["contact"] for c in listed.json()["contacts"]] == ["demo-call-0002"]
    one = client.get("/api/v1/qa/contacts/demo-call-0002")
    assert one.status_code == 200 and one.json()["transcript"]["redacted"] is True
    svg = client.get("/api/v1/qa/contacts/demo-call-0002/timeline.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "Удержание" in svg.text  # sveta reads Russian
    page = client.get("/qa", params={"contact": "demo-call-0002"})
    assert page.status_code == 200
    assert '<div class="timeline-wrap" id="qa-timeline"><svg' in page.text
    assert '<section id="scorecard" class="scorecard" data-contact-id="demo-call-0002">' \
        in page.text
    found = client.get("/api/v1/qa/search", params={"q": "карта"}).json()
    assert {h["contact"] for h in found["hits"]} == {"demo-call-0002"}
    assert "Карта [card]? Минуточку." in [h["text"] for h in found["hits"]]
    for response in (listed, one, svg, page, client.get("/api/v1/qa/search",
                                                        params={"q": "минуточку"})):
        no_card(response.text)
    missing = client.get("/api/v1/qa/contacts/nobody")
    assert missing.status_code == 404 and missing.json()["error_id"] == "not_found"
    assert client.get("/qa?contact=nobody").status_code == 200  # says "not found"
    bad = client.get("/api/v1/qa/contacts", params={"since": "вчера"})
    assert bad.status_code == 422
    client.get("/lang/en?next=/qa")  # the page and the picture in English
    assert "Quality assurance" in client.get("/qa").text
    english = client.get("/api/v1/qa/contacts/demo-call-0002/timeline.svg").text
    assert ">Hold, late return<" in english and "Удержание" not in english


def _cli(*commands: object) -> typer.Typer:
    app = typer.Typer()
    for command in commands:
        app.command()(command)  # type: ignore[arg-type]
    return app


def test_a_platform_chat_analysed_and_stored(ctx: ServiceContext, clock: ManualClock,
                                            db_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    add_queue(ctx, "mobile")
    anna = add_agent(ctx, "anna")
    started = chat.start_chat(ctx, name="Пётр", phone="+7 900 123-45-67", topic="mobile",
                              language="ru")
    desk.accept(ctx, anna, started.contact_id)
    lines = [("agent", "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?"),
             ("customer", f"Это Пётр, спишите с карты {CARD}, пожалуйста."),
             ("agent", "Пётр, уже списали, спасибо."),
             ("agent", "Чем ещё могу помочь?")]
    for i, (sender, body) in enumerate(lines):
        clock.advance(20)
        chat.post_message(ctx, contact_id=started.contact_id, sender=sender, body=body,
                          client_msg_id=f"m{i}", agent_id=anna if sender == "agent" else None)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    done = CliRunner().invoke(_cli(analyze_chat_command),
                              [started.contact_id, "--store", "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["channel"] == "chat" and out["stored"]["contact"] == started.contact_id
    rules = {f["rule"]: f for f in out["findings"]}
    assert rules["greeting"]["passed"] and rules["closing_offer"]["passed"]
    assert "no_long_silence" not in rules  # a call's rule
    stored = qa_results.contact(ctx, started.contact_id)
    assert (stored["agent_id"], stored["queue"]) == (anna, "mobile")
    texts = [u["text"] for u in stored["transcript"]["utterances"]]
    assert texts[1] == "Это [name], спишите с карты [card], пожалуйста."
    assert "Пётр" not in json.dumps(stored, ensure_ascii=False)
    original = qa_results.contact(ctx, started.contact_id, role="admin",
                                  policy=RevealPolicy.of(["admin"]))["transcript"]
    assert original["revealed"] and CARD in original["utterances"][1]["text"]
    unknown = CliRunner().invoke(_cli(analyze_chat_command), ["no-such-contact"])
    assert unknown.exit_code == 1 and "not_found" in unknown.output


def test_analyze_commands_store_results(synth: dict[str, Call],  # noqa: F811
                                        ctx: ServiceContext, db_url: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    app = _cli(analyze_command, analyze_folder_command)
    runner = CliRunner()
    dialog = synth["dialog"]
    transcript = tmp_path / "dialog.json"
    transcript.write_text(json.dumps(transcript_of(
        dialog, DIALOG_AGENT, DIALOG_CUSTOMER, agent_id="anna",
        started_at="2026-03-02T10:00:00+03:00"), ensure_ascii=False), encoding="utf-8")
    done = runner.invoke(app, ["analyze-command", str(dialog.path), "--transcript",
                               str(transcript), "--engine", "webrtc", "--store", "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["stored"]["contact"] == "dialog.wav" and out["stored"]["transcript_id"]
    stored = qa_results.contact(ctx, "dialog.wav")
    assert (stored["engine"], stored["channels"], stored["agent_id"]) == (
        "webrtc", ["agent", "customer"], "anna")
    assert stored["started_at"] == "2026-03-02T07:00:00+00:00"
    assert stored["timeline"]["source"] == "audio"
    assert [f["rule"] for f in stored["findings"]] == [f["rule"] for f in out["findings"]]
    assert "dead_air" in stored["failed_rules"] and "name_used_twice" in stored["failed_rules"]
    # the customer's name is masked in what is stored, also inside the findings
    assert "Сергей" not in json.dumps(stored, ensure_ascii=False)
    assert "Сергей" in json.dumps(out, ensure_ascii=False)  # the command's own output

    folder = tmp_path / "calls"
    folder.mkdir()
    hold = synth["hold"]
    (folder / "hold.wav").write_bytes(hold.path.read_bytes())
    (folder / "hold.events.json").write_bytes(hold.files["events"].read_bytes())
    (folder / "hold.transcript.json").write_text(json.dumps(
        transcript_of(hold, HOLD_AGENT, HOLD_CUSTOMER), ensure_ascii=False), encoding="utf-8")
    (folder / "alone.wav").write_bytes(dialog.path.read_bytes())  # no transcript
    (folder / "broken.wav").write_bytes(b"RIFF")
    batch = runner.invoke(app, ["analyze-folder-command", str(folder), "--store",
                                "--channels", "customer,agent", "--engine", "webrtc"])
    assert batch.exit_code == 1  # the broken file; the others are stored
    assert "2 analysed (stored), 1 failed" in batch.output
    listed = {c["contact"]: c for c in qa_results.list_contacts(ctx)["contacts"]}
    assert set(listed) == {"dialog.wav", "hold.wav", "alone.wav"}
    assert "hold_return" in listed["hold.wav"]["failed_rules"]
    assert qa_results.contact(ctx, "alone.wav")["transcript"] is None
    held = qa_results.contact(ctx, "hold.wav")
    assert held["timeline"]["holds"][0]["late"] is True
    assert {f["rule"] for f in held["findings"]} >= {"hold_announcement", "hold_thanks"}


def test_hold_given_to_a_transcript_only_analysis(ctx: ServiceContext) -> None:
    analysis = analyze_transcript(_transcript(BAD_CALL, "x"), holds=(HoldInterval(10.5, 60.0),))
    stored = qa_results.store(ctx, analysis, qa_results.ContactMeta("x"))
    one = qa_results.contact(ctx, "x")
    assert one["timeline"]["holds"] == [{"start": 10.5, "end": 60.0, "late": False}]
    assert stored.transcript_id is not None and one["transcript"]["sentiment"]
