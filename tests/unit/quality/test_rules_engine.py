"""Every rule of the default rulebook (written from seed 004), in its passing and failing
forms, on hand-written transcripts that quote the standard's own phrases."""

from __future__ import annotations

import json

import pytest

from helpline.quality.transcripts.errors import UnknownRole
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.rules import Finding, evaluate
from helpline.quality.transcripts.rules_config import Rulebook, default_rulebook

RULEBOOK: Rulebook = default_rulebook("ru")

GREETING = "Здравствуйте. Меня зовут Ольга. Чем я могу Вам помочь?"  # seed 004, специалист
SENIOR_GREETING = ("Здравствуйте, специалист экспертного направления, Ольга. "
                   "Я буду рада Вам помочь.")
PAID_GREETING = "МТС. Здравствуйте. Меня зовут Ольга. Чем я могу Вам помочь?"
HOLD_PHRASE = ("Я уточню информацию для Вас. Это займёт не более минуты. "
               "Оставайтесь, пожалуйста, на линии. Хорошо?")


def call(*lines: tuple[str, float, float, str], channel: str = "call") -> Transcript:
    return Transcript.of([Utterance(Speaker(s), a, b, t) for s, a, b, t in lines],
                         channel=channel)


def found(transcript: Transcript, rule: str, *, role: str = "agent",
          holds: tuple[HoldInterval, ...] = ()) -> list[Finding]:
    report = evaluate(transcript, RULEBOOK, role=role, holds=holds)
    return [f for f in report.findings if f.rule == rule]


def one(transcript: Transcript, rule: str, **kwargs: object) -> Finding:
    findings = found(transcript, rule, **kwargs)  # type: ignore[arg-type]
    assert len(findings) == 1, findings
    return findings[0]


# -- greeting by role -------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "greeting"), [
    ("agent", GREETING), ("ookk", GREETING), ("supervisor", GREETING),
    ("senior", SENIOR_GREETING), ("paid_line", PAID_GREETING),
])
def test_greeting_of_the_role_passes(role: str, greeting: str) -> None:
    finding = one(call(("agent", 0, 4, greeting)), "greeting", role=role)
    assert finding.passed
    assert finding.evidence[0].start == 0 and finding.evidence[0].speaker == "agent"


def test_greeting_of_another_role_fails_and_says_whose_it_is() -> None:
    finding = one(call(("agent", 0, 4, GREETING)), "greeting", role="senior")
    assert not finding.passed
    assert "role senior" in finding.message and "agent" in finding.message
    assert finding.evidence[0].text == GREETING
    assert not one(call(("agent", 0, 4, GREETING)), "greeting", role="paid_line").passed


def test_greeting_split_by_the_recogniser_still_counts() -> None:
    transcript = call(("agent", 0, 1, "здравствуйте"),
                      ("agent", 1.2, 4, "меня зовут ольга чем я могу вам помочь"))
    assert one(transcript, "greeting").passed


def test_greeting_missing_fails() -> None:
    transcript = call(("agent", 0, 2, "Слушаю."), ("customer", 2.5, 4, "Здравствуйте"),
                      ("agent", 5, 7, "Меня зовут Ольга."))
    assert not one(transcript, "greeting").passed


def test_unknown_role_is_an_error() -> None:
    with pytest.raises(UnknownRole, match="paid_line"):
        evaluate(call(("agent", 0, 1, GREETING)), RULEBOOK, role="boss")


# -- forbidden words ---------------------------------------------------------------------------
def test_time_of_day_greeting_is_forbidden_in_the_greeting_only() -> None:
    bad = call(("agent", 0, 4, "Добрый день! Меня зовут Ольга. Чем я могу Вам помочь?"))
    finding = one(bad, "no_time_of_day_greeting")
    assert not finding.passed and finding.evidence[0].matched == "Добрый день"
    good = call(("agent", 0, 4, GREETING), ("customer", 5, 6, "Спасибо, всё."),
                ("agent", 7, 8, "Спасибо за звонок."), ("agent", 8, 9, "Доброго дня!"))
    assert one(good, "no_time_of_day_greeting").passed


