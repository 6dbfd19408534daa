"""Tokens, lemmas and lemma-sequence phrase matching for Russian and English text.

* :func:`tokenize` splits text into words (letters and digits, with inner hyphens and
  apostrophes kept: «какой-то», «don't») and remembers each word's offsets.
* :func:`lemmas` gives every normal form pymorphy3 knows for a Russian word (all of its
  parses, so an ambiguous form still matches: «стали» is both «стать» and «сталь»); a
  word in another script is only lower-cased. Everything is folded ё→е, so «ещё»,
  «еще» and «Ещё» are one lemma.
* :class:`Phrase` is a pattern of words matched by lemma: «чем ещё могу помочь» matches
  «Чем еще я могу вам помочь?» with ``slop=2`` (two extra words allowed inside), and
  «спасибо за ожидание» matches «Спасибо за длительное ожидание» with ``slop=1``.
  ``*`` in a pattern is any one word.

The analyser is built on first use (about 0.2 s) and cached; lemma sets are cached too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: a redaction mask (``[name]``, ``[card]``…) is one token, so rules still see where a
#: masked name or number was
MASKS = ("card", "phone", "passport", "name")
_WORD = re.compile(r"\[(?:" + "|".join(MASKS) + r")\]|[^\W_]+(?:['’\-][^\W_]+)*")
_CYRILLIC = re.compile(r"[а-яё]")

#: grammemes pymorphy3 gives to first names, surnames and patronymics
PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def fold(word: str) -> str:
    """Lower-case and fold ё→е."""
    return word.lower().replace("ё", "е")


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offsets in the source text
    end: int

    @property
    def folded(self) -> str:
        return fold(self.text)


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """The pymorphy3 analyser for Russian, built once."""
    import pymorphy3  # type: ignore[import-untyped]

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def _parses(word: str) -> tuple[tuple[str, frozenset[str], float], ...]:
    """(normal form, grammemes, score) for each parse of a folded Russian word, most probable
    first (pymorphy3 does not always order hyphenated words' parses by score)."""
    parses = [(fold(p.normal_form), frozenset(p.tag.grammemes), float(p.score))
              for p in analyzer().parse(word)]
    return tuple(sorted(parses, key=lambda p: -p[2]))


def is_russian(word: str) -> bool:
    return bool(_CYRILLIC.search(fold(word)))


@lru_cache(maxsize=200_000)
def _lemmas_folded(word: str) -> frozenset[str]:
    if not is_russian(word):
        return frozenset({word})
    forms = {normal for normal, _tags, _score in _parses(word)}
    forms.add(word)  # the word itself, for words the dictionary guesses badly
    return frozenset(forms)


def lemmas(word: str) -> frozenset[str]:
    """All normal forms of ``word`` (folded ё→е, lower case), plus the word itself."""
    return _lemmas_folded(fold(word))


def lemma(word: str) -> str:
    """The most probable normal form (folded), e.g. for an index."""
    folded = fold(word)
    if not is_russian(folded):
        return folded
    parses = _parses(folded)
    return parses[0][0] if parses else folded


def person_name_kind(word: str) -> str | None:
    """``Name``, ``Surn`` or ``Patr`` when pymorphy3's most probable parse of ``word`` is a
    first name, a surname or a patronymic; otherwise None."""
    folded = fold(word)
    if not is_russian(folded):
        return None
    parses = _parses(folded)
    if not parses:
        return None
    found = parses[0][1] & PERSON_GRAMMEMES
    return min(found) if found else None


def could_be_person_name(word: str) -> bool:
    """Any parse of ``word`` is a first name, surname or patronymic."""
    folded = fold(word)
    return is_russian(folded) and any(tags & PERSON_GRAMMEMES for _n, tags, _s in _parses(folded))


def first_name_lemma(word: str) -> str | None:
    """The normal form of the first-name parse of ``word`` («Анну» → «анна»), if any."""
    folded = fold(word)
    if not is_russian(folded):
        return None
    for normal, tags, _score in _parses(folded):
        if "Name" in tags:
            return normal
    return None


@lru_cache(maxsize=10_000)
def _name_forms_folded(word: str) -> frozenset[str]:
    forms = {word}
    if is_russian(word):
        person = [p for p in analyzer().parse(word) if PERSON_GRAMMEMES & set(p.tag.grammemes)]
        if person:  # the most probable person reading and its whole paradigm
            normal = person[0].normal_form
            for parse in person:
                if parse.normal_form == normal:
                    forms.update(fold(f.word) for f in parse.lexeme)
    return frozenset(forms)


def name_forms(name: str) -> frozenset[str]:
    """Every inflected form of a person's name (folded): «Анна» → «анна», «анну», «анне»,
    «анной»… (pymorphy3 reads «Анне» alone as an indeclinable name, so matching names by
    lemma alone would miss the dative)."""
    return _name_forms_folded(fold(name))


# -- phrases ------------------------------------------------------------------------------
WILDCARD = "*"


@dataclass(frozen=True)
class Phrase:
    """A pattern of words matched by lemma; ``*`` is any one word."""

    text: str
    terms: tuple[frozenset[str] | None, ...]  # None: wildcard

    @classmethod
    def parse(cls, text: str) -> Phrase:
        terms: list[frozenset[str] | None] = []
        for part in text.split():
            if part == WILDCARD:
                terms.append(None)
                continue
            words = tokenize(part)
            terms.extend(lemmas(w.text) for w in words)
        if not terms or all(t is None for t in terms):
            raise ValueError(f"the phrase {text!r} has no words")
        return cls(text, tuple(terms))

    def __len__(self) -> int:
        return len(self.terms)


@dataclass(frozen=True)
class Match:
    start: int  # token index of the first matched word
    end: int  # token index after the last matched word
    positions: tuple[int, ...]  # token index matched by each term


def _term_matches(term: frozenset[str] | None, token: frozenset[str] | None) -> bool:
    if token is None:  # a barrier (utterance boundary that a phrase may not cross)
        return False
    return term is None or not term.isdisjoint(token)


def _match_at(phrase: Phrase, seq: Sequence[frozenset[str] | None], first: int,
              slop: int) -> tuple[int, ...] | None:
    """Positions of the terms when ``phrase`` matches starting at ``first`` with at most
    ``slop`` extra words inside; the tightest match (depth-first, nearest first)."""
    terms = phrase.terms
    if not _term_matches(terms[0], seq[first]):
        return None

    def extend(positions: tuple[int, ...], budget: int) -> tuple[int, ...] | None:
        k = len(positions)
        if k == len(terms):
            return positions
        last = positions[-1]
        for skip in range(budget + 1):
            at = last + 1 + skip
            if at >= len(seq) or (skip and seq[at - 1] is None):
                return None  # end of the text, or skipping across a barrier
            if _term_matches(terms[k], seq[at]):
                found = extend((*positions, at), budget - skip)
                if found is not None:
                    return found
        return None

    return extend((first,), slop)


def find_phrase(phrase: Phrase, seq: Sequence[frozenset[str] | None], *,
                slop: int = 0) -> list[Match]:
    """Non-overlapping matches, left to right. ``seq`` holds each token's lemma set; None is
    a barrier no match crosses."""
    matches: list[Match] = []
    i = 0
    while i < len(seq):
        positions = _match_at(phrase, seq, i, slop)
        if positions is None:
            i += 1
            continue
        matches.append(Match(positions[0], positions[-1] + 1, positions))
        i = positions[-1] + 1
    return matches


def lemma_sequence(text: str) -> list[frozenset[str]]:
    return [lemmas(t.text) for t in tokenize(text)]


def contains_phrase(text: str, phrase: str | Phrase, *, slop: int = 0) -> bool:
    compiled = phrase if isinstance(phrase, Phrase) else Phrase.parse(phrase)
    return bool(find_phrase(compiled, lemma_sequence(text), slop=slop))


def near(seq: Sequence[frozenset[str] | None], x: Phrase, y: Phrase, *, within_words: int,
         ordered: bool = False) -> list[tuple[Match, Match]]:
    """Pairs (x match, y match) with at most ``within_words`` words between them, not across
    a barrier; with ``ordered`` y must come after x. One pair per x match (the nearest y)."""
    ys = find_phrase(y, seq)
    pairs: list[tuple[Match, Match]] = []
    for mx in find_phrase(x, seq):
        best: tuple[int, Match] | None = None
        for my in ys:
            if my.start >= mx.end:
                gap, lo, hi = my.start - mx.end, mx.end, my.start
            elif mx.start >= my.end and not ordered:
                gap, lo, hi = mx.start - my.end, my.end, mx.start
            else:
                continue
            if gap > within_words or any(seq[k] is None for k in range(lo, hi)):
                continue
            if best is None or gap < best[0]:
                best = (gap, my)
        if best is not None:
            pairs.append((mx, best[1]))
    return pairs
