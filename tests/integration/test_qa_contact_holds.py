"""QA takes a contact's holds from its events (SQLite and PostgreSQL): a chat accepted,
held and resumed at known times on the desk (the manual clock), then analysed as a
recording (``helpline qa analyze --contact-id``), as a transcript and as a platform chat
(``analyze_chat``). A return after 2:30 fails the hold-return rule, one after 1:00
passes; both intervals come from the contact_held / contact_resumed events."""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from helpline.quality.audio.cli import analyze_command
from helpline.quality.contact_analysis import analyze_transcript
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.services import chat, contact_holds, desk, qa_results
from helpline.services.context import ServiceContext
from tests.conftest import ManualClock
from tests.integration.helpers import add_agent, add_queue

RATE = 8000
SECONDS = 280
#: the holds, in seconds after the contact was answered
HOLDS = [(30.0, 180.0), (200.0, 260.0)]


@dataclass(frozen=True)
class HeldChat:
    contact_id: str
    agent_id: str
    answered_at: datetime


def _say(ctx: ServiceContext, contact_id: str, agent_id: str, body: str, n: int) -> None:
    chat.post_message(ctx, contact_id=contact_id, sender="agent", body=body,
                      client_msg_id=f"m{n}", agent_id=agent_id)


@pytest.fixture
def held_chat(ctx: ServiceContext, clock: ManualClock) -> HeldChat:
    """A chat answered at ``answered_at``; first message 5 s later; on hold 30-180 s and
    200-260 s after answering; wrapped up at 270 s."""
    add_queue(ctx)
    anna = add_agent(ctx, "anna")
    started = chat.start_chat(ctx, name="Пётр", phone="+7 900 123-45-67", topic="mobile",
                              language="ru")
    cid = started.contact_id
    clock.advance(3)
    desk.accept(ctx, anna, cid)
    answered = clock.now
    script = {5: "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?",
              28: "Я уточню информацию для Вас. Это займёт не более минуты. Оставайтесь, "
                  "пожалуйста, на линии. Хорошо?",
              182: "Спасибо за ожидание.", 262: "Спасибо за ожидание. Чем ещё могу помочь?"}
    moments = sorted([*script, *(t for pair in HOLDS for t in pair), 270])
    for n, second in enumerate(moments):
        clock.now = answered + timedelta(seconds=second)
        if second in script:
            _say(ctx, cid, anna, script[second], n)
        elif second == 270:
            desk.wrap_up(ctx, anna, cid, "resolved")
        elif any(second == start for start, _ in HOLDS):
            desk.hold(ctx, anna, cid, reason="checking")
        else:
            desk.resume(ctx, anna, cid)
    return HeldChat(cid, anna, answered)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """280 s of quiet stereo noise, 8 kHz PCM: the holds come from the events only."""
    path = tmp_path / "call.wav"
    noise = np.random.default_rng(7).normal(0, 30, (SECONDS * RATE, 2)).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(noise.tobytes())
    return path


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("analyze")(analyze_command)
    app.command("other")(lambda: None)  # two commands: invoked by name, like `helpline qa`
    return app


def test_the_service_turns_the_events_into_both_hold_formats(ctx: ServiceContext,
                                                             held_chat: HeldChat) -> None:
    holds = contact_holds.load(ctx, held_chat.contact_id)
    assert (holds.agent_id, holds.queue_id, holds.answered_at, holds.held_since) == (
        held_chat.agent_id, "mobile", held_chat.answered_at, None)
    assert [e.type.value for e in holds.events] == ["contact_held", "contact_resumed"] * 2
    report = holds.report(duration_s=SECONDS)  # counted from answering by default
    assert report.source == "contact_events" and report.problems == ()
    assert [(h.start_s, h.end_s) for h in report.holds] == HOLDS
    later_start = held_chat.answered_at + timedelta(seconds=10)
    assert holds.intervals(start=later_start) == (HoldInterval(20.0, 170.0),
                                                  HoldInterval(190.0, 250.0))


