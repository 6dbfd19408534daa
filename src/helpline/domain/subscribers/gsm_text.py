"""SMS and USSD text: GSM 03.38 7-bit alphabet or UCS-2, screen limits, paging.

A text is GSM 7-bit when every character is in the default alphabet or its extension
table; extension characters (``^ { } \\ [ ] ~ | €`` and form feed) take two septets.
Any other character makes the whole text UCS-2, measured in UTF-16 code units (a
character outside the BMP, e.g. an emoji, takes two).

A USSD screen holds 182 septets in GSM 7-bit or 80 UCS-2 units (160 octets either way).
:func:`fit_screen` truncates with ``"..."`` or ``"…"``, whichever keeps more text (``…``
is not GSM, so it would turn a Latin text into UCS-2 and cut it to 80).
:func:`paginate` splits a long menu into screens, each ending in a "more" line
(``00 More`` / ``00 Далее``) except the last; lines are kept whole when they fit, a longer
line is split at a space (the space becomes the break) or, for a single long word, between
characters (never before a combining mark).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import ValidationFailed
from helpline.domain.subscribers.errors import NotGsm7

#: GSM 03.38 default alphabet (the escape code 0x1B excluded), one septet each.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table: escape + code, two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[]~|€")

MORE_EN = "00 More"
MORE_RU = "00 Далее"
_MORE_BY_LANGUAGE = {"en": MORE_EN, "ru": MORE_RU}

ELLIPSIS_GSM = "..."
ELLIPSIS_UCS2 = "…"


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class ScreenLimits:
    """Largest text in septets (GSM 7-bit) and in UTF-16 units (UCS-2).

    ``gsm7_septets >= 2 * ucs2_units`` is required: then a text that does not fit never
    fits again when it grows, which the truncation and paging rely on.
    """

    gsm7_septets: int
    ucs2_units: int

    def __post_init__(self) -> None:
        if self.ucs2_units < 8 or self.gsm7_septets < 2 * self.ucs2_units:
            raise ValidationFailed("screen limits need ucs2_units >= 8 and "
                                   "gsm7_septets >= 2 * ucs2_units",
                                   gsm7_septets=self.gsm7_septets, ucs2_units=self.ucs2_units)


#: One USSD screen (160 octets).
USSD_LIMITS = ScreenLimits(gsm7_septets=182, ucs2_units=80)
#: One single-part SMS.
SMS_LIMITS = ScreenLimits(gsm7_septets=160, ucs2_units=70)


def more_label(language: str) -> str:
    """The "next screen" option for a language (``ru``/``en``; others get English)."""
    return _MORE_BY_LANGUAGE.get(language.split("-")[0].lower(), MORE_EN)


@dataclass(frozen=True)
class _Cost:
    gsm: bool = True
    septets: int = 0
    units: int = 0

    def fits(self, limits: ScreenLimits) -> bool:
        if self.gsm:
            return self.septets <= limits.gsm7_septets
        return self.units <= limits.ucs2_units


def _cost(text: str) -> _Cost:
    gsm = True
    sept = 0
    units = len(text)
    for ch in text:
        if ch in GSM7_BASIC:
            sept += 1
        elif ch in GSM7_EXTENSION:
            sept += 2
        else:
            gsm = False
            if ord(ch) > 0xFFFF:
                units += 1
    return _Cost(gsm, sept, units)


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM 7-bit alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding_for(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def septets(text: str) -> int:
    """Length in septets; extension characters count 2. Raises :class:`NotGsm7`."""
    cost = _cost(text)
    if not cost.gsm:
        raise NotGsm7("the text needs UCS-2", first=next(
            ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    return cost.septets


def ucs2_units(text: str) -> int:
    """Length in UTF-16 code units (what UCS-2 transport carries)."""
    return _cost(text).units


def text_length(text: str) -> int:
    """Length in the units of the text's own encoding (septets or UTF-16 units)."""
    cost = _cost(text)
    return cost.septets if cost.gsm else cost.units


