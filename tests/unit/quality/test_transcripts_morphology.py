"""Lemmas and phrase matching: word forms, ё/е, extra words inside a phrase, wildcards,
proximity, barriers between speakers."""

from __future__ import annotations

import pytest

from helpline.quality.transcripts.morphology import (
    Phrase,
    contains_phrase,
    find_phrase,
    first_name_lemma,
    lemma,
    lemma_sequence,
    lemmas,
    name_forms,
    near,
    person_name_kind,
    tokenize,
)


def test_tokens_keep_offsets_hyphens_and_masks() -> None:
    text = "Какой-то номер: [phone], ok?"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["Какой-то", "номер", "[phone]", "ok"]
    assert all(text[t.start:t.end] == t.text for t in tokens)


@pytest.mark.parametrize(("text", "phrase"), [
    # word forms: «займёт не более минуты» / «займет не больше минуты» (seed 004)
    ("Это займёт не более минуты", "займет не более минута"),
    ("уточню информацию для вас", "уточнить информация"),
    ("Спасибо за длительное ожидание", "спасибо за * ожидание"),
    ("Я буду рада Вам помочь", "я буду рад вам помочь"),
    # ё / е, in the text and in the pattern
    ("Чем еще могу помочь?", "чем ещё могу помочь"),
    ("Чем ещё могу помочь?", "чем еще могу помочь"),
    ("ЧЕМ ЕЩЁ МОГУ ПОМОЧЬ", "чем еще могу помочь"),
])
def test_phrases_match_by_lemma(text: str, phrase: str) -> None:
    assert contains_phrase(text, phrase)


def test_phrase_is_not_a_bag_of_words() -> None:
    assert not contains_phrase("помочь могу чем ещё", "чем ещё могу помочь")
    assert not contains_phrase("Добрый день", "доброе утро")


def test_slop_allows_extra_words_inside() -> None:
    text = "Чем ещё я могу вам помочь?"
    assert not contains_phrase(text, "чем ещё могу помочь", slop=1)
    assert contains_phrase(text, "чем ещё могу помочь", slop=2)


def test_wildcard_is_one_word() -> None:
    phrase = Phrase.parse("меня зовут * чем я могу вам помочь")
    assert find_phrase(phrase, lemma_sequence("Меня зовут Ольга. Чем я могу Вам помочь?"))
    assert not find_phrase(phrase, lemma_sequence("Меня зовут. Чем я могу Вам помочь?"))
    match = find_phrase(Phrase.parse("меня зовут *"), lemma_sequence("а меня зовут Анна"))[0]
    assert match.positions == (1, 2, 3)


def test_matches_do_not_cross_a_barrier() -> None:
    seq = [*lemma_sequence("спасибо за"), None, *lemma_sequence("ожидание")]
    assert not find_phrase(Phrase.parse("спасибо за ожидание"), seq, slop=3)


def test_near_within_n_words() -> None:
    seq = lemma_sequence("установите приложение, оно называется Мой МТС")
    x, y = Phrase.parse("приложение"), Phrase.parse("мой мтс")
    assert near(seq, x, y, within_words=3)  # «оно называется» — 2 words between
    assert not near(seq, x, y, within_words=1)
    assert near(lemma_sequence("Мой МТС — это приложение"), x, y, within_words=2)
    assert not near(lemma_sequence("Мой МТС — это приложение"), x, y, within_words=2,
                    ordered=True)


def test_lemmas_and_names() -> None:
    assert lemmas("зовут") >= {"звать"}
    assert lemma("Анну") == "анна"
    assert lemma("ещё") == "еще"
    assert first_name_lemma("Анной") == "анна"
    assert first_name_lemma("тариф") is None
    assert person_name_kind("Петровна") == "Patr"
    assert person_name_kind("Иванов") == "Surn"
    assert person_name_kind("сим-карты") is None  # pymorphy lists «Сима» first, by mistake
    assert {"анна", "анну", "анне", "анной"} <= name_forms("Анна")
