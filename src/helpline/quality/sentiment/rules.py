"""A lexicon-and-rules sentiment baseline for Russian contact-center speech (offline).

Per utterance: the lemmas (:mod:`helpline.quality.search.lemmas`) are read left to
right; fixed neutral expressions are skipped («добрый день», «спасибо за ожидание»), a
lexicon phrase wins over its words, and each cue's weight is

* multiplied by an intensifier within the two words before it («очень доволен»),
* flipped by a negator within the two words before it: a negated praise keeps its full
  weight («не доволен» is as negative as «доволен» is positive), a negated complaint half
  of it («не плохо» is mildly positive); negators and intensifiers act within their own
  clause only (not across . , ! ? and the like),

then the utterance's sum is raised by 30% when it ends in «!» (or has one) and by 20%
when it has a word of four or more capitals. The label: ``positive`` at or above
:data:`POSITIVE_AT`, ``negative`` at or below :data:`NEGATIVE_AT`, else ``neutral``.

Per contact: the sum over utterances, the customer's at full weight and the agent's at
:data:`AGENT_WEIGHT` (an agent's politeness says little about how the customer feels),
labelled with the same thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from helpline.quality.search.lemmas import Lemmatizer, Token, default_lemmatizer, nfc
from helpline.quality.sentiment.lexicon import (
    INTENSIFIER_WINDOW,
    INTENSIFIERS,
    NEGATED_NEGATIVE_FACTOR,
    NEGATED_POSITIVE_FACTOR,
    NEGATION_WINDOW,
    NEGATORS,
    NEUTRAL_PHRASES,
    PHRASES,
    WORDS,
)

POSITIVE_AT = 2.0
NEGATIVE_AT = -2.0
AGENT_WEIGHT = 0.2
EXCLAMATION_FACTOR = 1.3
CAPS_FACTOR = 1.2
_CAPS = re.compile(r"\b[А-ЯЁA-Z]{4,}\b")
_BOUNDARY = re.compile(r"[.,!?;:…—–()\"«»]")
_MAX_PHRASE = max(len(p) for p in (*PHRASES, *NEUTRAL_PHRASES))


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


LABELS: tuple[Sentiment, ...] = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


@dataclass(frozen=True)
class Cue:
    """One lexicon hit: its lemmas, the weight it added, and how it was modified."""

    lemmas: tuple[str, ...]
    weight: float
    negated: bool = False
    intensity: float = 1.0


@dataclass(frozen=True)
class Scored:
    score: float
    label: Sentiment
    cues: tuple[Cue, ...] = ()


def label_of(score: float) -> Sentiment:
    if score >= POSITIVE_AT:
        return Sentiment.POSITIVE
    if score <= NEGATIVE_AT:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL


def _lookup(lemmas: Sequence[str], i: int) -> tuple[int, float | None]:
    """The longest phrase (or word) starting at ``i``: its length and weight (``None``
    for a neutral expression or no cue)."""
    for size in range(min(_MAX_PHRASE, len(lemmas) - i), 1, -1):
        key = tuple(lemmas[i:i + size])
        if key in NEUTRAL_PHRASES:
            return size, None
        if key in PHRASES:
            return size, PHRASES[key]
    weight = WORDS.get(lemmas[i])
    return 1, weight


def clauses_of(text: str, tokens: Sequence[Token]) -> list[int]:
    """For each token, the number of the clause it is in: clauses end at . , ! ? ; : —
    and similar marks, so a negator or intensifier never reaches across them."""
    clause, out, previous_end = 0, [], 0
    for token in tokens:
        if _BOUNDARY.search(text, previous_end, token.start):
            clause += 1
        out.append(clause)
        previous_end = token.end
    return out


def cues_of(lemmas: Sequence[str], clauses: Sequence[int] | None = None) -> list[Cue]:
    """The lexicon's cues in ``lemmas``; ``clauses`` (see :func:`clauses_of`) limits
    negators and intensifiers to their own clause (default: one clause)."""
    where = list(clauses) if clauses is not None else [0] * len(lemmas)
    cues: list[Cue] = []
    i = 0
    while i < len(lemmas):
        size, weight = _lookup(lemmas, i)
        if weight is None or weight == 0.0:
            i += size
            continue
        before = [j for j in range(max(0, i - NEGATION_WINDOW), i) if where[j] == where[i]]
        negated = any(lemmas[j] in NEGATORS for j in before) and lemmas[i] not in NEGATORS
        intensity = 1.0
        for j in range(max(0, i - INTENSIFIER_WINDOW), i):
            if where[j] == where[i]:
                intensity = max(intensity, INTENSIFIERS.get(lemmas[j], 1.0))
        value = weight * intensity
        if negated:
            value = -value * (NEGATED_POSITIVE_FACTOR if value > 0 else NEGATED_NEGATIVE_FACTOR)
        cues.append(Cue(tuple(lemmas[i:i + size]), value, negated, intensity))
        i += size
    return cues


def score_text(text: str, lemmatizer: Lemmatizer | None = None) -> Scored:
    """The sentiment of one utterance."""
    tokens = (lemmatizer or default_lemmatizer()).tokens(text)
    cues = cues_of([t.lemma for t in tokens], clauses_of(nfc(text), tokens))
    score = sum(cue.weight for cue in cues)
    if score and "!" in text:
        score *= EXCLAMATION_FACTOR
    if score and _CAPS.search(text):
        score *= CAPS_FACTOR
    score = round(score, 4)
    return Scored(score, label_of(score), tuple(cues))


def score_contact(utterances: Iterable[tuple[str, str]],
                  lemmatizer: Lemmatizer | None = None) -> Scored:
    """The sentiment of a contact from ``(speaker, text)`` pairs (speaker ``agent`` or
    ``customer``)."""
    total = 0.0
    cues: list[Cue] = []
    for speaker, text in utterances:
        scored = score_text(text, lemmatizer)
        total += scored.score * (AGENT_WEIGHT if speaker == "agent" else 1.0)
        if speaker != "agent":
            cues.extend(scored.cues)
    total = round(total, 4)
    return Scored(total, label_of(total), tuple(cues))
