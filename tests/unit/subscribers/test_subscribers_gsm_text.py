"""GSM 03.38 / UCS-2 measurement, USSD screen limits, truncation and paging."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.errors import ValidationFailed
from helpline.domain.subscribers.errors import NotGsm7
from helpline.domain.subscribers.gsm_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MORE_EN,
    MORE_RU,
    SMS_LIMITS,
    USSD_LIMITS,
    Encoding,
    ScreenLimits,
    encoding_for,
    fit_screen,
    fits,
    is_gsm7,
    more_label,
    paginate,
    screen_limit,
    septets,
    text_length,
    ucs2_units,
)


# -- known answers -----------------------------------------------------------------------
def test_alphabet_tables_have_the_sizes_of_gsm_03_38() -> None:
    # 128 code points in the default table minus the escape (0x1B); 10 in the extension.
    assert len(GSM7_BASIC) == 127
    assert frozenset("\f^{}\\[]~|€") == GSM7_EXTENSION


def test_latin_balance_is_gsm() -> None:
    text = "Balance: 100.00 RUB"
    assert is_gsm7(text) and encoding_for(text) is Encoding.GSM7
    assert septets(text) == 19 == text_length(text)
    assert screen_limit(text) == 182


def test_cyrillic_is_ucs2() -> None:
    assert not is_gsm7("Баланс") and encoding_for("Баланс") is Encoding.UCS2
    assert ucs2_units("Баланс") == 6 == text_length("Баланс")
    assert screen_limit("Баланс") == 80
    assert screen_limit("Balance: 100 ₽") == 80  # the rouble sign is not GSM
    with pytest.raises(NotGsm7):
        septets("Баланс")


@pytest.mark.parametrize(("text", "expected"), [
    ("€", 2), ("[x]", 5), ("^{}\\[]~|€", 18), ("Δ@£$¥èÉ§¿äñüà", 13), ("a\nb\r", 4), ("", 0),
])
def test_septet_counts(text: str, expected: int) -> None:
    assert septets(text) == expected


@pytest.mark.parametrize("ch", ["ç", "`", "₽", "…", "—", "«", "Ё", "\t", "😀"])
def test_characters_outside_gsm(ch: str) -> None:
    assert not is_gsm7(ch)


def test_astral_characters_take_two_ucs2_units() -> None:
    assert ucs2_units("😀") == 2
    assert ucs2_units("Привет 😀") == 9


@pytest.mark.parametrize(("text", "fits_ussd"), [
    ("a" * 182, True), ("a" * 183, False),
    ("€" * 91, True), ("€" * 92, False), ("a" * 180 + "€", True), ("a" * 181 + "€", False),
    ("Б" * 80, True), ("Б" * 81, False),
    ("😀" * 40, True), ("😀" * 40 + "a", False),
])
def test_fits_at_the_limits(text: str, fits_ussd: bool) -> None:
    assert fits(text) is fits_ussd


def test_sms_limits() -> None:
    assert fits("a" * 160, SMS_LIMITS) and not fits("a" * 161, SMS_LIMITS)
    assert fits("Б" * 70, SMS_LIMITS) and not fits("Б" * 71, SMS_LIMITS)
    assert screen_limit("Б", SMS_LIMITS) == 70


def test_screen_limits_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        ScreenLimits(gsm7_septets=100, ucs2_units=80)
    with pytest.raises(ValidationFailed):
        ScreenLimits(gsm7_septets=100, ucs2_units=0)


# -- truncation --------------------------------------------------------------------------
def test_fit_screen_leaves_fitting_text_alone() -> None:
    assert fit_screen("Balance: 100.00 RUB") == "Balance: 100.00 RUB"


def test_fit_screen_gsm_uses_three_dots() -> None:
    assert fit_screen("a" * 200) == "a" * 179 + "..."
    # an extension character at the cut is not split: 178 + "€"(2) + "..."(3) = 183 > 182
    assert fit_screen("a" * 178 + "€" * 10) == "a" * 178 + "..."


def test_fit_screen_ucs2_uses_the_ellipsis_character() -> None:
    assert fit_screen("Б" * 100) == "Б" * 79 + "…"
    assert fit_screen("😀" * 50) == "😀" * 39 + "…"


def test_fit_screen_keeps_more_text_by_staying_gsm() -> None:
    assert fit_screen("a" * 100 + "Б" * 10) == "a" * 100 + "..."


def test_fit_screen_does_not_orphan_a_combining_mark() -> None:
    text = "Б" * 78 + "е\u0301" + "Б" * 10   # 'é' as e + combining acute at units 79-80
    assert fit_screen(text) == "Б" * 78 + "…"


# -- paging ------------------------------------------------------------------------------
def test_more_labels() -> None:
    assert more_label("ru") == MORE_RU == "00 Далее"
    assert more_label("ru-RU") == MORE_RU
    assert more_label("en") == MORE_EN == "00 More"
    assert more_label("kk") == MORE_EN


def test_a_short_menu_is_one_screen() -> None:
    menu = "1 Balance\n2 Renew package\n3 My services"
    assert paginate(menu) == [menu]


def test_a_long_latin_menu_pages_on_line_boundaries() -> None:
    lines = [f"{n} Option number {n} with details" for n in range(1, 11)]  # 29-30 chars each
    pages = paginate("\n".join(lines))
    assert pages[0].endswith("\n00 More") and not pages[-1].endswith("00 More")
    assert [p.removesuffix("\n00 More").split("\n") for p in pages] == [lines[:5], lines[5:]]
    assert all(fits(p) for p in pages)


def test_a_cyrillic_menu_pages_with_dalee() -> None:
    lines = ["1 Баланс", "2 Обновить пакет", "3 Мои услуги", "4 Номера на моём паспорте",
             "5 Тарифы", "6 Помощь"]
    pages = paginate("\n".join(lines), more=MORE_RU)
    # 82 units in all; page 1 holds 64 units of menu + 9 of "\n00 Далее" = 73 <= 80
    assert pages == ["1 Баланс\n2 Обновить пакет\n3 Мои услуги\n4 Номера на моём паспорте"
                     "\n00 Далее",
                     "5 Тарифы\n6 Помощь"]


def test_a_long_line_is_split_at_a_space() -> None:
    words = " ".join(["слово"] * 30)  # 179 units, UCS-2
    pages = paginate(words, more=MORE_RU)
    assert all(fits(p) for p in pages)
    assert " ".join(p.removesuffix("\n00 Далее") for p in pages) == words


def test_a_more_label_that_leaves_no_room_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        paginate("x" * 500, more="Ж" * 79)
    with pytest.raises(ValidationFailed):
        paginate("x", more="  ")


# -- properties --------------------------------------------------------------------------
MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)),
        st.sampled_from(list("БаланспкетЁё €😀\u0301\u200d\n  ")),
        st.characters(codec="utf-8"),
    ),
    max_size=700,
)
LIMITS = st.sampled_from([USSD_LIMITS, SMS_LIMITS, ScreenLimits(40, 20)])


@settings(max_examples=300)
@given(MIXED, LIMITS)
def test_fit_screen_always_fits_and_keeps_a_prefix(text: str, limits: ScreenLimits) -> None:
    out = fit_screen(text, limits)
    assert fits(out, limits)
    if fits(text, limits):
        assert out == text
    else:
        ellipsis = "..." if out.endswith("...") else "…"
        assert out.endswith(ellipsis)
        assert text.startswith(out.removesuffix(ellipsis))


def _drop_breaks(text: str) -> str:
    return text.replace(" ", "").replace("\n", "")


@settings(max_examples=300)
@given(MIXED, st.sampled_from([MORE_EN, MORE_RU]), LIMITS)
def test_paginate_pages_fit_and_lose_nothing(text: str, more: str,
                                             limits: ScreenLimits) -> None:
    if not all(fits(probe + "\n" + more, limits) for probe in ("€", "😀")):
        with pytest.raises(ValidationFailed):
            paginate(text, more=more, limits=limits)
        return
    pages = paginate(text, more=more, limits=limits)
    assert pages and all(fits(page, limits) for page in pages)
    bodies = [page.removesuffix("\n" + more) for page in pages[:-1]] + [pages[-1]]
    assert all(page.endswith("\n" + more) for page in pages[:-1])
    assert _drop_breaks("".join(bodies)) == _drop_breaks(text)
    if all(fits(line + "\n" + more, limits) for line in text.split("\n")):
        assert "\n".join(bodies) == text
