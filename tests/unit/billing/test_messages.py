"""Refusal texts: every code, three languages, one USSD screen each."""

from __future__ import annotations

import pytest

from helpline.domain.billing import (
    RefusalCode,
    RenewalRefusal,
    RenewalRefused,
    refusal_error,
    refusal_message,
)
from helpline.domain.billing.messages import LANGUAGES, REFUSAL_MESSAGES, normalize_language
from helpline.domain.errors import HelplineError

#: 80 UCS-2 characters on a Cyrillic USSD screen, minus the gateway's "END " prefix.
SCREEN = 80 - len("END ")


@pytest.mark.parametrize("code", list(RefusalCode))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_a_short_text_in_every_language(code: RefusalCode, language: str) -> None:
    text = refusal_message(code, language)
    assert text.strip() == text and text
    assert len(text) <= SCREEN


def test_texts_differ_per_language_and_per_code() -> None:
    assert set(REFUSAL_MESSAGES) == set(RefusalCode)
    for language in LANGUAGES:
        texts = [REFUSAL_MESSAGES[c][language] for c in RefusalCode]
        assert len(set(texts)) == len(texts)
    assert refusal_message(RefusalCode.LINE_BLOCKED, "ru") == (
        "Пакет не обновлён: номер заблокирован.")
    assert refusal_message(RefusalCode.LINE_BLOCKED, "uk") == (
        "Пакет не оновлено: номер заблоковано.")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("uk-UA", "uk"), ("EN_us", "en"), ("ru", "ru"), ("de", "ru"), (None, "ru"), ("", "ru")],
)
def test_language_tags_are_normalised_with_russian_as_default(
    given: str | None, expected: str
) -> None:
    assert normalize_language(given) == expected


def test_refusal_error_carries_the_stable_code() -> None:
    error = refusal_error(RenewalRefusal(RefusalCode.INSUFFICIENT_FUNDS, 50000, 100))
    assert isinstance(error, RenewalRefused) and isinstance(error, HelplineError)
    assert error.error_id == "renewal_refused"
    assert error.code == "insufficient_funds"
    assert error.details == {"code": "insufficient_funds", "fee_minor": 50000,
                             "money_minor": 100}
    assert error.message == "Not enough money to renew the package. Please top up."
