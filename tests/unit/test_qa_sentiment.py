"""The sentiment baseline: metrics against a hand-computed example, the rules (negation,
intensifiers, clauses, customer weighting), the evaluation set's shape and the
baseline's macro-F1 on the held-out split."""

from __future__ import annotations

from collections import Counter

import pytest

from helpline.quality.search.lemmas import default_lemmatizer
from helpline.quality.sentiment.evaluation import evaluate, load_examples
from helpline.quality.sentiment.lexicon import (
    INTENSIFIERS,
    NEGATORS,
    NEUTRAL_PHRASES,
    PHRASES,
    WORDS,
)
from helpline.quality.sentiment.metrics import classification_report
from helpline.quality.sentiment.rules import Sentiment, score_contact, score_text

LABELS = ["negative", "neutral", "positive"]
#: The held-out macro-F1 the baseline must keep (measured 0.964 when it was written).
MACRO_F1_FLOOR = 0.85


def test_metrics_match_a_hand_computed_example() -> None:
    gold = ["neutral", "neutral", "neutral", "neutral", "positive", "positive",
            "negative", "negative"]
    pred = ["neutral", "neutral", "positive", "neutral", "positive", "neutral",
            "negative", "neutral"]
    report = classification_report(gold, pred, LABELS)
    # negative: 1 of 1 predicted right, 1 of 2 found
    neg = report.scores("negative")
    assert (neg.precision, neg.recall, neg.support, neg.predicted) == (1.0, 0.5, 2, 1)
    assert neg.f1 == pytest.approx(2 / 3)
    # neutral: 3 of 5 predicted right, 3 of 4 found -> F1 = 2*0.6*0.75/1.35
    neu = report.scores("neutral")
    assert (neu.precision, neu.recall) == (0.6, 0.75)
    assert neu.f1 == pytest.approx(2 / 3)
    # positive: 1 of 2 predicted right, 1 of 2 found
    pos = report.scores("positive")
    assert (pos.precision, pos.recall, pos.f1) == (0.5, 0.5, 0.5)
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0.5) / 3)
    assert report.accuracy == 5 / 8
    assert report.confusion == ((1, 1, 0), (0, 3, 1), (0, 1, 1))


def test_a_class_never_predicted_scores_zero_and_accuracy_misleads() -> None:
    gold = ["neutral"] * 85 + ["positive"] * 8 + ["negative"] * 7
    always_neutral = classification_report(gold, ["neutral"] * 100, LABELS)
    assert always_neutral.accuracy == 0.85
    assert always_neutral.scores("positive").precision == 0.0
    assert always_neutral.scores("negative").f1 == 0.0
    assert always_neutral.macro_f1 == pytest.approx((2 * 0.85 / 1.85) / 3)  # about 0.31
    with pytest.raises(ValueError):
        classification_report(["neutral"], ["angry"], LABELS)
    with pytest.raises(ValueError):
        classification_report(["neutral"], [], LABELS)


def label(text: str) -> Sentiment:
    return score_text(text).label


def test_negation_flips() -> None:
    assert label("Я доволен вашей работой.") is Sentiment.POSITIVE
    assert label("Я не доволен вашей работой.") is Sentiment.NEGATIVE
    assert label("Мне очень понравилось.") is Sentiment.POSITIVE
    assert label("Мне совсем не понравилось.") is Sentiment.NEGATIVE
    assert score_text("Это плохо.").score < 0 < score_text("Это не плохо.").score
    # a negated complaint is only mildly positive
    assert label("Это не плохо.") is Sentiment.NEUTRAL
    # negation stays in its clause: «без связи?» does not flip «Безобразие»
    assert label("Кто компенсирует три дня без связи? Безобразие.") is Sentiment.NEGATIVE
    assert label("Деньги не пришли, но вы молодец!") is Sentiment.POSITIVE


def test_intensifiers_exclamation_and_fixed_expressions() -> None:
    assert score_text("Очень приятно.").score > score_text("Приятно.").score
    assert score_text("Отлично!").score > score_text("Отлично.").score
    assert score_text("Это УЖАС.").score < score_text("Это ужас.").score
    for polite in ("Добрый день.", "Всего доброго.", "Спасибо, до свидания.",
                   "Спасибо большое, до свидания.", "Спасибо за ожидание.",
                   "Меня плохо слышно.", "Хорошо, спасибо."):
        assert label(polite) is Sentiment.NEUTRAL, polite
    assert label("Огромное спасибо, вы очень помогли!") is Sentiment.POSITIVE
    assert label("Сколько можно! Третий раз звоню.") is Sentiment.NEGATIVE


def test_a_contact_weighs_the_customer_over_the_agent() -> None:
    cheerful_agent = [("agent", "Отлично! Замечательно! Прекрасно!"),
                      ("customer", "Какой у меня баланс?")]
    assert score_contact(cheerful_agent).label is Sentiment.NEUTRAL
    angry_customer = [("agent", "Спасибо за ожидание, всё отлично."),
                      ("customer", "Это безобразие, я буду жаловаться.")]
    assert score_contact(angry_customer).label is Sentiment.NEGATIVE
    thanked = [("customer", "Подключите роуминг."), ("agent", "Готово."),
               ("customer", "Огромное спасибо, вы меня выручили!")]
    assert score_contact(thanked).label is Sentiment.POSITIVE


def test_lexicon_entries_are_lemmas() -> None:
    """An entry pymorphy3 would lemmatise differently could never match."""
    lemmatizer = default_lemmatizer()
    words = [*WORDS, *NEGATORS, *INTENSIFIERS,
             *(w for p in (*PHRASES, *NEUTRAL_PHRASES) for w in p)]
    assert [w for w in words if lemmatizer.lemmas(w) != (w,)] == []


def test_the_evaluation_set_is_shaped_like_seed_001() -> None:
    examples = load_examples()
    counts = Counter(e.label for e in examples)
    total = len(examples)
    assert total >= 300
    assert counts["negative"] >= 20 and counts["positive"] >= 25
    assert abs(counts["neutral"] / total - 0.85) < 0.02
    assert abs(counts["positive"] / total - 0.08) < 0.02
    assert abs(counts["negative"] / total - 0.07) < 0.02
    assert len({e.id for e in examples}) == total
    for name in LABELS:  # each class split in halves
        per_split = Counter(e.split for e in examples if e.label == name)
        assert abs(per_split["dev"] - per_split["test"]) <= 1
    texts = Counter(tuple(e.utterances) for e in examples)
    assert [t for t, n in texts.items() if n > 1] == []


def test_the_baseline_on_the_held_out_split() -> None:
    evaluation = evaluate("test")
    report = evaluation.report
    assert len(evaluation.examples) >= 150
    assert report.macro_f1 >= MACRO_F1_FLOOR, report.to_json()
    for scores in report.classes:
        assert scores.f1 >= 0.75, scores
