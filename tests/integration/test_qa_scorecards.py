"""Scorecards on SQLite and PostgreSQL, through the service: auto-score from the stored
findings of an analysis, overrides kept beside the automatic values and audited,
template versions kept, the monthly sample (4 + 3, kept once a half ends, shortfall)
and the per-operator report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpline.domain.agents import Role
from helpline.domain.errors import PermissionDenied
from helpline.quality.scorecards.errors import (
    ContactNotFound,
    OverrideInvalid,
    ScorecardNotFound,
    TemplateChanged,
    TemplateNotFound,
    UnknownItem,
)
from helpline.quality.scorecards.template import shipped_template_text
from helpline.services import audit, qa_scorecards
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.qa_scorecards import parse_template
from helpline.store.qa_scorecard_tables import (
    QaSampleDrawRow,
    QaScorecardOverrideRow,
    QaScorecardTemplateRow,
)
from tests.conftest import ManualClock
from tests.integration.qa_scorecard_helpers import (
    BAD_CALL,
    MSK,
    analysed,
    transcribed,
)

QA = Actor("qa-1", Role.QA)


def fresh_qa() -> Actor:
    """The audit log is append-only (never emptied between tests): an id of its own."""
    return Actor(f"qa-{uuid.uuid4().hex[:12]}", Role.QA)
NOV_3 = datetime(2026, 11, 3, 10, 0, tzinfo=MSK)
GOOD_VALUES = {
    "greeting": "passed", "no_allo": "passed", "ask_name": "passed",
    "name_used_twice": "passed", "no_interruption": None, "apology": None,
    "thanked": "passed", "app_offer": "failed", "closing_offer": "passed",
    "hold_procedure": "passed", "hold_time": "passed"}


def values(card: dict[str, object], key: str = "auto") -> dict[str, object]:
    return {i["id"]: i[key] for i in card["items"]}  # type: ignore[index, union-attr]


def test_score_a_contact_from_its_stored_findings(ctx: ServiceContext) -> None:
    analysed(ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
    with pytest.raises(ScorecardNotFound):
        qa_scorecards.get_scorecard(ctx, "rec-1.wav")
    card = qa_scorecards.score_contact(ctx, "rec-1.wav").to_json()
    assert values(card) == GOOD_VALUES
    assert values(card, "final") == GOOD_VALUES
    # applicable 85 (everything but the two pending items), app offer (10) failed
    assert card["score"]["percent"] == round(100 * 75 / 85, 2)
    assert card["score"]["pending"] == ["no_interruption", "apology"]
    assert card["template"] == {"name": "mts_call_ru", "version": 1,
                                "title": "Оценка звонка (стандарт телефонного обслуживания)"}
    assert (card["agent_id"], card["started_at"]) == ("anna", "2026-11-03T07:00:00+00:00")
    app = next(i for i in card["items"] if i["id"] == "app_offer")
    assert app["findings"][0]["rule"] == "app_offer" and not app["findings"][0]["passed"]
    assert qa_scorecards.get_scorecard(ctx, "rec-1.wav").to_json()["items"] == card["items"]
    with ctx.uow() as uow:
        stored = uow.session.scalars(select(QaScorecardTemplateRow)).all()
    assert [(t.name, t.version) for t in stored] == [("mts_call_ru", 1)]
    assert stored[0].body == shipped_template_text("mts_call_ru")

    analysed(ctx, "rec-2.wav", agent="anna", started_at=NOV_3, lines=BAD_CALL, holds=())
    worse = qa_scorecards.score_contact(ctx, "rec-2.wav").to_json()
    assert worse["score"]["percent"] == 0.0
    assert worse["score"]["critical_failed"] == ["greeting"]
    assert values(worse)["no_allo"] == "failed"
    assert values(worse)["hold_procedure"] == "not_applicable"  # no hold in the call


def test_a_contact_known_only_by_its_transcript_is_left_to_qa(ctx: ServiceContext) -> None:
    transcribed(ctx, "chat-9", agent="boris", started_at=NOV_3)
    card = qa_scorecards.score_contact(ctx, "chat-9").to_json()
    assert set(values(card).values()) == {None}  # no analysis: no findings
    assert card["score"]["percent"] is None and not card["score"]["complete"]
    with pytest.raises(ContactNotFound):
        qa_scorecards.score_contact(ctx, "nobody")


def test_override_keeps_the_automatic_value_and_is_audited(
        ctx: ServiceContext, clock: ManualClock) -> None:
    qa = fresh_qa()
    analysed(ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
    with pytest.raises(ScorecardNotFound):
        qa_scorecards.override_item(ctx, "rec-1.wav", "app_offer", "passed", "да", actor=qa)
    qa_scorecards.score_contact(ctx, "rec-1.wav")
    clock.advance(60)
    view = qa_scorecards.override_item(
        ctx, "rec-1.wav", "app_offer", "passed",
        "Предложила «Мой МТС» словами «наше приложение»", actor=qa)
    card = view.to_json()
    app = next(i for i in card["items"] if i["id"] == "app_offer")
    assert (app["auto"], app["final"]) == ("failed", "passed")
    assert app["override"]["comment"] == "Предложила «Мой МТС» словами «наше приложение»"
    assert app["override"]["author_id"] == qa.user_id
    assert card["auto_score"]["percent"] == round(100 * 75 / 85, 2)
    assert card["score"]["percent"] == 100.0
    # a manual item gets its value from QA only
    view = qa_scorecards.override_item(ctx, "rec-1.wav", "apology", "failed",
                                       "не извинилась за сбой", actor=Actor("adm", Role.ADMIN))
    assert view.to_json()["score"]["percent"] == round(100 * 85 / 90, 2)
    # a second override of one item: the newest is in force, both are kept
    qa_scorecards.override_item(ctx, "rec-1.wav", "app_offer", "failed", "перепроверила",
                                actor=qa)
    again = qa_scorecards.get_scorecard(ctx, "rec-1.wav")
    assert values(again.to_json(), "final")["app_offer"] == "failed"
    assert [(h.item, h.override.value.value) for h in again.history] == [
        ("app_offer", "passed"), ("apology", "failed"), ("app_offer", "failed")]

    entries = [e for e in audit.search(ctx, action=audit.QA_SCORECARD_OVERRIDE)
               if e.contact_id == "rec-1.wav" and e.at >= clock.now - timedelta(minutes=5)
               and e.user_id in (qa.user_id, "adm")]  # the audit log outlives other tests
    assert len(entries) == 3
    first = entries[-1]
    assert (first.user_id, first.role, first.outcome) == (qa.user_id, "qa", "done")
    assert first.reason == "Предложила «Мой МТС» словами «наше приложение»"
    assert first.params == {"auto": "failed", "contact": "rec-1.wav", "item": "app_offer",
                            "previous": "failed", "template": "mts_call_ru",
                            "template_version": "1", "value": "passed"}
    assert first.contact_id == "rec-1.wav"
    assert entries[0].params["previous"] == "passed"

    # re-scoring refreshes the automatic values and keeps the overrides
    rescored = qa_scorecards.score_contact(ctx, "rec-1.wav").to_json()
    assert values(rescored, "final")["apology"] == "failed"
    assert len(rescored["history"]) == 3


def test_override_checks(ctx: ServiceContext) -> None:
    qa = fresh_qa()
    analysed(ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
    qa_scorecards.score_contact(ctx, "rec-1.wav")
    with pytest.raises(PermissionDenied):
        qa_scorecards.override_item(ctx, "rec-1.wav", "app_offer", "passed", "x",
                                    actor=Actor("sv", Role.SUPERVISOR))
    with pytest.raises(OverrideInvalid):
        qa_scorecards.override_item(ctx, "rec-1.wav", "app_offer", "passed", "  ", actor=qa)
    with pytest.raises(OverrideInvalid):
        qa_scorecards.override_item(ctx, "rec-1.wav", "app_offer", "good", "x", actor=qa)
    with pytest.raises(UnknownItem):
        qa_scorecards.override_item(ctx, "rec-1.wav", "smile", "passed", "x", actor=qa)
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count(QaScorecardOverrideRow.id))) == 0
    assert audit.search(ctx, user_id=qa.user_id) == []


CUSTOM = """
[template]
name = "short_ru"
version = 1
title = { ru = "Короткий", en = "Short" }

