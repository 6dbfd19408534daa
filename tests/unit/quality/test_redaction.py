"""Redaction: hand cases with known answers (test card numbers that card networks publish
as Luhn-valid, the MTS Belarus numbers quoted in seed 001, amounts and dates from seed 004),
numbers spoken as words, the reveal policy, and recall / false masks on the generated set."""

from __future__ import annotations

import logging
import time
from collections import Counter

import pytest

from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.redaction import (
    Kind,
    RedactingLogFilter,
    Redactor,
    RevealPolicy,
    may_see_original,
    redact_text,
    redact_transcript,
    text_for_role,
)
from helpline.quality.transcripts.redaction_samples import (
    Sample,
    generate_samples,
    say_group,
    say_number,
)

REDACTOR = Redactor()


@pytest.mark.parametrize(("text", "expected"), [
    # cards: published test numbers (Luhn-valid), grouped, dashed, plain
    ("Карта 4111 1111 1111 1111, спишите.", "Карта [card], спишите."),
    ("Карта 5555-5555-5555-4444.", "Карта [card]."),
    ("карта 4000056655665556", "карта [card]"),
    # one digit off: the Luhn check fails, nothing to mask as a card
    ("Карта 4111 1111 1111 1112.", "Карта 4111 1111 1111 1112."),
    # phones from seed 001 (MTS Belarus) and Russian formats
    ("Звоните +375 29 7770890 из-за границы.", "Звоните [phone] из-за границы."),
    ("С других операторов 8 017 237-98-98.", "С других операторов [phone]."),
    ("Мой номер 8 (916) 123-45-67, запишите.", "Мой номер [phone], запишите."),
    ("Мой номер +7 916 123-45-67.", "Мой номер [phone]."),
    ("Мой номер 89161234567.", "Мой номер [phone]."),
    # passports: the forms the issue names
    ("серия 45 04 номер 123456", "серия [passport] номер [passport]"),
    ("Паспорт 4504 123456, выдан в 2017 году.", "Паспорт [passport], выдан в 2017 году."),
    ("Серия паспорта 4504, номер 123456.", "Серия паспорта [passport], номер [passport]."),
    ("Паспорт РБ MP1234567.", "Паспорт РБ [passport]."),
    # names (seed 004: «Меня зовут Анна, мне 29 лет»; «ответил оператор Михаил»)
    ("Меня зовут Анна, мне 29 лет.", "Меня зовут [name], мне 29 лет."),
    ("Спустя 15 минут ответил оператор Михаил.", "Спустя 15 минут ответил оператор [name]."),
    ("Иванова Анна Сергеевна, 3 сим-карты.", "[name], 3 сим-карты."),
])
def test_hand_cases(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("серия сорок пять ноль четыре номер один два три четыре пять шесть",
     "серия [passport] номер [passport]"),
    ("серия сорок пять, ноль четыре, номер сто двадцать три четыреста пятьдесят шесть",
     "серия [passport], номер [passport]"),
    ("номер четыре один один один один один один один один один один один один один один один",
     "номер [card]"),
    ("карта пятьдесят пять пятьдесят пять пятьдесят пять пятьдесят пять пятьдесят пять "
     "пятьдесят пять сорок четыре сорок четыре всё", "карта [card] всё"),
    ("мой телефон плюс семь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь",
     "мой телефон [phone]"),
    ("восемь девять один шесть один два три четыре пять шесть семь", "[phone]"),
    ("восемь 916 123 45 67 два раза звонил", "[phone] два раза звонил"),
    ("плюс триста семьдесят пять двадцать девять семьсот семьдесят семь ноль восемь девяносто",
     "[phone]"),
    # 600 and 96, not 696: only that reading makes 11 digits
    ("восемь девятьсот девятнадцать шестьсот девяносто шесть ноль девять", "[phone]"),
    # a lone number word after the phone stays
    ("восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь три раза",
     "[phone] три раза"),
])
def test_spoken_numbers(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    # seed 004's amounts, dates, durations and counts
    "Навскидку, ты платишь 300-400 руб. в месяц, по 10-15 руб в день.",
    "Имеется задолженность в сумме 3200 рублей.",
    "О чем сообщил, что 25.10.2017 года онный расторгнут. А 02.11.2017 списывают 650 рублей.",
    "Звонок прервался спустя 1 час 16 минут, ожидание 20 минут.",
    "Мне выдали список из более чем 10 номеров, тремя активно пользовались.",
    "Оклад 21000 рублей + премия до 28% от оклада, в среднем около 30000 рублей.",
    "три тысячи двести рублей за три года",
    "Наберите *100# или короткий номер 0890, тариф «Smart 500», 10 ГБ.",
    "Слава богу, надежда есть: в мае роуминг дешевле, приложение «Мой МТС».",
])
def test_distractors_stay(text: str) -> None:
    redaction = REDACTOR.redact(text)
    assert redaction.text == text, redaction.spans