def screen_limit(text: str, limits: ScreenLimits = USSD_LIMITS) -> int:
    """182 for a GSM 7-bit text, 80 for UCS-2 (with the default USSD limits)."""
    return limits.gsm7_septets if is_gsm7(text) else limits.ucs2_units


def fits(text: str, limits: ScreenLimits = USSD_LIMITS) -> bool:
    return _cost(text).fits(limits)


def _joins_previous(ch: str) -> bool:
    """A combining mark, variation selector or zero-width joiner stays with its base."""
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch == "\u200d"


def _longest_prefix(text: str, start: int, suffix: _Cost, limits: ScreenLimits) -> int:
    """Largest ``end`` such that ``text[start:end]`` followed by the suffix fits."""
    gsm, sept, units = suffix.gsm, suffix.septets, suffix.units
    for end in range(start, len(text)):
        ch = text[end]
        if ch in GSM7_BASIC:
            sept += 1
            units += 1
        elif ch in GSM7_EXTENSION:
            sept += 2
            units += 1
        else:
            gsm = False
            units += 2 if ord(ch) > 0xFFFF else 1
        if sept > limits.gsm7_septets if gsm else units > limits.ucs2_units:
            return end
    return len(text)


def _clean_cut(text: str, start: int, end: int) -> int:
    """Move a cut back so it does not separate a combining mark from its base."""
    cut = end
    while start < cut < len(text) and _joins_previous(text[cut]):
        cut -= 1
    return cut if cut > start else end


def fit_screen(text: str, limits: ScreenLimits = USSD_LIMITS) -> str:
    """``text`` unchanged when it fits, else its longest prefix plus an ellipsis.

    Both ``"..."`` and ``"…"`` are tried; the one leaving the longer prefix wins (ties go
    to ``"..."``, keeping GSM 7-bit). Trailing spaces before the ellipsis are dropped.
    """
    if fits(text, limits):
        return text
    best = ""
    best_len = -1
    for ellipsis in (ELLIPSIS_GSM, ELLIPSIS_UCS2):
        end = _clean_cut(text, 0, _longest_prefix(text, 0, _cost(ellipsis), limits))
        prefix = text[:end].rstrip(" ")
        if len(prefix) > best_len:
            best, best_len = prefix + ellipsis, len(prefix)
    return best


def _split_line(line: str, suffix: _Cost, limits: ScreenLimits) -> list[str]:
    """Pieces of ``line`` such that each fits alone and followed by ``suffix``."""
    pieces: list[str] = []
    start = 0
    while True:
        end = min(_longest_prefix(line, start, suffix, limits),
                  _longest_prefix(line, start, _Cost(), limits))
        if end >= len(line):
            pieces.append(line[start:])
            return pieces
        space = line.rfind(" ", start + 1, end + 1)
        if space > start:
            pieces.append(line[start:space])
            start = space + 1
        else:
            cut = _clean_cut(line, start, end)
            pieces.append(line[start:cut])
            start = cut


def paginate(text: str, *, more: str = MORE_EN,
             limits: ScreenLimits = USSD_LIMITS) -> list[str]:
    """Split a menu into screens that each fit; every screen but the last ends with
    ``"\\n" + more``. A text that fits is one screen, unchanged."""
    suffix_text = "\n" + more
    if not more.strip() or not all(
            fits(probe + suffix_text, limits) for probe in ("€", "\U0001f600")):
        raise ValidationFailed("the 'more' option leaves no room on a screen", more=more)
    if fits(text, limits):
        return [text]
    suffix = _cost(suffix_text)
    pieces = [piece for line in text.split("\n") for piece in _split_line(line, suffix, limits)]
    screens: list[str] = []
    current: list[str] = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        body = "\n".join([*current, piece])
        if fits(body if last else body + suffix_text, limits):
            current.append(piece)
            continue
        screens.append("\n".join(current) + suffix_text)
        current = [piece]
    screens.append("\n".join(current))
    return screens