[[items]]
id = "greeting"
title = { ru = "Приветствие", en = "Greeting" }
weight = 50
critical = true
rules = ["greeting"]

[[items]]
id = "closing_offer"
title = { ru = "Чем ещё могу помочь", en = "Anything else" }
weight = 50
rules = ["closing_offer"]
"""


def test_template_versions_are_kept(ctx: ServiceContext) -> None:
    analysed(ctx, "rec-1.wav", agent="anna", started_at=NOV_3)
    v1 = qa_scorecards.score_contact(ctx, "rec-1.wav", custom=parse_template(CUSTOM))
    assert [i.item.id for i in v1.card.states()] == ["greeting", "closing_offer"]
    qa_scorecards.override_item(ctx, "rec-1.wav", "closing_offer", "failed", "скомкано",
                                actor=QA, template="short_ru")
    # the same version with another body is refused
    changed = CUSTOM.replace("weight = 50\nrules", "weight = 40\nrules", 1)
    with pytest.raises(TemplateChanged):
        qa_scorecards.score_contact(ctx, "rec-1.wav", custom=parse_template(changed))
    # a new version is a scorecard of its own, beside the old one
    v2_text = changed.replace("version = 1", "version = 2") + """
[[items]]
id = "app_offer"
title = { ru = "Приложение", en = "App" }
weight = 10
rules = ["app_offer"]
"""
    v2 = qa_scorecards.score_contact(ctx, "rec-1.wav", custom=parse_template(v2_text))
    assert [i.item.id for i in v2.card.states()] == ["greeting", "closing_offer", "app_offer"]
    assert v2.card.overrides == {}
    assert ("short_ru", 1) in v2.versions and ("short_ru", 2) in v2.versions
    # by name: the highest stored version; by version: the old one, with its own items
    assert qa_scorecards.get_scorecard(ctx, "rec-1.wav", template="short_ru").card \
        .template.version == 2
    old = qa_scorecards.get_scorecard(ctx, "rec-1.wav", template="short_ru", version=1)
    assert [i.item.id for i in old.card.states()] == ["greeting", "closing_offer"]
    assert old.card.template.item("greeting").weight == 50
    assert values(old.to_json(), "final")["closing_offer"] == "failed"
    # scoring by name and version reads the stored body
    again = qa_scorecards.score_contact(ctx, "rec-1.wav", template="short_ru", version=1)
    assert values(again.to_json(), "final")["closing_offer"] == "failed"
    with pytest.raises(TemplateNotFound):
        qa_scorecards.score_contact(ctx, "rec-1.wav", template="short_ru", version=7)
    with pytest.raises(TemplateNotFound):
        qa_scorecards.score_contact(ctx, "rec-1.wav", template="nope")


def _month_of_contacts(ctx: ServiceContext) -> None:
    """anna: 6 analysed contacts on days 1-15 and 5 transcribed after; boris: 2 + 1."""
    for day in (1, 3, 5, 8, 12, 15):
        analysed(ctx, f"a-{day:02d}", agent="anna",
                 started_at=datetime(2026, 11, day, 23, 30, tzinfo=MSK))
    for day in (16, 18, 22, 27, 30):
        transcribed(ctx, f"a-{day:02d}", agent="anna",
                    started_at=datetime(2026, 11, day, 9, 0, tzinfo=MSK))
    for day in (2, 14, 20):
        transcribed(ctx, f"b-{day:02d}", agent="boris",
                    started_at=datetime(2026, 11, day, 9, 0, tzinfo=MSK))
    # outside the month, in the contact centre's zone: 1 December 00:30 MSK
    transcribed(ctx, "a-dec", agent="anna", started_at=datetime(2026, 11, 30, 21, 30,
                                                                tzinfo=UTC))


def test_monthly_sample_4_plus_3_kept_once_the_half_ends(
        ctx: ServiceContext, clock: ManualClock) -> None:
    _month_of_contacts(ctx)
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # first half over, second not
    sample = qa_scorecards.draw_sample(ctx, "2026-11").to_json()
    by_agent = {o["agent_id"]: o for o in sample["operators"]}
    anna = by_agent["anna"]
    assert [h["drawn"] for h in anna["halves"]] == [4, 3]
    assert [h["final"] for h in anna["halves"]] == [True, False]
    assert {c["contact"] for c in anna["halves"][0]["contacts"]} <= {
        "a-01", "a-03", "a-05", "a-08", "a-12", "a-15"}
    assert all(c["day"] <= "2026-11-15" for c in anna["halves"][0]["contacts"])
    assert "a-dec" not in str(anna)
    boris = by_agent["boris"]
    assert (boris["drawn"], boris["shortfall"]) == (3, 4)
    assert [(h["available"], h["shortfall"]) for h in boris["halves"]] == [(2, 2), (1, 2)]
    with ctx.uow() as uow:
        kept = uow.session.scalars(select(QaSampleDrawRow)).all()
    assert sorted((r.agent_id, r.half) for r in kept) == [("anna", 1), ("boris", 1)]

    # a contact stored late does not change a kept half; reading again is stable
    first = anna["halves"][0]["contacts"]
    for n in range(5):
        transcribed(ctx, f"late-{n}", agent="anna",
                    started_at=datetime(2026, 11, 4, 9, 0, tzinfo=MSK))
    clock.now = datetime(2026, 12, 1, 0, 5, tzinfo=MSK)
    later = qa_scorecards.draw_sample(ctx, "2026-11").to_json()
    anna_later = {o["agent_id"]: o for o in later["operators"]}["anna"]
    assert anna_later["halves"][0]["contacts"] == first
    assert [h["final"] for h in anna_later["halves"]] == [True, True]
    assert qa_scorecards.draw_sample(ctx, "2026-11").to_json() == later
    # another plan (N = 5: 3 + 2) is a draw of its own
    five = qa_scorecards.draw_sample(ctx, "2026-11", per_operator=5).to_json()
    assert [h["requested"] for h in five["operators"][0]["halves"]] == [3, 2]


def test_monthly_report_per_operator(ctx: ServiceContext, clock: ManualClock) -> None:
    _month_of_contacts(ctx)
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    sample = qa_scorecards.draw_sample(ctx, "2026-11").to_json()
    anna_sample = {o["agent_id"]: o for o in sample["operators"]}["anna"]
    picked = [c["contact"] for h in anna_sample["halves"] for c in h["contacts"]]
    analysed_picks = [ref for ref in picked if ref <= "a-15"]
    assert len(analysed_picks) == 4
    for ref in analysed_picks:
        qa_scorecards.score_contact(ctx, ref)
    # QA disagrees on app_offer once and fills the manual items of one card
    qa_scorecards.override_item(ctx, analysed_picks[0], "app_offer", "passed",
                                "предложила", actor=QA)
    for item in ("apology", "no_interruption"):
        qa_scorecards.override_item(ctx, analysed_picks[1], item, "passed", "ок", actor=QA)
    report = qa_scorecards.monthly_report(ctx, "2026-11", language="en").to_json()
    rows = {r["agent_id"]: r for r in report["operators"]}
    anna = rows["anna"]
    assert (anna["sampled"], anna["scored"], anna["scored_in_sample"]) == (7, 4, 4)
    assert anna["complete"] == 1 and anna["sample_final"] is True
    base = 100 * 75 / 85
    # app offer corrected: 85/85; manual items filled: 90/100; two untouched: 75/85
    expected = [100.0, 90.0, base, base]
    assert anna["average_score"] == pytest.approx(sum(expected) / 4, abs=0.01)
    assert anna["average_auto_score"] == round(base, 2)
    assert anna["items_failed_most"][0] == {
        "item": "app_offer", "title": "Offered the self-service app «Мой МТС»",
        "failed": 3, "judged": 4}
    # 4 cards x 9 auto-filled items; one disagreement (app_offer: failed -> passed)
    overall = anna["agreement"]["overall"]
    assert (overall["compared"], overall["agreed"]) == (36, 35)
    assert anna["agreement"]["by_item"]["app_offer"]["agreed"] == 3
    assert anna["agreement"]["by_item"]["app_offer"]["kappa"] == 0.0
    assert "apology" not in anna["agreement"]["by_item"]
    listed = {c["contact"]: c for c in anna["contacts"]}
    assert all(listed[ref]["scored"] for ref in analysed_picks)
    boris = rows["boris"]
    assert (boris["sampled"], boris["sample_shortfall"], boris["scored"]) == (3, 4, 0)
    assert boris["average_score"] is None
    only = qa_scorecards.monthly_report(ctx, "2026-11", agent_id="boris").to_json()
    assert [r["agent_id"] for r in only["operators"]] == ["boris"]
    assert report["agreement"]["overall"] == overall
