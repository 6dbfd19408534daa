"""One contact's merged findings, its timeline and the timeline picture (no audio, no
database): transcript-only analysis of hand-written calls and chats."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from helpline.quality.contact_analysis import (
    ContactFinding,
    EvidenceItem,
    analyze_transcript,
    audio_role,
)
from helpline.quality.timeline_svg import render_timeline_svg
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance

A, C = Speaker.AGENT, Speaker.CUSTOMER
SVG = "{http://www.w3.org/2000/svg}"


def call(*lines: tuple[Speaker, float, float, str], channel: str = "call") -> Transcript:
    return Transcript.of([Utterance(s, a, b, t) for s, a, b, t in lines], channel=channel)


BAD = call(
    (A, 0.0, 1.5, "Алло, слушаю."),
    (C, 1.0, 6.0, "Здравствуйте, у меня списали деньги."),  # 0.5 s over the agent
    (A, 6.5, 8.0, "Минуточку."),
    (A, 140.0, 144.0, "Деньги вернутся через три дня."),
    (C, 158.0, 160.0, "Понятно."),  # 14 s of silence outside the hold
    (A, 160.5, 161.5, "До свидания."),
)


def test_transcript_only_runs_every_rule_and_orders_by_time() -> None:
    result = analyze_transcript(BAD, holds=(HoldInterval(8.5, 139.0),))
    rules = {f.rule: f for f in result.findings}
    assert {"no_long_silence", "hold_return", "no_allo", "greeting"} <= set(rules)
    assert all(f.source == "transcript" for f in result.findings)
    assert not rules["no_allo"].passed and rules["no_allo"].evidence[0].utterance == 0
    assert rules["no_allo"].evidence[0].matched == "Алло"
    assert not rules["hold_return"].passed  # 130.5 s > 120 s
    starts = [f.start for f in result.findings]
    assert starts == sorted(starts)
    assert not result.passed and len(result.failed) == sum(not f.passed
                                                             for f in result.findings)
    data = result.to_dict()
    assert {"silences", "holds", "overtalk", "findings", "timeline"} <= set(data)
    assert data["utterances"][0]["text"] == "Алло, слушаю."
    assert data["holds"]["count"] == 1 and data["holds"]["items"][0]["late"] is True
    assert {s["channel"] for s in data["silences"]} == {"both"}


def test_timeline_from_the_utterances() -> None:
    result = analyze_transcript(BAD, holds=(HoldInterval(8.5, 139.0),))
    timeline = result.timeline
    assert timeline.source == "transcript" and timeline.duration == 161.5
    assert timeline.speech["agent"][0] == (0.0, 1.5)
    assert timeline.holds == ((8.5, 139.0, True),)
    assert timeline.dead_air == ((144.0, 158.0),)
    assert (144.0, 158.0, True) in timeline.silences
    assert (8.0, 140.0, False) in timeline.silences  # mostly on hold: not dead air
    assert timeline.overtalk == ((1.0, 1.5, "customer"),)


def test_a_chat_has_no_silences_or_overtalk() -> None:
    chat = call((A, 0.0, 0.0, "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?"),
                (C, 40.0, 40.0, "Интернет не работает."),
                (A, 95.0, 95.0, "Чем ещё могу помочь?"), channel="chat")
    result = analyze_transcript(chat)
    assert result.channel == "chat"
    assert result.timeline.silences == () and result.timeline.overtalk == ()
    assert "no_long_silence" not in {f.rule for f in result.findings}  # calls only


def test_redacted_masks_messages_and_quotes() -> None:
    finding = ContactFinding("no_allo", "transcript", "phrase_absent", False, 0.0, 2.0,
                             "forbidden «Алло» said to Пётр",
                             (EvidenceItem("agent", 0.0, 2.0, "Алло, Пётр, карта "
                                           "4276 1234 5678 9014?", "Алло", 0),))
    masked = finding.redacted(lambda text: re.sub(r"Пётр|\d{4} \d{4} \d{4} \d{4}", "[x]",
                                                  text))
    assert masked.message == "forbidden «Алло» said to [x]"
    assert masked.evidence[0].text == "Алло, [x], карта [x]?"
    assert masked.evidence[0].matched == "Алло" and masked.evidence[0].utterance == 0


def test_audio_role_maps_rulebook_roles() -> None:
    assert [audio_role(r) for r in ("agent", "senior", "paid_line", "supervisor")] == [
        "agent", "senior", "agent", "agent"]


def test_timeline_picture_has_every_lane_a_legend_and_escaped_text() -> None:
    result = analyze_transcript(BAD, holds=(HoldInterval(8.5, 139.0),))
    findings = [f.to_dict() for f in result.findings]
    findings.append({"rule": "x<script>", "title": "<b>&", "passed": False, "start": 3.0,
                     "end": 4.0, "message": "\"quoted\" <tag>"})
    svg = render_timeline_svg(result.timeline.to_dict(), findings,
                              {"hold": "Удержание", "dead_air": "Мёртвая тишина"})
    root = ET.fromstring(svg)  # well-formed XML whatever the texts
    assert root.tag == SVG + "svg"
    classes = [el.get("class") for el in root.iter(SVG + "rect") if el.get("class")]
    assert classes.count("speech agent") == 4 and classes.count("speech customer") == 2
    assert "late-hold" in classes and "dead-air" in classes and "silence" in classes
    assert "overtalk" in classes
    markers = [el for el in root.iter(SVG + "path") if el.get("class") == "finding"]
    assert len(markers) == len([f for f in findings if not f["passed"]])
    texts = [el.text for el in root.iter(SVG + "text")]
    assert "Удержание" in texts and "Мёртвая тишина" in texts
    assert "0:00" in texts and "2:00" in texts  # the time axis in m:ss
    titles = [el.text or "" for el in root.iter(SVG + "title")]
    assert any("<b>&" in t and "<tag>" in t for t in titles)  # escaped, read back intact
    assert "<script>" not in svg


def test_mono_timeline_has_one_speech_lane() -> None:
    svg = render_timeline_svg({"duration": 30.0, "speech": {"mixed": [[1.0, 5.0]]},
                               "holds": [], "silences": [], "overtalk": []})
    root = ET.fromstring(svg)
    assert [el.get("class") for el in root.iter(SVG + "rect") if el.get("class")] == [
        "speech mixed"]
    assert "Speech (mono)" in [el.text for el in root.iter(SVG + "text")]
