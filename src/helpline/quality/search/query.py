"""The phrase-search query language.

Every word matches all its forms (by lemma; ё = е, case ignored). Within one utterance::

    тариф роуминг            both words, in any order, anywhere in the utterance
    "не работает интернет"   the exact phrase: these words consecutively («не работал
                             интернет» too — forms are free, order and adjacency are not)
    «не работает»            the same with Russian quotes
    тариф NEAR/5 роуминг     both, at most 5 words between them, either order
    тариф NEAR роуминг       the same with at most 10 words between (FTS5's default)
    a NEAR/3 b NEAR/3 c      a chain: each neighbour pair within its distance
    "сим карта" NEAR/2 замена  phrases may take part in NEAR
    -роуминг                 utterances without this word (or -"phrase", -a NEAR b)
    тариф OR "пакет минут"   either side (OR binds loosest: ``a b OR c`` = (a b) OR c)

A hyphenated word is a phrase of its parts («сим-карта» = "сим карта"). ``OR`` and
``NEAR`` are operators only in capitals; lower-case «or», «или» are words. Punctuation
outside quotes is ignored. Limits: 500 characters, 16 words, distances 0–50; every
OR-branch needs at least one word that is not negated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpline.domain.errors import ValidationFailed
from helpline.quality.search.lemmas import Lemmatizer, written_words

MAX_QUERY_CHARS = 500
MAX_WORDS = 16
MAX_NEAR = 50
DEFAULT_NEAR = 10

_LEXER = re.compile(
    r'(?P<quoted>-?"[^"]*"?|-?«[^»]*»?)'
    r"|(?P<near>\bNEAR(?:/(?P<distance>\d+))?(?![\w/]))"
    r"|(?P<or>\bOR\b)"
    r"|(?P<word>-?[^\s\"«»]+)",
)


class BadQuery(ValidationFailed):
    """The search query cannot be read; ``details.query`` repeats it."""

    error_id = "bad_search_query"


@dataclass(frozen=True)
class Phrase:
    """Consecutive lemmas (a single word is a phrase of one)."""

    lemmas: tuple[str, ...]

    def __str__(self) -> str:
        return self.lemmas[0] if len(self.lemmas) == 1 else '"' + " ".join(self.lemmas) + '"'


@dataclass(frozen=True)
class Near:
    """``phrases[i]`` and ``phrases[i + 1]`` at most ``gaps[i]`` words apart, either order."""

    phrases: tuple[Phrase, ...]
    gaps: tuple[int, ...]

    def __str__(self) -> str:
        out = str(self.phrases[0])
        for gap, phrase in zip(self.gaps, self.phrases[1:], strict=True):
            out += f" NEAR/{gap} {phrase}"
        return out


@dataclass(frozen=True)
class Item:
    expr: Phrase | Near
    negated: bool = False

    @property
    def phrases(self) -> tuple[Phrase, ...]:
        return self.expr.phrases if isinstance(self.expr, Near) else (self.expr,)

    def __str__(self) -> str:
        return ("-" if self.negated else "") + str(self.expr)


@dataclass(frozen=True)
class Clause:
    """Items that must all hold (negated ones: must not occur)."""

    items: tuple[Item, ...]

    @property
    def positive(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if not item.negated)

    @property
    def negative(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.negated)

    def __str__(self) -> str:
        return " ".join(str(item) for item in self.items)


@dataclass(frozen=True)
class Query:
    """Clauses joined by OR; ``text`` is what the user typed."""

    text: str
    clauses: tuple[Clause, ...]

    def __str__(self) -> str:
        return " OR ".join(str(clause) for clause in self.clauses)

    @property
    def phrases(self) -> tuple[Phrase, ...]:
        return tuple(p for c in self.clauses for i in c.items for p in i.phrases)


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # quoted | word | near | or
    value: str
    negated: bool = False
    distance: int = DEFAULT_NEAR


def _lex(text: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    for match in _LEXER.finditer(text):
        if match.group("near"):
            distance = match.group("distance")
            gap = int(distance) if distance is not None else DEFAULT_NEAR
            if gap > MAX_NEAR:
                raise BadQuery(f"NEAR allows at most {MAX_NEAR} words between", query=text)
            lexemes.append(_Lexeme("near", "", distance=gap))
        elif match.group("or"):
            lexemes.append(_Lexeme("or", ""))
        else:
            raw = match.group()
            negated = raw.startswith("-")
            body = raw[1:] if negated else raw
            if match.group("quoted"):
                body = body.strip('"«»')
                lexemes.append(_Lexeme("quoted", body, negated))
            elif body:
                lexemes.append(_Lexeme("word", body, negated))
    return lexemes


def parse_query(text: str, lemmatizer: Lemmatizer) -> Query:
    """Read ``text`` (see the module's doc); :class:`BadQuery` says what is wrong."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is longer than {MAX_QUERY_CHARS} characters", query=text[:80])
    clauses: list[Clause] = []
    items: list[Item] = []
    pending_near: int | None = None
    words = 0

    def close_clause() -> None:
        if pending_near is not None:
            raise BadQuery("NEAR needs a word or phrase on both sides", query=text)
        if items:
            if not any(not item.negated for item in items):
                raise BadQuery("each part of the query needs a word that is not excluded "
                               "with '-'", query=text)
            clauses.append(Clause(tuple(items)))
            items.clear()

    for lexeme in _lex(text):
        if lexeme.kind == "or":
            if not items:
                raise BadQuery("OR needs a word or phrase on both sides", query=text)
            close_clause()
            continue
        if lexeme.kind == "near":
            if not items or pending_near is not None:
                raise BadQuery("NEAR needs a word or phrase on both sides", query=text)
            pending_near = lexeme.distance
            continue
        # a quoted phrase is one phrase; a bare chunk is one phrase per written word
        # («сим-карта» is one word, "тариф,роуминг" two)
        chunks = ([lexeme.value] if lexeme.kind == "quoted"
                  else written_words(lexeme.value))
        phrases = [Phrase(tuple(t.lemma for t in lemmatizer.tokens(c))) for c in chunks]
        phrases = [phrase for phrase in phrases if phrase.lemmas]
        if not phrases and lexeme.kind == "quoted":
            raise BadQuery("a quoted phrase has no words", query=text)
        for phrase in phrases:
            words += len(phrase.lemmas)
            if words > MAX_WORDS:
                raise BadQuery(f"at most {MAX_WORDS} words in a query", query=text)
            if pending_near is not None:
                if lexeme.negated:
                    raise BadQuery("put '-' before the whole NEAR group", query=text)
                previous = items.pop()
                if isinstance(previous.expr, Near):
                    near = Near((*previous.expr.phrases, phrase),
                                (*previous.expr.gaps, pending_near))
                else:
                    near = Near((previous.expr, phrase), (pending_near,))
                items.append(Item(near, previous.negated))
                pending_near = None
            else:
                items.append(Item(phrase, lexeme.negated))
    if not items and not clauses:
        raise BadQuery("the query has no words", query=text)
    if not items:
        raise BadQuery("OR needs a word or phrase on both sides", query=text)
    close_clause()
    return Query(text, tuple(clauses))