def test_kinds_and_extra_names_are_configurable() -> None:
    text = "Ковальчук, карта 4111 1111 1111 1111, телефон +7 916 123-45-67."
    phones_only = Redactor(kinds=frozenset({Kind.PHONE}))
    assert phones_only.redact(text).text == (
        "Ковальчук, карта 4111 1111 1111 1111, телефон [phone].")
    everything = Redactor(names=("Ковальчук",)).redact(text)
    assert everything.text == "[name], карта [card], телефон [phone]."
    assert everything.counts() == {"name": 1, "card": 1, "phone": 1}
    assert everything.original == text


def test_transcript_masks_the_customers_name_in_every_form() -> None:
    # recogniser output: lower case; «вера» alone is an ordinary noun, but she said her name
    transcript = Transcript.of([
        Utterance(Speaker.AGENT, 0, 3, "здравствуйте меня зовут ольга чем я могу вам помочь"),
        Utterance(Speaker.CUSTOMER, 4, 6, "меня зовут вера номер восемь девятьсот шестнадцать "
                                          "сто двадцать три сорок пять шестьдесят семь"),
        Utterance(Speaker.AGENT, 7, 9, "вера спасибо я отправлю вере смс"),
    ])
    redacted, redactions = redact_transcript(transcript)
    assert [u.text for u in redacted.utterances] == [
        "здравствуйте меня зовут [name] чем я могу вам помочь",
        "меня зовут [name] номер [phone]",
        "[name] спасибо я отправлю [name] смс",
    ]
    assert redactions[1].original == transcript.utterances[1].text
    assert [u.start for u in redacted.utterances] == [0, 4, 7]


def test_reveal_policy_default_is_nobody() -> None:
    redaction = REDACTOR.redact("Мой номер +7 916 123-45-67.")
    assert not may_see_original(RevealPolicy(), "admin")
    assert text_for_role(redaction, "admin") == "Мой номер [phone]."
    policy = RevealPolicy.of(["qa_lead", " "])
    assert policy.roles == frozenset({"qa_lead"})
    assert text_for_role(redaction, "qa_lead", policy) == "Мой номер +7 916 123-45-67."
    assert text_for_role(redaction, "agent", policy) == "Мой номер [phone]."
    assert text_for_role(redaction, None, policy) == "Мой номер [phone]."


def test_log_filter_masks_messages() -> None:
    record = logging.LogRecord("helpline", logging.INFO, __file__, 1,
                               "customer %s called from %s", ("Анна", "+7 916 123-45-67"), None)
    assert RedactingLogFilter().filter(record)
    assert record.getMessage() == "customer [name] called from [phone]"


# -- the generated set -----------------------------------------------------------------------
def test_generator_is_reproducible_and_speaks_russian() -> None:
    assert generate_samples(50, seed=7) == generate_samples(50, seed=7)
    assert say_number(3200) == "три тысячи двести"
    assert say_group("04") == "ноль четыре"
    assert say_group("916") == "девятьсот шестнадцать"


def _measure(samples: list[Sample]) -> dict[str, float]:
    secrets: Counter[str] = Counter()
    masked: Counter[str] = Counter()
    distractors = distractors_masked = 0
    clean_chars = clean_chars_masked = 0
    for sample in samples:
        spans = REDACTOR.redact(sample.text).spans
        masked_at = {p for s in spans for p in range(s.start, s.end)}
        secret_at: set[int] = set()
        for item in sample.secrets:
            group = "name" if item.kind == "name" else "number"
            secrets[group] += 1
            at = {p for a, b in item.spans for p in range(a, b) if not sample.text[p].isspace()}
            secret_at |= at
            masked[group] += at <= masked_at
        for item in sample.distractors:
            distractors += 1
            distractors_masked += any(p in masked_at for a, b in item.spans for p in range(a, b))
        outside = [p for p in range(len(sample.text))
                   if p not in secret_at and not sample.text[p].isspace()]
        clean_chars += len(outside)
        clean_chars_masked += sum(p in masked_at for p in outside)
    return {"numbers": secrets["number"], "number_recall": masked["number"] / secrets["number"],
            "names": secrets["name"], "name_recall": masked["name"] / secrets["name"],
            "distractors": distractors,
            "false_mask_rate": distractors_masked / distractors,
            "masked_clean_chars": clean_chars_masked / clean_chars}


def test_recall_and_false_masks_on_the_generated_set(capsys: pytest.CaptureFixture[str]) -> None:
    samples = generate_samples()  # 1,500 sentences, fixed seed
    started = time.perf_counter()
    figures = _measure(samples)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nredaction on {len(samples)} generated sentences ({elapsed:.1f} s): "
              f"numbers masked {figures['number_recall']:.2%} of {figures['numbers']:.0f}; "
              f"names masked {figures['name_recall']:.2%} of {figures['names']:.0f}; "
              f"false masks {figures['false_mask_rate']:.2%} of {figures['distractors']:.0f} "
              f"distractors; {figures['masked_clean_chars']:.2%} of non-secret characters "
              "masked")
    assert figures["number_recall"] >= 0.99
    assert figures["name_recall"] >= 0.99
    assert figures["false_mask_rate"] <= 0.01
    assert figures["masked_clean_chars"] <= 0.005
