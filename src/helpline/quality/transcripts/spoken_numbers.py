"""Numbers spoken as Russian words, turned into digits for detection.

«сорок пять ноль четыре» → ``45 0 4``; «девятьсот шестнадцать сто двадцать три» →
``916 123``; «восемь девять один шесть» → ``8 9 1 6``; «три тысячи двести» → ``3200``;
«плюс семь» → ``+7``. Each compound number (hundreds, then tens or a teen, then units,
optionally times a thousand/million) becomes one group of digits and «ноль» is always its
own group, so dictation by digits, by pairs and by triples all give the right digit
string once the groups are joined.

:func:`normalize` returns the text with every run of number words replaced by its groups
(separated by single spaces) and a :class:`OffsetMap` that takes a span of the normalized
text back to the span of the original words, so a detector that works on digits can mask
the words that were said.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from helpline.quality.transcripts.morphology import analyzer, fold

ZERO = {"ноль": 0, "нуль": 0, "ноля": 0, "нуля": 0}
UNITS = {"один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
         "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9}
TEENS = {"десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
         "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17,
         "восемнадцать": 18, "девятнадцать": 19}
TENS = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
        "семьдесят": 70, "восемьдесят": 80, "девяносто": 90}
HUNDREDS = {"сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
            "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900}
MULTIPLIERS = {"тысяча": 1000, "миллион": 1_000_000, "миллиард": 1_000_000_000}
_ALL = {**ZERO, **UNITS, **TEENS, **TENS, **HUNDREDS}

_WORD = re.compile(r"[^\W\d_]+")
_RUN_GAP = re.compile(r"\s*,?\s*|-")  # spaces and one comma, or a hyphen: «сорок-пять»
_PLUS_GAP = re.compile(r"\s*")


@dataclass(frozen=True)
class NumberWord:
    value: int
    kind: str  # zero | unit | teen | ten | hundred | multiplier


@lru_cache(maxsize=50_000)
def number_word(word: str) -> NumberWord | None:
    """The value of a Russian cardinal number word in any case («сорока» → 40), or None.
    Ordinals («пятого») are not number words here: dates stay dates."""
    folded = fold(word)
    candidates = [folded]
    if folded not in _ALL and folded not in MULTIPLIERS:
        candidates = [fold(p.normal_form) for p in analyzer().parse(folded)
                      if {"NUMR", "NOUN", "ADJF"} & set(p.tag.grammemes)]
    for form in candidates:
        if form in ZERO:
            return NumberWord(0, "zero")
        if form in UNITS:
            return NumberWord(UNITS[form], "unit")
        if form in TEENS:
            return NumberWord(TEENS[form], "teen")
        if form in TENS:
            return NumberWord(TENS[form], "ten")
        if form in HUNDREDS:
            return NumberWord(HUNDREDS[form], "hundred")
        if form in MULTIPLIERS:
            return NumberWord(MULTIPLIERS[form], "multiplier")
    return None


def _below_thousand(words: list[NumberWord], i: int) -> tuple[int, int]:
    """Parse hundreds, tens/teens, units from ``i``: (value, next index); value 0 and the
    same index when nothing was read."""
    total, start = 0, i
    if i < len(words) and words[i].kind == "hundred":
        total += words[i].value
        i += 1
    if i < len(words) and words[i].kind == "teen":
        return total + words[i].value, i + 1
    if i < len(words) and words[i].kind == "ten":
        total += words[i].value
        i += 1
    if i < len(words) and words[i].kind == "unit":
        total += words[i].value
        i += 1
    return (total, i) if i > start else (0, start)


def group_run(words: list[NumberWord]) -> list[tuple[str, int, int]]:
    """Groups of digits for a run of number words: (digits, first word, after last word)."""
    groups: list[tuple[str, int, int]] = []
    i = 0
    while i < len(words):
        if words[i].kind == "zero":
            groups.append(("0", i, i + 1))
            i += 1
            continue
        start = i
        value, i = _below_thousand(words, i)
        if i < len(words) and words[i].kind == "multiplier":
            value = (value or 1) * words[i].value
            i += 1
            rest, after = _below_thousand(words, i)
            if after > i and rest < 1000:
                value, i = value + rest, after
        if i == start:  # a lone word that starts nothing (cannot happen with the tables)
            i += 1
            continue
        groups.append((str(value), start, i))
    return groups


@dataclass(frozen=True)
class _Piece:
    norm_start: int
    norm_end: int
    orig_start: int
    orig_end: int
    verbatim: bool
    quantity: bool = False  # a number said with «тысяча»/«миллион»: an amount, not dictation
    #: for a spoken group: (start, end, value) of each word in the original text
    words: tuple[tuple[int, int, int], ...] = ()


@dataclass(frozen=True)
class OffsetMap:
    """Maps spans of the normalized text back to the original text."""

    pieces: tuple[_Piece, ...]

    def spoken_words(self, position: int) -> tuple[tuple[int, int, int], ...]:
        """The words (original start, end, value) of the spoken group at ``position``."""
        return self._piece(position).words if self.pieces else ()

    def _piece(self, position: int) -> _Piece:
        starts = [p.norm_start for p in self.pieces]
        k = max(0, bisect.bisect_right(starts, position) - 1)
        return self.pieces[k]

    def is_spoken(self, position: int) -> bool:
        """The character at ``position`` of the normalized text stands for spoken words."""
        return bool(self.pieces) and not self._piece(position).verbatim

    def is_quantity(self, position: int) -> bool:
        """The digits at ``position`` were said with «тысяча» or «миллион» (an amount)."""
        return bool(self.pieces) and self._piece(position).quantity

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.pieces:
            return start, end
        first = self._piece(start)
        last = self._piece(max(start, end - 1))
        o_start = first.orig_start + (start - first.norm_start) if first.verbatim \
            else first.orig_start
        o_end = last.orig_start + (end - last.norm_start) if last.verbatim else last.orig_end
        return o_start, max(o_start, o_end)


@dataclass(frozen=True)
class Normalized:
    text: str
    offsets: OffsetMap


def normalize(text: str) -> Normalized:
    """Replace runs of number words (and «плюс» before a number) by digits."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    values = [number_word(w) for _s, _e, w in words]
    out: list[str] = []
    pieces: list[_Piece] = []
    norm_pos = 0
    orig_pos = 0

    def emit(norm_text: str, orig_start: int, orig_end: int, verbatim: bool,
             quantity: bool = False, spoken: tuple[tuple[int, int, int], ...] = ()) -> None:
        nonlocal norm_pos
        if not norm_text:
            return
        out.append(norm_text)
        pieces.append(_Piece(norm_pos, norm_pos + len(norm_text), orig_start, orig_end,
                             verbatim, quantity, spoken))
        norm_pos += len(norm_text)

    i = 0
    while i < len(words):
        start, end, word = words[i]
        is_plus = (fold(word) == "плюс" and i + 1 < len(words)
                   and _PLUS_GAP.fullmatch(text, end, words[i + 1][0]) is not None
                   and values[i + 1] is not None)
        if values[i] is None and not is_plus:
            i += 1
            continue
        emit(text[orig_pos:start], orig_pos, start, True)
        if is_plus:
            emit("+", start, words[i + 1][0], False)
            orig_pos = words[i + 1][0]
            i += 1
            continue
        j = i + 1
        while (j < len(words) and values[j] is not None
               and _RUN_GAP.fullmatch(text, words[j - 1][1], words[j][0]) is not None):
            j += 1
        run = [v for v in values[i:j] if v is not None]
        for k, (digits, a, b) in enumerate(group_run(run)):
            if k:
                emit(" ", words[i + a][0], words[i + a][0], False)
            quantity = any(w.kind == "multiplier" for w in run[a:b])
            spoken = tuple((words[i + k][0], words[i + k][1], run[k].value) for k in range(a, b))
            emit(digits, words[i + a][0], words[i + b - 1][1], False, quantity, spoken)
        orig_pos = words[j - 1][1]
        i = j
    emit(text[orig_pos:], orig_pos, len(text), True)
    return Normalized("".join(out), OffsetMap(tuple(pieces)))
