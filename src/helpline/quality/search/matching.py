"""Does a query hold in one utterance, and which words show it?

This is the definition of the query language (:mod:`helpline.quality.search.query`);
the databases' full-text indexes find candidates and these functions decide, so SQLite
and PostgreSQL return the same hits. Positions are word (lemma) indexes; a span is
``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from helpline.quality.search.query import Clause, Item, Near, Phrase, Query

Span = tuple[int, int]


def occurrences(phrase: Phrase, lemmas: Sequence[str]) -> list[Span]:
    """Every place where the phrase's lemmas stand consecutively."""
    size = len(phrase.lemmas)
    first = phrase.lemmas[0]
    return [(i, i + size) for i in range(len(lemmas) - size + 1)
            if lemmas[i] == first and tuple(lemmas[i:i + size]) == phrase.lemmas]


def gap(a: Span, b: Span) -> int | None:
    """Words strictly between two spans (either order); ``None`` when they overlap."""
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return None


def _within(a: Span, b: Span, most: int) -> bool:
    between = gap(a, b)
    return between is not None and between <= most


def near_spans(near: Near, lemmas: Sequence[str]) -> list[Span]:
    """Occurrences that take part in at least one chain satisfying every distance;
    empty when the group does not hold."""
    found = [occurrences(phrase, lemmas) for phrase in near.phrases]
    if any(not spans for spans in found):
        return []
    # forward[k]: occurrences of phrase k reachable by a valid chain from phrase 0
    forward = [found[0]]
    for k, most in enumerate(near.gaps, start=1):
        forward.append([s for s in found[k] if any(_within(p, s, most) for p in forward[-1])])
        if not forward[-1]:
            return []
    # keep those that also reach the last phrase
    alive = [forward[-1]]
    for k in range(len(near.gaps) - 1, -1, -1):
        most = near.gaps[k]
        alive.insert(0, [s for s in forward[k] if any(_within(s, n, most) for n in alive[0])])
    return sorted({span for spans in alive for span in spans})


def item_spans(item: Item, lemmas: Sequence[str]) -> list[Span]:
    """Where the (non-negated reading of the) item occurs; empty when it does not."""
    if isinstance(item.expr, Near):
        return near_spans(item.expr, lemmas)
    return occurrences(item.expr, lemmas)


def clause_spans(clause: Clause, lemmas: Sequence[str]) -> list[Span] | None:
    spans: list[Span] = []
    for item in clause.items:
        found = item_spans(item, lemmas)
        if item.negated:
            if found:
                return None
        elif not found:
            return None
        else:
            spans.extend(found)
    return spans


def match(query: Query, lemmas: Sequence[str]) -> list[Span] | None:
    """``None`` when the query does not hold; else the word spans to highlight (sorted,
    merged), from every OR-branch that holds."""
    spans: list[Span] = []
    matched = False
    for clause in query.clauses:
        found = clause_spans(clause, lemmas)
        if found is not None:
            matched = True
            spans.extend(found)
    return merge(spans) if matched else None


def merge(spans: Sequence[Span]) -> list[Span]:
    """Sorted spans with overlapping or touching ones joined."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
