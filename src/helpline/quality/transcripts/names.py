"""The customer's first name, taken from their introduction.

The customer introduces themselves («Меня зовут Анна», «Это Анна Петровна», «Я Олег») or
answers the agent's question («Как я могу к вам обращаться?» — «Анна»). A word counts as a
first name when pymorphy3 has a first-name (``Name``) reading of it; a patronymic
(``Patr``) right after it is kept too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from helpline.quality.transcripts.model import Speaker, Transcript
from helpline.quality.transcripts.morphology import (
    Phrase,
    find_phrase,
    first_name_lemma,
    lemmas,
    name_forms,
    person_name_kind,
    tokenize,
)

#: How customers introduce themselves; ``*`` marks where the name starts.
DEFAULT_INTRODUCTIONS = ("меня зовут *", "моё имя *", "это *", "я *", "зовут *")
#: The agent's questions from seed 004's standard; the customer's next words are the name.
DEFAULT_NAME_QUESTIONS = (
    "как вас зовут",
    "как я могу к вам обращаться",
    "я могу узнать ваше имя",
    "назовите ваше имя",
    "представьтесь пожалуйста",
    "ваше имя",
)
NAME_MASK = "[name]"  # a name already redacted still counts as the name
_ANSWER_WORDS = 3  # the name is among the first words of the answer


@dataclass(frozen=True)
class CustomerName:
    name: str  # the first name as said
    lemma: str  # its normal form, folded
    forms: frozenset[str]  # every inflected form, folded
    patronymic: str | None
    utterance_index: int
    start: float
    end: float

    def matches(self, word: str) -> bool:
        folded = word.lower().replace("ё", "е")
        return folded in self.forms or self.lemma in lemmas(word)


def _name_at(words: Sequence[str], first: int, lookahead: int) -> tuple[str, str | None] | None:
    """The first first-name word among ``lookahead`` words from ``first`` (a surname before
    it is stepped over whatever ``lookahead`` is: «меня зовут Иванова Анна»), and the
    patronymic that follows it."""
    k = first
    while k < len(words) and k < first + max(lookahead, 1) + 1:
        word = words[k]
        if word == NAME_MASK or first_name_lemma(word) is not None:
            patronymic = None
            if k + 1 < len(words) and person_name_kind(words[k + 1]) == "Patr":
                patronymic = words[k + 1]
            return word, patronymic
        if person_name_kind(word) != "Surn" and k + 1 >= first + lookahead:
            return None
        k += 1
    return None


def _build(name: str, patronymic: str | None, index: int, transcript: Transcript) -> CustomerName:
    utterance = transcript.utterances[index]
    normal = first_name_lemma(name) or name.lower()
    return CustomerName(name, normal.replace("ё", "е"), name_forms(name) | name_forms(normal),
                        patronymic, index, utterance.start, utterance.end)


def find_customer_name(transcript: Transcript, *,
                       introductions: Sequence[str] = DEFAULT_INTRODUCTIONS,
                       questions: Sequence[str] = DEFAULT_NAME_QUESTIONS,
                       ) -> CustomerName | None:
    """The first name the customer gave, from the earliest introduction or answer."""
    intro_phrases = [Phrase.parse(p) for p in introductions]
    question_phrases = [Phrase.parse(p) for p in questions]
    asked = False
    for index, utterance in enumerate(transcript.utterances):
        words = [t.text for t in tokenize(utterance.text)]
        seq = [lemmas(w) for w in words]
        if utterance.speaker is Speaker.AGENT:
            asked = any(find_phrase(q, seq, slop=1) for q in question_phrases)
            continue
        for phrase in intro_phrases:
            wildcard = phrase.terms.index(None) if None in phrase.terms else len(phrase.terms)
            for match in find_phrase(phrase, seq):
                at = match.positions[wildcard] if wildcard < len(match.positions) else match.end
                found = _name_at(words, at, 1)
                if found is not None:
                    return _build(found[0], found[1], index, transcript)
        if asked:
            found = _name_at(words, 0, _ANSWER_WORDS)
            if found is not None:
                return _build(found[0], found[1], index, transcript)
            asked = False
    return None
