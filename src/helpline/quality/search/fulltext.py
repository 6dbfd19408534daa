"""A parsed query as the databases' full-text conditions.

Each condition selects a superset of the utterances the query matches (never fewer);
:mod:`helpline.quality.search.matching` then decides on the lemmas, so both databases
return the same hits.

* SQLite: an FTS5 ``MATCH`` expression on the lemma text (the index holds lemmas as they
  are): phrases are FTS5 phrases, ``a NEAR/n b`` is ``NEAR("a" "b", n)`` (same counting:
  words between), a chain is its neighbour pairs joined by AND, an excluded phrase or
  pair is ``NOT``. For these shapes the FTS5 result is already exact.
* PostgreSQL: a ``tsquery`` in the ``russian`` configuration over the lemma text: each
  phrase goes through ``phraseto_tsquery('russian', …)`` (the caller asks the database,
  see :func:`postgres_tsquery`), which stems the lemmas and leaves out stop words while
  keeping their positions; NEAR becomes AND and exclusions are left to the matcher
  (stems may join two different lemmas, so a stem-level NOT could drop a true hit). A
  phrase made only of stop words («не», «и») gives an empty tsquery; a branch with nothing
  else cannot use the index, and the caller falls back to :func:`like_patterns`.
"""

from __future__ import annotations

from collections.abc import Mapping

from helpline.quality.search.query import Clause, Item, Near, Phrase, Query


def phrase_text(phrase: Phrase) -> str:
    return " ".join(phrase.lemmas)


def _fts5_phrase(phrase: Phrase) -> str:
    return '"' + phrase_text(phrase).replace('"', '""') + '"'


def _fts5_item(item: Item) -> str | None:
    """The item in FTS5 syntax; ``None`` when FTS5 cannot say it exactly (chains)."""
    if isinstance(item.expr, Phrase):
        return _fts5_phrase(item.expr)
    near = item.expr
    pairs = [f"NEAR({_fts5_phrase(a)} {_fts5_phrase(b)}, {gap})"
             for a, b, gap in near_pairs(near)]
    if item.negated and len(pairs) > 1:
        return None  # the pairs are weaker than the chain: NOT of them would drop hits
    return " AND ".join(pairs) if len(pairs) == 1 else "(" + " AND ".join(pairs) + ")"


def _fts5_clause(clause: Clause) -> str:
    positive = [_fts5_item(item) for item in clause.positive]
    out = "(" + " AND ".join(p for p in positive if p is not None) + ")"
    for item in clause.negative:
        excluded = _fts5_item(item)
        if excluded is not None:
            out = f"({out} NOT {excluded})"
    return out


def fts5_expression(query: Query) -> str:
    """The FTS5 ``MATCH`` string for the lemma column."""
    return " OR ".join(_fts5_clause(clause) for clause in query.clauses)


def positive_phrases(query: Query) -> list[str]:
    """The lemma texts of every phrase that must occur (what PostgreSQL normalises)."""
    seen: dict[str, None] = {}
    for clause in query.clauses:
        for item in clause.positive:
            for phrase in item.phrases:
                seen.setdefault(phrase_text(phrase))
    return list(seen)


def postgres_tsquery(query: Query, normalised: Mapping[str, str]) -> str | None:
    """The ``tsquery`` text from each phrase's ``phraseto_tsquery('russian', …)::text``
    (``normalised``, keyed by :func:`positive_phrases`); ``None`` when a branch has only
    stop words (no index condition is a superset then)."""
    branches: list[str] = []
    for clause in query.clauses:
        pieces: list[str] = []
        for item in clause.positive:
            for phrase in item.phrases:
                piece = normalised[phrase_text(phrase)].strip()
                if piece and piece not in pieces:
                    pieces.append(piece)
        if not pieces:
            return None
        branches.append(" & ".join(f"( {piece} )" for piece in pieces))
    return " | ".join(f"( {branch} )" for branch in branches)


def like_patterns(query: Query) -> list[list[str]]:
    """Per OR-branch, ``LIKE`` patterns on ``' ' || lemmas || ' '`` that every match of
    the branch satisfies (the fallback when the index cannot help)."""
    return [[f"% {phrase_text(p)} %" for item in clause.positive for p in item.phrases]
            for clause in query.clauses]


def near_pairs(near: Near) -> list[tuple[Phrase, Phrase, int]]:
    return list(zip(near.phrases, near.phrases[1:], near.gaps, strict=False))