def test_allo_is_forbidden_each_time() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("agent", 9, 10, "Алло?"),
                      ("agent", 14, 15, "Алло, вас не слышно"))
    findings = found(transcript, "no_allo")
    assert [(f.passed, f.start) for f in findings] == [(False, 9), (False, 14)]
    assert one(call(("agent", 0, 4, GREETING)), "no_allo").passed


# -- silence after the greeting ------------------------------------------------------------------
def test_silence_answered_as_the_standard_says() -> None:
    transcript = call(("agent", 0, 4, GREETING),
                      ("agent", 10, 12, "Вас не слышно, говорите, пожалуйста."),
                      ("agent", 18, 20, "Говорите, пожалуйста, Вас не слышно."),
                      ("customer", 21, 22, "Да, алло, извините."))
    finding = one(transcript, "silence_response")
    assert finding.passed and finding.applicable
    assert (finding.start, finding.end) == (4, 21)


def test_silence_answered_with_allo_fails() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("agent", 10, 11, "Алло? Алло?"),
                      ("customer", 14, 15, "Да, слышу."))
    assert not one(transcript, "silence_response").passed
    assert not found(transcript, "no_allo")[0].passed


def test_no_silence_no_judgement() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("customer", 5, 6, "Здравствуйте."))
    finding = one(transcript, "silence_response")
    assert finding.passed and not finding.applicable


# -- the customer's name --------------------------------------------------------------------------
def test_name_asked_with_a_question_of_the_standard() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("customer", 5, 8, "Хочу сменить тариф."),
                      ("agent", 9, 11, "Как я могу к Вам обращаться?"),
                      ("customer", 12, 13, "Анна."))
    assert one(transcript, "ask_name").passed


def test_name_not_asked_fails_unless_the_customer_gave_it() -> None:
    asked_nothing = call(("agent", 0, 4, GREETING), ("customer", 5, 8, "Хочу сменить тариф."))
    assert not one(asked_nothing, "ask_name").passed
    introduced = call(("agent", 0, 4, GREETING),
                      ("customer", 5, 8, "Здравствуйте, меня зовут Анна, хочу сменить тариф."))
    finding = one(introduced, "ask_name")
    assert finding.passed and not finding.applicable


def test_name_used_twice_passes_in_any_case_form() -> None:
    transcript = call(
        ("agent", 0, 4, GREETING),
        ("customer", 5, 8, "Это Анна Петровна, у меня списали деньги."),
        ("agent", 9, 12, "Анна Петровна, я проверю."),
        ("agent", 30, 33, "Спасибо за ожидание. Я отправила Анне смс с деталями."),
    )
    finding = one(transcript, "name_used_twice")
    assert finding.passed
    assert [e.matched for e in finding.evidence] == ["Анна", "Анна", "Анне"]
    assert "2 time(s)" in finding.message


def test_name_used_once_fails_and_the_agents_own_name_does_not_count() -> None:
    transcript = call(
        ("agent", 0, 4, "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?"),
        ("customer", 5, 8, "Меня зовут Анна, не работает интернет."),
        ("agent", 9, 12, "Анна, сейчас проверю."),
    )
    finding = one(transcript, "name_used_twice")
    assert not finding.passed
    assert "1 time(s)" in finding.message


def test_name_from_the_answer_to_the_question() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("agent", 5, 7, "Как вас зовут?"),
                      ("customer", 8, 9, "Сергей."),
                      ("agent", 10, 12, "Сергей, слушаю вас."),
                      ("agent", 13, 15, "Сергей, тариф изменён."))
    finding = one(transcript, "name_used_twice")
    assert finding.passed and finding.evidence[0].matched == "Сергей"


