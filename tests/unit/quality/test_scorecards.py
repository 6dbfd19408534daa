"""Scorecards, pure: the shipped template, auto-fill from hand-made findings, weights and
critical items, overrides beside the automatic value, agreement and Cohen's kappa
against hand calculations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from helpline.quality.audio.findings import (
    Thresholds,
    dead_air_findings,
    latency_findings,
    overtalk_findings,
)
from helpline.quality.scorecards.agreement import agreement, agreement_report, cohen_kappa
from helpline.quality.scorecards.errors import (
    FindingInvalid,
    OverrideInvalid,
    TemplateInvalid,
    TemplateNotFound,
    UnknownItem,
)
from helpline.quality.scorecards.scoring import Scorecard, Value, auto_fill, score
from helpline.quality.scorecards.template import (
    load_template,
    loads_template,
    shipped_template,
    shipped_template_names,
)
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.rules import evaluate
from helpline.quality.transcripts.rules_config import default_rulebook

P, F, NA = Value.PASSED, Value.FAILED, Value.NOT_APPLICABLE
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

SMALL = """
[template]
name = "small"
version = 3
title = { ru = "Малый", en = "Small" }

[[items]]
id = "greet"
title = { ru = "Приветствие", en = "Greeting" }
weight = 10
critical = true
rules = ["greeting"]

[[items]]
id = "name"
title = { ru = "Имя", en = "Name" }
weight = 30
rules = ["ask_name", "name_used_twice"]

[[items]]
id = "hold"
title = { ru = "Удержание", en = "Hold" }
weight = 20
rules = ["hold_return"]
if_no_findings = "not_applicable"

