"""Finding texts in Russian and English: every rule and finding kind has both, the engines
write the catalogue's English, Russian reads naturally with a decimal comma, findings
stored before keep rendering, and the rulebook's titles come in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import helpline.quality.audio.findings as audio_findings
import helpline.quality.scorecards.scoring as scoring
import helpline.quality.transcripts.rules as rules_engine
from helpline.quality.audio.findings import (
    Silence,
    Thresholds,
    dead_air_findings,
    hold_findings,
    latency_findings,
    overtalk_findings,
    ratio_findings,
)
from helpline.quality.audio.holds import Hold, HoldReport
from helpline.quality.contact_analysis import ContactFinding, analyze_transcript, from_audio
from helpline.quality.findings_i18n import (
    AUDIO_KINDS,
    CATALOGUE,
    LANGUAGES,
    MessageError,
    localize_findings,
    plural,
    render,
)
from helpline.quality.scorecards.scoring import AutoItem, Scorecard
from helpline.quality.scorecards.template import shipped_template
from helpline.quality.transcripts.errors import RulesConfigError
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.rules_config import KINDS, default_rulebook, loads_rulebook
from helpline.services.qa_demo import BAD_CALL, BAD_HOLDS, CHAT, GOOD_CALL, GOOD_HOLDS, _transcript

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
QUOTED = re.compile(r"«[^»]*»")
FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*)?\}")

#: parameters for every catalogue entry that has any (a new entry needs one here)
EXAMPLES: dict[str, dict[str, Any]] = {
    "dead_air.failed": {"duration": 12.3, "limit": 10.0, "where": "dead_air.at_end",
                        "held": "dead_air.held", "on_hold": 4.0},
    "dead_air.held": {"on_hold": 4.0},
    "dead_air.passed": {"limit": 10.0},
    "hold_return.late": {"n": 1, "duration": 150.0, "limit": 120.0, "role": "agent",
                         "for_role": "hold_return.limit_role",
                         "open": "hold_return.open_ended"},
    "hold_return.in_time": {"n": 2, "duration": 54.0, "limit": 180.0, "role": "senior",
                            "for_role": "hold_return.limit", "open": None},
    "hold_return.limit_role": {"limit": 120.0, "role": "agent"},
    "hold_return.limit": {"limit": 120.0},
    "no_interruption.failed": {"duration": 1.25},
    "no_interruption.passed": {"others": 3},
    "response_latency.failed": {"latency": 6.5, "limit": 5.0},
    "response_latency.passed": {"worst": 3.2, "turns": 4, "limit": 5.0},
    "response_latency.longest": {"worst": 3.2, "limit": 5.0},
    "response_latency.no_turns": {"limit": 5.0},
    "talk_listen_ratio.result": {"agent_s": 63.2, "customer_s": 20.5, "ratio": 3.0829,
                                 "limit": 2.0},
    "talk_listen_ratio.ratio": {"ratio": 3.0829, "limit": 2.0},
    "phrase_present.found": {"scope": {"speaker": "agent", "last_utterances": 3}},
    "phrase_present.missing": {"phrases": ["чем ещё могу помочь"],
                               "scope": {"speaker": "agent", "first_utterances": 1}},
    "phrase_absent.none": {"phrases": ["алло", "алё"], "scope": {"speaker": "any"}},
    "phrase_absent.found": {"matched": "Алло"},
    "near.found": {"what": "near.what", "x": ["приложение"], "y": ["мой мтс"],
                   "within_words": 3},
    "near.missing": {"what": "near.what_ordered", "x": ["приложение"], "y": ["мой мтс"],
                     "within_words": 1, "scope": {"speaker": "agent", "from": 0.0,
                                                  "to": 60.0}},
    "near.none": {"what": "near.what", "x": ["тариф"], "y": ["роуминг"], "within_words": 5},
    "near.what": {"x": ["тариф"], "y": ["роуминг"], "within_words": 5},
    "near.what_ordered": {"x": ["тариф"], "y": ["роуминг"], "within_words": 2},
    "count.result": {"count": 3, "min": None, "max": 2, "bounds": "count.at_most"},
    "count.range": {"min": 1, "max": 3},
    "count.at_least": {"min": 1},
    "count.at_most": {"max": 2},
    "name_usage.used": {"name": "Ольга", "uses": 1, "speaker": "agent", "min": 2},
    "greeting.ok": {"role": "senior"},
    "greeting.missing": {"role": "agent", "expected": ["здравствуйте меня зовут *"],
                         "others": ["senior"], "hint": "greeting.other_role"},
    "greeting.other_role": {"others": ["senior", "paid_line"]},
    "hold_announcement.ok": {"hold_start": 16.0, "missing": []},
    "hold_announcement.missing": {"hold_start": 10.5, "missing": ["time", "consent"]},
    "hold_thanks.ok": {"hold_end": 70.0},
    "hold_thanks.missing": {"phrases": ["спасибо за ожидание"], "within": 10.0,
                            "hold_end": 160.5},
    "hold_duration.result": {"duration": 190.0, "limit": 180.0, "role": "senior"},
    "max_silence.failed": {"duration": 14.5, "limit": 10.0},
    "max_silence.passed": {"limit": 10.0},
    "silence_response.failed": {"silence": 7.0, "phrases": ["вас не слышно"]},
    "scope.first": {"speaker": "agent", "first_utterances": 2},
    "scope.first_one": {"speaker": "customer"},
    "scope.last": {"speaker": "agent", "last_utterances": 3},
    "scope.last_one": {"speaker": "any"},
    "scope.within": {"speaker": "agent", "from": 0.0, "to": 30.5},
    "scope.last_seconds": {"speaker": "agent", "last_seconds": 20.0},
    "scope.all": {"speaker": "agent"},
    "scorecard.no_findings_na": {"rules": "dead_air, hold_return"},
    "scorecard.no_findings_manual": {"rules": "app_offer"},
    "scorecard.failed": {"failed": 1, "applicable": 2},
    "scorecard.passed": {"applicable": 1},
    "scorecard.not_applicable": {"count": 5},
}


def _fields(template: str) -> set[str]:
    return set(FIELD.findall(template))


def _words(text: str) -> str:
    """The text without the «…» quotes (the rulebook's Russian phrases)."""
    return QUOTED.sub("", text)


# -- the catalogue ------------------------------------------------------------------------
def test_every_entry_has_both_languages_with_the_same_parameters() -> None:
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key
        assert _fields(entry["ru"]) == _fields(entry["en"]), key


def test_every_entry_renders_in_both_languages() -> None:
    for key, entry in CATALOGUE.items():
        if _fields(entry["ru"]):
            assert key in EXAMPLES, f"{key}: add example parameters to EXAMPLES"
        params = EXAMPLES.get(key, {})
        ru, en = render(key, params, "ru"), render(key, params, "en")
        assert "{" not in ru + en, key
        if not key.startswith(("role.", "part.", "speaker.", "the.")):
            assert CYRILLIC.search(_words(ru)), f"{key}: the Russian is not Russian: {ru}"
            assert not CYRILLIC.search(_words(en)), f"{key}: Cyrillic in English: {en}"
    assert set(EXAMPLES) <= set(CATALOGUE)


def test_every_rule_kind_and_audio_rule_has_a_title_in_both_languages() -> None:
    kinds = {*KINDS, *AUDIO_KINDS}
    assert set(audio_findings.RULES) == set(AUDIO_KINDS)
    for kind in kinds:
        entry = CATALOGUE.get(f"title.{kind}")
        assert entry is not None, f"no title for kind {kind}"
        assert entry["ru"] != entry["en"] and CYRILLIC.search(entry["ru"])
        # and at least one message of its own (the hold kinds may share hold.none)
        assert any(k.startswith(f"{kind}.") for k in CATALOGUE), f"no message for {kind}"


def test_every_message_key_in_the_engines_is_in_the_catalogue() -> None:
    prefixes = {key.split(".")[0] for key in CATALOGUE}
    for module in (rules_engine, audio_findings, scoring):
        source = Path(str(module.__file__)).read_text(encoding="utf-8")
        for literal in re.findall(r'"([a-z_]+\.[a-z_]+)"', source):
            if literal.split(".")[0] in prefixes:
                assert literal in CATALOGUE, f"{module.__name__}: {literal} is not in the " \
                                             "catalogue"


def test_every_rule_of_the_default_rulebook_has_russian_and_english_titles() -> None:
    book = default_rulebook("ru")
    for rule in book.rules:
        assert set(LANGUAGES) <= set(rule.titles), f"rule {rule.id} lacks a translation"
        assert CYRILLIC.search(rule.titles["ru"]), rule.id
        assert not CYRILLIC.search(_words(rule.titles["en"])), rule.id
        assert rule.title == rule.titles["ru"]  # the rulebook's language


def test_every_item_of_the_shipped_scorecard_has_both_titles() -> None:
    template = shipped_template()
    for item in template.items:
        assert item.title("ru") != item.title("en"), item.id
        assert CYRILLIC.search(item.title("ru")), item.id


def test_unknown_key_or_missing_parameter() -> None:
    with pytest.raises(MessageError):
        render("dead_air.nonsense", {}, "ru")
    with pytest.raises(MessageError):
        render("dead_air.failed", {"duration": 1.0}, "en")


# -- numbers and words ----------------------------------------------------------------------
def test_dead_air_in_russian_with_a_decimal_comma() -> None:
    silences = [Silence("both", 5.0, 17.3)]
    [finding] = dead_air_findings(silences, [], 60.0, Thresholds())
    assert finding.message_key == "dead_air.failed" and finding.measured == 12.3
    assert render(finding.message_key, finding.params, "ru") == \
        "тишина в эфире 12,3 с без удержания (норматив — до 10 с)"
    assert render(finding.message_key, finding.params, "en") == finding.evidence == \
        "both sides silent 12.3 s without hold (limit 10 s)"
    [shown] = localize_findings([from_audio(finding, None).to_dict()], "ru")
    assert shown["title"] == "Нет тишины в эфире без удержания (запись)"
    assert shown["message"] == "тишина в эфире 12,3 с без удержания (норматив — до 10 с)"
    assert shown["evidence"][0]["text"] == shown["message"]  # the measurement, again
    assert (shown["rule"], shown["kind"], shown["measured"], shown["limit"]) == (
        "dead_air", "dead_air", 12.3, 10.0)


def test_russian_plurals() -> None:
    forms = ["раз", "раза", "раз"]
    assert [plural(n, forms, "ru") for n in (0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 111)] == [
        "раз", "раз", "раза", "раза", "раз", "раз", "раз", "раз", "раза", "раз", "раз"]
    assert render("count.result", {"count": 2, "min": 1, "max": None,
                                   "bounds": "count.at_least"}, "ru") == \
        "прозвучало 2 раза, нужно не менее 1"
    assert render("no_interruption.passed", {"others": 1}, "ru").endswith("обоих: 1 эпизод)")
    assert render("no_interruption.passed", {"others": 5}, "ru").endswith("5 эпизодов)")


def test_hold_time_in_minutes_and_role_names() -> None:
    [late] = hold_findings(HoldReport((Hold(10.0, 160.0),)), "agent", Thresholds())
    assert render(late.message_key, late.params, "ru") == \
        "удержание 1: 2:30, возврат с опозданием (норматив — до 2:00 для роли «специалист»)"
    assert late.evidence == "hold 1: 2:30, returned late (limit 2:00 for role agent)"


# -- every finding the engines write ----------------------------------------------------------
def _audio() -> list[audio_findings.Finding]:
    t = Thresholds(max_talk_listen_ratio=1.5)
    out = []
    out += dead_air_findings([Silence("both", 0.0, 12.0, 3.0)], [], 60.0, t)
    out += dead_air_findings([], [], 60.0, t)
    out += hold_findings(HoldReport((Hold(1.0, 200.0, open_ended=True), Hold(210.0, 220.0))),
                         "senior", t)
    from helpline.quality.audio.findings import Latency, Overtalk
    out += overtalk_findings([Overtalk(1.0, 2.0, "agent", "customer")], 60.0, t)
    out += overtalk_findings([Overtalk(1.0, 2.0, "customer", "agent")], 60.0, t)
    out += latency_findings([Latency(1.0, 8.0)], 60.0, t)
    out += latency_findings([Latency(1.0, 2.0)], 60.0, t)
    out += latency_findings([], 60.0, t)
    out += ratio_findings({"talk_listen_ratio": 2.0, "agent_talk_s": 40.0,
                           "customer_talk_s": 20.0}, 60.0, t)
    return out


def _transcripts() -> list[ContactFinding]:
    out: list[ContactFinding] = []
    for lines, holds, channel in ((BAD_CALL, BAD_HOLDS, "call"), (GOOD_CALL, GOOD_HOLDS, "call"),
                                  (CHAT, (), "chat")):
        out += analyze_transcript(_transcript(lines, "x", channel), holds=holds).findings
    silent = Transcript.of([
        Utterance(Speaker.AGENT, 0.0, 3.0, "Здравствуйте, меня зовут Анна, чем я могу вам "
                                           "помочь?"),
        Utterance(Speaker.CUSTOMER, 12.0, 14.0, "Алло?")], channel="call")
    out += analyze_transcript(silent, role="senior",
                              holds=(HoldInterval(4.0, 5.0),)).findings
    return out


def test_every_finding_renders_in_both_languages_and_english_is_what_was_written() -> None:
    findings = [from_audio(f, None).to_dict() for f in _audio()]
    findings += [f.to_dict() for f in _transcripts()]
    keys = {f["message_key"] for f in findings}
    assert {"dead_air.failed", "dead_air.passed", "hold_return.late", "hold_return.in_time",
            "no_interruption.failed", "no_interruption.passed", "response_latency.failed",
            "response_latency.passed", "response_latency.no_turns",
            "talk_listen_ratio.result", "silence_response.failed", "greeting.missing",
            "hold_announcement.missing", "max_silence.failed"} <= keys
    kinds = {f["kind"] for f in findings}
    assert set(AUDIO_KINDS) | {"phrase_present", "phrase_absent", "near", "count",
                                "name_usage", "greeting", "hold_announcement",
                                "hold_thanks", "hold_duration", "max_silence",
                                "silence_response"} <= kinds
    russian = localize_findings(findings, "ru")
    english = localize_findings(findings, "en")
    for f, ru, en in zip(findings, russian, english, strict=True):
        assert en["message"] == f["message"], f["message_key"]
        assert CYRILLIC.search(_words(ru["message"])), ru["message"]
        assert CYRILLIC.search(_words(ru["title"])), ru["title"]
        assert not CYRILLIC.search(_words(en["message"])), en["message"]
        assert not CYRILLIC.search(_words(en["title"])), en["title"]
        for key in ("rule", "kind", "message_key", "params", "passed", "start", "end",
                    "measured", "limit"):
            assert ru[key] == en[key] == f[key]


def test_redaction_masks_the_parameters_too() -> None:
    good = analyze_transcript(_transcript(GOOD_CALL, "x"), holds=GOOD_HOLDS)
    used = next(f for f in good.findings if f.rule == "name_used_twice")
    masked = used.redacted(lambda text: text.replace("Ольга", "[name]"))
    assert masked.params["name"] == "[name]"
    [shown] = localize_findings([masked.to_dict()], "ru")
    assert shown["message"] == \
        "в речи оператора имя «[name]» прозвучало 2 раза, нужно не менее 2"


# -- stored before the catalogue ------------------------------------------------------------
def test_findings_stored_without_keys_render_from_their_numbers() -> None:
    legacy = [
        {"rule": "dead_air", "source": "audio", "kind": "dead_air", "title": "",
         "passed": False, "start": 20.0, "end": 34.5, "measured": 14.5, "limit": 10.0,
         "message": "both sides silent 14.5 s without hold (limit 10 s)",
         "evidence": [{"speaker": None, "start": 20.0, "end": 34.5, "text":
                       "both sides silent 14.5 s without hold (limit 10 s)"}]},
        {"rule": "hold_return", "source": "audio", "kind": "hold_return", "title": "",
         "passed": False, "start": 40.0, "end": 190.0, "measured": 150.0, "limit": 120.0,
         "message": "hold 1: 2:30, returned late (limit 2:00 for role agent)",
         "evidence": []},
        {"rule": "closing_offer", "source": "transcript", "kind": "phrase_present",
         "title": "«Чем ещё могу помочь?» перед завершением", "passed": False,
         "start": 0.0, "end": 9.0, "message": "none of «чем ещё могу помочь» in the last "
                                              "3 utterance(s) of the agent",
         "evidence": []},
        {"rule": "custom", "source": "transcript", "kind": "phrase_present", "title": "",
         "passed": True, "start": 0.0, "end": 1.0, "message": "said somewhere",
         "message_key": "phrase_present.from_the_future", "params": {}, "evidence": []},
    ]
    ru = localize_findings(legacy, "ru", role="agent")
    assert ru[0]["message"] == "тишина в эфире 14,5 с без удержания (норматив — до 10 с)"
    assert ru[0]["evidence"][0]["text"] == ru[0]["message"]
    assert ru[1]["message"] == ("удержание 1: 2:30, возврат с опозданием (норматив — до "
                                "2:00 для роли «специалист»)")
    assert ru[2]["title"] == "«Чем ещё могу помочь?» перед завершением"
    assert ru[2]["message"] == legacy[2]["message"]  # no parameters: the stored English
    assert ru[3]["message"] == "said somewhere"  # an unknown key: the stored text
    en = localize_findings(legacy, "en", role="agent")
    assert [f["message"] for f in en] == [f["message"] for f in legacy]
    assert en[0]["title"] == "No dead air outside holds (audio)"
    assert en[2]["title"] == "Required phrase"  # no English title was stored
    shipped = default_rulebook().rule("closing_offer").titles
    en = localize_findings(legacy, "en", titles=lambda f: shipped
                           if f["rule"] == "closing_offer" else None)
    assert en[2]["title"] == "«Чем ещё могу помочь?» before closing"


# -- the rulebook's titles --------------------------------------------------------------------
RULE = """
[rulebook]
language = "ru"
[[rules]]
id = "no_allo"
kind = "phrase_absent"
title = {title}
phrases = ["алло"]
"""


def test_a_title_is_a_string_or_a_table_of_languages() -> None:
    old = loads_rulebook(RULE.format(title='"Без «Алло»"')).rule("no_allo")
    assert (old.title, dict(old.titles)) == ("Без «Алло»", {"ru": "Без «Алло»"})
    both = loads_rulebook(RULE.format(title='{ ru = "Без «Алло»", en = "No «Алло»" }'))
    rule = both.rule("no_allo")
    assert (rule.title, dict(rule.titles)) == ("Без «Алло»", {"ru": "Без «Алло»",
                                                              "en": "No «Алло»"})
    english_only = loads_rulebook(RULE.format(title='{ en = "No «Алло»" }')).rule("no_allo")
    assert english_only.title == "No «Алло»"
    for bad in ('{ ru = "" }', '{ russian = "x" }', "{}", "42"):
        with pytest.raises(RulesConfigError, match="title"):
            loads_rulebook(RULE.format(title=bad))


# -- scorecards ---------------------------------------------------------------------------------
def test_scorecard_reasons_and_notes_in_both_languages() -> None:
    bad = analyze_transcript(_transcript(BAD_CALL, "x"), holds=BAD_HOLDS)
    card = Scorecard.from_findings(shipped_template(), [f.to_dict() for f in bad.findings])
    ru = {i["id"]: i for i in card.to_dict("ru")["items"]}
    en = {i["id"]: i for i in card.to_dict("en")["items"]}
    assert ru["greeting"]["title"] == "Приветствие по роли, без «Доброе утро/день/вечер»"
    assert en["greeting"]["title"].startswith("Greeting of the operator's role")
    assert ru["greeting"]["auto_reason"].startswith("не выполнено: 1 из 2 применимых")
    assert en["greeting"]["auto_reason"] == "1 of 2 applicable finding(s) failed"
    assert ru["apology"]["auto_reason"] == "ручной пункт: оценивает специалист QA"
    note = ru["no_allo"]["findings"][0]["note"]
    assert note.startswith("прозвучало запрещённое «Алло» — «Алло, слушаю.»")
    assert en["no_allo"]["findings"][0]["note"].startswith("forbidden «Алло» said")
    stored = AutoItem.from_dict(card.auto[0].to_dict())  # what the store keeps
    assert stored == card.auto[0]
    old = AutoItem.from_dict({"item": "greeting", "value": "failed", "reason": "old text",
                              "findings": [{"rule": "greeting", "passed": False,
                                            "note": "old note"}]})
    assert old.reason_in("ru") == "old text" and old.findings[0].note_in("ru") == "old note"