def test_name_not_given_is_not_applicable() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("customer", 5, 8, "Я по поводу долга."))
    finding = one(transcript, "name_used_twice")
    assert finding.passed and not finding.applicable


def test_name_rule_works_on_a_redacted_transcript() -> None:
    transcript = call(("agent", 0, 4, "Здравствуйте. Меня зовут [name]. Чем я могу Вам помочь?"),
                      ("customer", 5, 8, "Меня зовут [name]."),
                      ("agent", 9, 12, "[name], слушаю."), ("agent", 13, 15, "Спасибо, [name]."))
    assert one(transcript, "name_used_twice").passed


# -- polite words (a count), the app (near) ------------------------------------------------
def test_polite_words_counted() -> None:
    assert one(call(("agent", 0, 4, GREETING), ("agent", 5, 6, "Будьте добры, номер.")),
               "polite_words").passed
    finding = one(call(("agent", 0, 4, GREETING), ("agent", 5, 6, "Номер давайте.")),
                  "polite_words")
    assert not finding.passed and finding.message.startswith("0 time(s)")


def test_app_offered_near() -> None:
    offered = call(("agent", 0, 4, GREETING),
                   ("agent", 5, 9, "Баланс удобно смотреть в приложении «Мой МТС»."))
    finding = one(offered, "app_offer")
    assert finding.passed and finding.evidence[0].matched == "приложении «Мой МТС"
    apart = call(("agent", 0, 4, GREETING),
                 ("agent", 5, 9, "Есть приложение, а ещё сайт, где раздел Мой МТС."))
    assert not one(apart, "app_offer").passed


# -- holds --------------------------------------------------------------------------------------
def _hold_call(announcement: str, back: str, hold: tuple[float, float] = (20, 75),
               ) -> tuple[Transcript, tuple[HoldInterval, ...]]:
    transcript = call(("agent", 0, 4, GREETING),
                      ("customer", 5, 9, "Почему списали деньги?"),
                      ("agent", 11, 18, announcement), ("customer", 18.5, 19, "Хорошо."),
                      ("agent", hold[1] + 1, hold[1] + 5, back))
    return transcript, (HoldInterval(*hold),)


@pytest.mark.parametrize("announcement", [
    HOLD_PHRASE,
    "Изменение тарифного плана займёт не больше минуты. Оставайтесь, пожалуйста, на линии. "
    "Вы согласны?",
])
def test_hold_announced_with_purpose_time_and_consent(announcement: str) -> None:
    transcript, holds = _hold_call(announcement, "Спасибо за ожидание.")
    finding = one(transcript, "hold_announcement", holds=holds)
    assert finding.passed, finding.message
    assert finding.end == 20


@pytest.mark.parametrize(("announcement", "missing"), [
    ("Я уточню информацию для Вас. Оставайтесь на линии. Хорошо?", "time"),
    ("Это займёт не более минуты. Оставайтесь на линии, хорошо?", "purpose"),
    ("Я уточню информацию для Вас. Это займёт не более минуты.", "consent asked"),
    # «хорошо» before the purpose and the time is no question to the customer
    ("Хорошо, я уточню информацию для Вас, это займёт минуту.", "consent asked"),
])
def test_hold_announcement_incomplete(announcement: str, missing: str) -> None:
    transcript, holds = _hold_call(announcement, "Спасибо за ожидание.")
    finding = one(transcript, "hold_announcement", holds=holds)
    assert not finding.passed
    assert finding.message.endswith(f"missing {missing}")


def test_every_hold_needs_its_own_announcement() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("agent", 11, 18, HOLD_PHRASE),
                      ("agent", 41, 43, "Спасибо за ожидание. Ещё один момент."),
                      ("agent", 81, 83, "Спасибо за ожидание."))
    holds = (HoldInterval(20, 40), HoldInterval(45, 80))
    findings = found(transcript, "hold_announcement", holds=holds)
    assert [f.passed for f in findings] == [True, False]
    assert [f.passed for f in found(transcript, "hold_thanks", holds=holds)] == [True, True]