def test_qa_analyze_takes_holds_from_the_contact(ctx: ServiceContext, held_chat: HeldChat,
                                                 recording: Path, db_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    runner = CliRunner()
    done = runner.invoke(_cli(), ["analyze", str(recording), "--contact-id",
                                  held_chat.contact_id, "--engine", "webrtc", "--store",
                                  "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["holds"]["source"] == "contact_events"
    assert [(h["start"], h["end"], h["late"]) for h in out["holds"]["items"]] == [
        (30.0, 180.0, True), (200.0, 260.0, False)]
    returns = [f for f in out["findings"] if f["rule"] == "hold_return"]
    assert [(f["start"], f["end"], f["passed"], f["measured"]) for f in returns] == [
        (30.0, 180.0, False, 150.0), (200.0, 260.0, True, 60.0)]
    # named after the contact, with its operator, queue and answer time
    stored = qa_results.contact(ctx, held_chat.contact_id)
    assert (stored["agent_id"], stored["queue"]) == (held_chat.agent_id, "mobile")
    assert stored["started_at"] == held_chat.answered_at.isoformat()
    assert "hold_return" in stored["failed_rules"]

    # a recording started 10 s before the answer: every hold 10 s later
    earlier = (held_chat.answered_at - timedelta(seconds=10)).isoformat()
    shifted = runner.invoke(_cli(), ["analyze", str(recording), "--contact-id",
                                     held_chat.contact_id, "--recording-start", earlier,
                                     "--engine", "webrtc", "--json"])
    assert shifted.exit_code == 0, shifted.output
    assert [(h["start"], h["end"]) for h in json.loads(shifted.stdout)["holds"]["items"]] == [
        (40.0, 190.0), (210.0, 270.0)]


def test_qa_analyze_contact_id_errors(ctx: ServiceContext, held_chat: HeldChat,
                                      recording: Path, tmp_path: Path, db_url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    runner = CliRunner()
    events = tmp_path / "events.json"
    events.write_text('[{"event": "Hold", "time": 1}, {"event": "Unhold", "time": 2}]',
                      encoding="utf-8")
    both = runner.invoke(_cli(), ["analyze", str(recording), "--events", str(events),
                                  "--contact-id", held_chat.contact_id])
    assert both.exit_code == 2
    assert "invalid_audio_parameter" in both.stderr and "not both" in both.stderr
    unknown = runner.invoke(_cli(), ["analyze", str(recording), "--contact-id", "nope",
                                     "--engine", "webrtc"])
    assert unknown.exit_code == 2 and "not_found" in unknown.stderr
    naive = runner.invoke(_cli(), ["analyze", str(recording), "--contact-id",
                                   held_chat.contact_id, "--recording-start",
                                   "2026-03-01T10:00:00"])
    assert naive.exit_code == 2 and "invalid_audio_parameter" in naive.stderr
    # never answered: no default start
    waiting = chat.start_chat(ctx, name="Ольга", phone="+7 900 123-45-68", topic="mobile",
                              language="ru")
    unanswered = runner.invoke(_cli(), ["analyze", str(recording), "--contact-id",
                                        waiting.contact_id, "--engine", "webrtc"])
    assert unanswered.exit_code == 2 and "validation_failed" in unanswered.stderr


def test_transcript_rules_take_the_holds_from_the_events(ctx: ServiceContext,
                                                         held_chat: HeldChat) -> None:
    holds = contact_holds.load(ctx, held_chat.contact_id).intervals()
    transcript = Transcript.of([
        Utterance(Speaker.AGENT, 0.5, 4.0, "Здравствуйте. Меня зовут Анна."),
        Utterance(Speaker.AGENT, 182.0, 184.0, "Спасибо за ожидание."),
        Utterance(Speaker.AGENT, 262.0, 266.0, "Спасибо за ожидание. Чем ещё могу помочь?"),
    ], channel="call", language="ru")
    analysis = analyze_transcript(transcript, holds=holds)
    returns = [f for f in analysis.findings if f.rule == "hold_return"]
    assert [(f.start, f.end, f.passed) for f in returns] == [
        (30.0, 180.0, False), (200.0, 260.0, True)]
    assert [(a, b, late) for a, b, late in analysis.timeline.holds] == [
        (30.0, 180.0, True), (200.0, 260.0, False)]


def test_a_platform_chat_is_checked_with_its_own_holds(ctx: ServiceContext,
                                                       held_chat: HeldChat) -> None:
    analysis, _ = qa_results.analyze_chat(ctx, held_chat.contact_id)
    # the chat's transcript counts from its first message, 5 s after the answer
    returns = [f for f in analysis.findings if f.rule == "hold_return"]
    assert [(f.start, f.end, f.passed) for f in returns] == [
        (25.0, 175.0, False), (195.0, 255.0, True)]
    thanks = [f.passed for f in analysis.findings if f.rule == "hold_thanks"]
    assert thanks == [True, True]
