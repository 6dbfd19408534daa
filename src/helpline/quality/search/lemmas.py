"""Words of a text as pymorphy3 lemmas, with where each word was in the text.

The same function reads what is indexed and what is searched for, so «тарифом»,
«тарифы» and «тариф» all become ``тариф`` on both sides, and «ещё» / «еще» both
become ``еще`` (ё is folded to е before and after lemmatising).

A word is a run of letters and digits; a hyphen separates words, and each part of a
hyphenated word is lemmatised on its own, so «сим-карту» and «сим карту» (as speech
recognition writes it) index the same way. Lemmas contain only letters and digits: the
lemma text (lemmas joined by single spaces) is read into the same words by SQLite's
``unicode61`` tokenizer and by PostgreSQL's parser, so word positions agree everywhere.
(A query keeps a hyphenated word together as a phrase: :func:`written_words`.)

A word form with several readings takes pymorphy3's first (most likely) one, on both
sides; the analyser is loaded on first use and shared.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})


@dataclass(frozen=True)
class Token:
    """One lemma and the character span ``[start, end)`` of the written word it came from."""

    lemma: str
    start: int
    end: int


class Morphology(Protocol):
    def normal_form(self, word: str) -> str: ...


class Pymorphy:
    """pymorphy3 with its Russian dictionary: the first parse's normal form."""

    def __init__(self) -> None:
        import pymorphy3  # type: ignore[import-untyped]

        self._analyzer = pymorphy3.MorphAnalyzer(lang="ru")

    def normal_form(self, word: str) -> str:
        form: str = self._analyzer.parse(word)[0].normal_form
        return form


@functools.cache
def default_morphology() -> Morphology:
    """The shared analyser (loading the dictionary takes a fraction of a second)."""
    return Pymorphy()


def nfc(text: str) -> str:
    """Composed Unicode: the form texts are stored in, so that spans index them."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case, ё -> е, composed Unicode, one kind of hyphen."""
    return unicodedata.normalize("NFC", text).translate(_HYPHENS).lower().replace("ё", "е")


class Lemmatizer:
    """Word -> lemmas, cached (a contact center's vocabulary is small)."""

    def __init__(self, morphology: Morphology | None = None, cache_size: int = 200_000) -> None:
        self._morphology = morphology
        self._lemmas: Callable[[str], tuple[str, ...]] = functools.lru_cache(cache_size)(
            self._compute)

    def _compute(self, word: str) -> tuple[str, ...]:
        morphology = self._morphology or default_morphology()
        if word.isdigit():
            return (word,)
        normal = fold(morphology.normal_form(word))
        parts = tuple(_PART.findall(normal))
        return parts or tuple(_PART.findall(word))

    def lemmas(self, word: str) -> tuple[str, ...]:
        """The lemma of one word (normally one; an odd dictionary form may split)."""
        return self._lemmas(fold(word))

    def tokens(self, text: str) -> list[Token]:
        """Every word of ``text`` as lemma tokens, in order; spans index ``nfc(text)``
        (what is stored)."""
        tokens: list[Token] = []
        for match in _PART.finditer(nfc(text)):
            for lemma in self.lemmas(match.group()):
                tokens.append(Token(lemma, match.start(), match.end()))
        return tokens

    def lemma_text(self, text: str) -> str:
        """What is indexed: the lemmas of ``text`` joined by single spaces."""
        return join_lemmas(token.lemma for token in self.tokens(text))


def join_lemmas(lemmas: Iterable[str]) -> str:
    return " ".join(lemmas)


def written_words(text: str) -> list[str]:
    """The written words of ``text`` (hyphenated words whole)."""
    return WORD.findall(nfc(text).translate(_HYPHENS))


@functools.cache
def default_lemmatizer() -> Lemmatizer:
    return Lemmatizer()