def test_thanks_after_the_hold() -> None:
    transcript, holds = _hold_call(HOLD_PHRASE, "Спасибо за длительное ожидание, Анна.")
    finding = one(transcript, "hold_thanks", holds=holds)
    assert finding.passed and finding.evidence[0].matched == "Спасибо за длительное ожидание"
    transcript, holds = _hold_call(HOLD_PHRASE, "Итак, услуга подключена.")
    assert not one(transcript, "hold_thanks", holds=holds).passed


def test_hold_limit_is_two_minutes_three_for_seniors() -> None:
    transcript, holds = _hold_call(HOLD_PHRASE, "Спасибо за ожидание.", hold=(20, 145))
    assert not one(transcript, "hold_return", holds=holds).passed  # 125 s > 120 s
    assert one(transcript, "hold_return", holds=holds, role="senior").passed
    transcript, holds = _hold_call(HOLD_PHRASE, "Спасибо за ожидание.", hold=(20, 210))
    finding = one(transcript, "hold_return", holds=holds, role="senior")
    assert not finding.passed and "190 s, limit 180 s" in finding.message


def test_no_hold_rules_not_applicable_without_holds() -> None:
    transcript = call(("agent", 0, 4, GREETING))
    for rule in ("hold_announcement", "hold_thanks", "hold_return"):
        finding = one(transcript, rule)
        assert finding.passed and not finding.applicable


# -- silence without hold ----------------------------------------------------------------------
def test_pause_over_ten_seconds_without_hold_fails() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("customer", 5, 8, "Что с балансом?"),
                      ("agent", 9, 10, "Смотрю."), ("agent", 22.5, 25, "Баланс положительный."))
    finding = one(transcript, "no_long_silence")
    assert not finding.passed
    assert (finding.start, finding.end) == (10, 22.5)
    assert [e.text for e in finding.evidence] == ["Смотрю.", "Баланс положительный."]
    assert one(transcript, "no_long_silence", holds=(HoldInterval(10.5, 22),)).passed


def test_chats_have_no_silence_rules() -> None:
    chat = call(("customer", 0, 0, "Здравствуйте"), ("agent", 60, 60, GREETING),
                channel="chat")
    assert found(chat, "no_long_silence") == []
    assert found(chat, "silence_response") == []
    assert one(chat, "greeting").passed


# -- closing ------------------------------------------------------------------------------------
def test_anything_else_before_closing() -> None:
    transcript = call(("agent", 0, 4, GREETING), ("agent", 50, 53, "Чем ещё я могу Вам помочь?"),
                      ("customer", 54, 55, "Ничем, спасибо."), ("agent", 56, 57, "Всего доброго!"))
    assert one(transcript, "closing_offer").passed
    early = call(("agent", 0, 4, GREETING), ("agent", 5, 6, "Чем ещё могу помочь?"),
                 ("agent", 7, 8, "Тариф изменён."), ("agent", 9, 10, "Смс придёт."),
                 ("agent", 11, 12, "Всего доброго!"))
    assert not one(early, "closing_offer").passed


def test_report_is_json_ready_and_ordered_by_time() -> None:
    transcript, holds = _hold_call(HOLD_PHRASE, "Спасибо за ожидание.")
    report = evaluate(transcript, RULEBOOK, holds=holds)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["summary"]["findings"] == len(report.findings)
    first = data["findings"][0]
    assert {"rule", "passed", "start", "end", "evidence", "message", "applicable"} <= set(first)
    starts = [f["start"] for f in data["findings"]]
    assert starts == sorted(starts)
    rules = {f.rule for f in report.findings}
    assert {r.id for r in RULEBOOK.rules} - {"no_long_silence"} <= rules | {"no_long_silence"}