[[items]]
id = "apology"
title = { ru = "Извинение", en = "Apology" }
weight = 40
"""


def f(rule: str, passed: bool, applicable: bool = True, **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "passed": passed, "applicable": applicable, "start": 1.0,
            "end": 2.0, **extra}


# -- templates ------------------------------------------------------------------------------
def test_shipped_template_has_the_issue_items_and_weights_adding_to_100() -> None:
    template = shipped_template("mts_call_ru")
    assert "mts_call_ru" in shipped_template_names()
    assert (template.name, template.version) == ("mts_call_ru", 1)
    ids = [i.id for i in template.items]
    for wanted in ("greeting", "ask_name", "name_used_twice", "no_interruption", "apology",
                   "thanked", "app_offer", "closing_offer", "hold_procedure", "hold_time"):
        assert wanted in ids
    assert sum(i.weight for i in template.items) == 100
    assert [i.id for i in template.items if i.critical] == ["greeting"]
    assert [i.id for i in template.items if i.manual] == ["apology"]
    assert template.item("hold_time").rules == ("no_long_silence", "dead_air", "hold_return")
    assert template.item("greeting").title("en").startswith("Greeting")


def test_every_mapped_rule_exists_in_the_rulebook_or_the_audio_analysis() -> None:
    audio = {x.rule for x in (
        *dead_air_findings((), (), 60.0, Thresholds()),
        *overtalk_findings((), 60.0, Thresholds()),
        *latency_findings((), 60.0, Thresholds()))} | {"hold_return"}
    rulebook = {r.id for r in default_rulebook("ru").rules}
    assert shipped_template().rule_ids <= audio | rulebook


def test_digest_ignores_layout_and_changes_with_the_checklist(tmp_path: Path) -> None:
    small = loads_template(SMALL)
    relaid = loads_template("# a comment\n" + SMALL.replace("weight = 30", "weight   =   30"))
    assert relaid.digest() == small.digest()
    heavier = loads_template(SMALL.replace("weight = 30", "weight = 31"))
    assert heavier.digest() != small.digest()
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    assert load_template(path) == small


@pytest.mark.parametrize(("change", "message"), [
    (("weight = 30", "weight = 0"), "weight must be a number > 0"),
    (("weight = 30", "weight = true"), "weight must be a number > 0"),
    (("critical = true", "critical = 1"), "critical must be true or false"),
    (('id = "name"', 'id = "greet"'), "appears twice"),
    (('id = "name"', 'id = "Name!"'), "id must match"),
    (("version = 3", "version = 0"), "version must be a whole number"),
    (('if_no_findings = "not_applicable"', 'if_no_findings = "skip"'), "if_no_findings"),
    (('weight = 40', 'weight = 40\nscore = 1'), "unknown key(s) score"),
    (('title = { ru = "Имя", en = "Name" }', 'title = { ru = "Имя" }'), "missing key(s) en"),
    (('rules = ["greeting"]', 'rules = "greeting"'), "rules must be a list"),
    (('[template]', '[templat]'), "unknown key(s) templat"),
])
def test_template_mistakes_are_named(change: tuple[str, str], message: str) -> None:
    with pytest.raises(TemplateInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        loads_template(SMALL.replace(*change, 1))


def test_no_such_shipped_template() -> None:
    with pytest.raises(TemplateNotFound):
        shipped_template("nope")
    with pytest.raises(TemplateNotFound):
        shipped_template("../etc/passwd")
    with pytest.raises(TemplateInvalid, match="not valid TOML"):
        loads_template("[template")


# -- auto-fill --------------------------------------------------------------------------------
def test_auto_fill_from_hand_made_findings() -> None:
    template = loads_template(SMALL)
    items = auto_fill(template, [
        f("greeting", True),
        f("ask_name", True, applicable=False),   # the customer introduced themselves
        f("name_used_twice", False, message="name used once", evidence=[
            {"speaker": "agent", "start": 5.0, "end": 7.0, "text": "Анна, секунду."}]),
        f("no_allo", False),                       # not on this checklist: ignored
    ])
    by_id = {a.item: a for a in items}
    assert by_id["greet"].value is P
    assert by_id["name"].value is F  # one applicable finding failed
    assert by_id["name"].findings[0].rule == "name_used_twice"  # the reason first
    assert by_id["name"].findings[0].note == "name used once — «Анна, секунду.»"
    assert by_id["name"].reason == "1 of 1 applicable finding(s) failed"
    assert by_id["hold"].value is NA and "no finding of hold_return" in by_id["hold"].reason
    assert by_id["apology"].value is None and "manual" in by_id["apology"].reason


def test_item_values_any_failure_fails_only_not_applicable_is_not_applicable() -> None:
    template = loads_template(SMALL)

    def name_value(*findings: dict[str, Any]) -> Value | None:
        return {a.item: a.value for a in auto_fill(template, findings)}["name"]

    assert name_value(f("ask_name", True), f("name_used_twice", True)) is P
    assert name_value(f("ask_name", True), f("name_used_twice", False)) is F
    assert name_value(f("ask_name", True, False), f("name_used_twice", True, False)) is NA
    # a not-applicable finding never fails the item, whatever its passed flag says
    assert name_value(f("ask_name", False, False), f("name_used_twice", True)) is P
    # several findings of one rule (one per hold): one late return fails the item
    template_hold = {a.item: a.value for a in auto_fill(template, [
        f("hold_return", True), f("hold_return", False), f("hold_return", True)])}
    assert template_hold["hold"] is F
    # no finding of a "manual when missing" item leaves it to QA
    assert name_value(f("greeting", True)) is None


def test_audio_findings_without_applicable_key_count_as_applicable() -> None:
    template = shipped_template()
    audio = [x.to_dict() for x in overtalk_findings((), 30.0, Thresholds())]
    assert "applicable" not in audio[0]
    values = {a.item: a.value for a in auto_fill(template, audio)}
    assert values["no_interruption"] is P


def test_stored_audio_evidence_is_a_measurement_not_a_quote() -> None:
    template = loads_template(SMALL)
    [hold] = [a for a in auto_fill(template, [f(
        "hold_return", False, message="hold 1: 2:30, returned late",
        evidence=[{"speaker": None, "start": 10.0, "end": 160.0, "text": "hold 150.0 s"}])])
        if a.item == "hold"]
    assert hold.value is F
    assert hold.findings[0].note == "hold 1: 2:30, returned late — hold 150.0 s"


def test_bad_findings_are_refused() -> None:
    template = loads_template(SMALL)
    with pytest.raises(FindingInvalid):
        auto_fill(template, [{"passed": True}])
    with pytest.raises(FindingInvalid):
        auto_fill(template, [{"rule": "greeting", "passed": "yes"}])


# -- score ----------------------------------------------------------------------------------
def test_weighted_score_leaves_out_not_applicable_and_pending_items() -> None:
    template = loads_template(SMALL)  # greet 10 (critical), name 30, hold 20, apology 40
    result = score(template, {"greet": P, "name": F, "hold": NA, "apology": P})
    # passed 10 + 40 of applicable 10 + 30 + 40
    assert result.percent == pytest.approx(100 * 50 / 80)
    assert (result.earned_weight, result.applicable_weight) == (50, 80)
    pending = score(template, {"greet": P, "name": P, "hold": F})
    assert pending.percent == pytest.approx(100 * 40 / 60)
    assert pending.pending == ("apology",) and not pending.complete
    assert score(template, {"hold": NA}).percent is None


def test_a_failed_critical_item_zeroes_the_score() -> None:
    template = loads_template(SMALL)
    result = score(template, {"greet": F, "name": P, "hold": P, "apology": P})
    assert result.percent == 0.0 and result.critical_failed == ("greet",)
    assert result.earned_weight == 90  # the weights are still reported
    assert score(template, {"greet": NA, "name": P}).percent == 100.0


# -- overrides ------------------------------------------------------------------------------
def test_override_keeps_the_automatic_value_beside_it() -> None:
    template = loads_template(SMALL)
    card = Scorecard.from_findings(template, [f("greeting", False), f("ask_name", True),
                                              f("name_used_twice", True)])
    assert card.auto_score().percent == 0.0  # critical greeting failed
    corrected = card.with_override("greet", "passed", "  приветствие было, ASR ошибся ",
                                   author_id="q1", author_role="qa", at=AT)
    state = {s.item.id: s for s in corrected.states()}["greet"]
    assert state.auto.value is F and state.final is P
    assert state.override is not None and state.override.comment == "приветствие было, ASR ошибся"
    assert corrected.auto_score().percent == 0.0
    # greet 10 + name 30 passed; hold n/a; apology pending
    assert corrected.final_score().percent == 100.0
    assert corrected.final_score().pending == ("apology",)
    filled = corrected.with_override("apology", "failed", "не извинился за сбой",
                                     author_id="q1", author_role="qa", at=AT)
    assert filled.final_score().percent == pytest.approx(100 * 40 / 80)
    assert card.overrides == {}  # the original is untouched
    # re-scoring from new findings keeps the overrides
    again = filled.rescored([f("greeting", True), f("ask_name", False)])
    assert again.overrides == filled.overrides
    assert {a.item: a.value for a in again.auto}["name"] is F
    data = again.to_dict("en")
    assert data["items"][0]["auto"] == "passed"
    assert data["items"][0]["override"]["value"] == "passed"
    assert data["items"][0]["title"] == "Greeting"


@pytest.mark.parametrize(("item", "value", "comment", "error"), [
    ("greet", "passed", "   ", OverrideInvalid),
    ("greet", "passed", "", OverrideInvalid),
    ("greet", "ok", "why", OverrideInvalid),
    ("greet", "passed", "x" * 2001, OverrideInvalid),
    ("nope", "passed", "why", UnknownItem),
])
def test_override_needs_a_comment_a_value_and_a_known_item(
        item: str, value: str, comment: str, error: type[Exception]) -> None:
    card = Scorecard.from_findings(loads_template(SMALL), [])
    with pytest.raises(error):
        card.with_override(item, value, comment, author_id="q1", author_role="qa", at=AT)
    with pytest.raises(OverrideInvalid, match="timezone"):
        card.with_override("greet", "passed", "why", author_id="q1", author_role="qa",
                           at=datetime(2026, 11, 20, 12, 0))


# -- agreement ------------------------------------------------------------------------------
def test_kappa_on_the_textbook_example() -> None:
    # two raters, 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # p_o = 35/50 = 0.7; rater A says yes 25/50, rater B 30/50;
    # p_e = 0.5 x 0.6 + 0.5 x 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert agreement(pairs).share == pytest.approx(0.7)


def test_kappa_with_three_categories_by_hand() -> None:
    # 10 pairs: (P,P) x5, (F,F) x2, (P,F), (F,P), (NA,NA)
    # p_o = 8/10; auto: P 6, F 3, NA 1; final: P 6, F 3, NA 1
    # p_e = (6*6 + 3*3 + 1*1) / 100 = 0.46; kappa = (0.8 - 0.46) / 0.54 = 0.62963
    pairs = [(P, P)] * 5 + [(F, F)] * 2 + [(P, F), (F, P), (NA, NA)]
    assert cohen_kappa(pairs) == pytest.approx(0.34 / 0.54)
    assert round(cohen_kappa(pairs) or 0, 5) == 0.62963


def test_kappa_edges() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([(P, P)] * 4) is None  # one category throughout: chance agreement 1
    assert cohen_kappa([(P, P), (F, F)]) == 1.0
    assert cohen_kappa([(P, F), (F, P)]) == -1.0


def test_agreement_per_item_and_overall_over_scorecards() -> None:
    template = loads_template(SMALL)
    first = Scorecard.from_findings(template, [
        f("greeting", True), f("ask_name", True), f("name_used_twice", True)])
    first = first.with_override("name", "failed", "имя не спросил", author_id="q",
                                author_role="qa", at=AT)
    first = first.with_override("apology", "passed", "извинился", author_id="q",
                                author_role="qa", at=AT)  # manual: no automatic value
    second = Scorecard.from_findings(template, [
        f("greeting", False), f("ask_name", True), f("name_used_twice", True),
        f("hold_return", False)])
    report = agreement_report([first, second])
    # pairs: first greet P/P, name P/F, hold NA/NA; second greet F/F, name P/P, hold F/F
    assert report.overall.compared == 6 and report.overall.agreed == 5
    assert report.by_item["name"].agreed == 1 and report.by_item["name"].compared == 2
    assert "apology" not in report.by_item
    # auto: P 3 (greet, name, name), F 2, NA 1; final: P 2, F 3, NA 1
    # p_e = (3*2 + 2*3 + 1*1) / 36 = 13/36; p_o = 5/6
    expected = (5 / 6 - 13 / 36) / (1 - 13 / 36)
    assert report.overall.kappa == pytest.approx(expected)
    assert report.to_dict()["overall"]["share"] == round(5 / 6, 4)


def test_a_real_transcript_through_the_rules_engine_fills_the_shipped_checklist() -> None:
    def u(speaker: str, start: float, end: float, text: str) -> Utterance:
        return Utterance(Speaker(speaker), start, end, text)

    transcript = Transcript.of([
        u("agent", 0, 4, "Здравствуйте. Меня зовут Ольга. Чем я могу Вам помочь?"),
        u("customer", 4.5, 7, "Хочу поменять тариф."),
        u("agent", 7.5, 9, "Скажите, пожалуйста, как Вас зовут?"),
        u("customer", 9.5, 10.5, "Меня зовут Анна."),
        u("agent", 11, 16, "Анна, я уточню информацию для Вас. Это займёт не более минуты. "
                           "Оставайтесь, пожалуйста, на линии. Хорошо?"),
        u("customer", 16.5, 17, "Хорошо."),
        u("agent", 60, 63, "Спасибо за ожидание, Анна. Тариф изменён."),
        u("agent", 64, 66, "Чем ещё могу помочь?"),
        u("customer", 66.5, 67, "Ничем, спасибо."),
    ], channel="call")
    report = evaluate(transcript, default_rulebook("ru"), holds=(HoldInterval(18, 59),))
    findings = [x.to_dict() for x in report.findings]
    findings += [x.to_dict() for x in overtalk_findings((), 67.0, Thresholds())]
    card = Scorecard.from_findings(shipped_template(), findings)
    values = {k: (v.value if v else None) for k, v in card.auto_values().items()}
    assert values == {
        "greeting": "passed", "no_allo": "passed", "ask_name": "passed",
        "name_used_twice": "passed", "no_interruption": "passed", "apology": None,
        "thanked": "passed", "app_offer": "failed", "closing_offer": "passed",
        "hold_procedure": "passed", "hold_time": "passed"}
    # app offer (10) failed of 95 applicable; apology pending
    assert card.auto_score().percent == pytest.approx(100 * 85 / 95)
    assert card.auto_score().pending == ("apology",)
