"""The phrase-search query language without a database: lemmas, parsing, matching,
the FTS5 / tsquery text it becomes, snippets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.quality.search.fulltext import (
    fts5_expression,
    like_patterns,
    positive_phrases,
    postgres_tsquery,
)
from helpline.quality.search.lemmas import default_lemmatizer
from helpline.quality.search.matching import gap, match, merge, occurrences
from helpline.quality.search.query import BadQuery, Phrase, Query, parse_query
from helpline.quality.search.snippets import snippet

LEM = default_lemmatizer()


def q(text: str) -> Query:
    return parse_query(text, LEM)


def lemmas(text: str) -> list[str]:
    return [t.lemma for t in LEM.tokens(text)]


def test_lemmas_fold_forms_case_and_yo() -> None:
    assert lemmas("Тарифом, тарифы; ТАРИФ") == ["тариф", "тариф", "тариф"]
    assert lemmas("Ещё еще") == ["еще", "еще"]
    # a hyphenated word: its parts, each lemmatised alone, so that the spelling with a
    # space (as speech recognition writes it) gives the same lemmas
    tokens = LEM.tokens("новую сим-карту")
    assert [(t.lemma, t.start, t.end) for t in tokens] == [
        ("новый", 0, 5), (LEM.lemmas("сим")[0], 6, 9), ("карта", 10, 15)]
    assert lemmas("сим карту") == lemmas("сим-карту") == lemmas("Сим‑карта")
    assert lemmas("4G и 1414, e-mail_x") == ["4g", "и", "1414", "e", "mail", "x"]


def test_parsing_words_phrases_near_negation_or() -> None:
    assert str(q("Тарифы роуминга")) == "тариф роуминг"
    assert str(q('"не работает интернет"')) == '"не работать интернет"'
    assert str(q("«не работает»")) == '"не работать"'
    assert str(q("тариф NEAR/5 роуминг")) == "тариф NEAR/5 роуминг"
    assert str(q("тариф NEAR роуминг")) == "тариф NEAR/10 роуминг"
    assert str(q('а NEAR/1 "карта связи" NEAR/3 замена')) == 'а NEAR/1 "карта связь" NEAR/3 замена'
    assert str(q("тариф -роуминг -\"не работает\"")) == 'тариф -роуминг -"не работать"'
    assert str(q("жалоба OR претензия спам")) == "жалоба OR претензия спам"
    assert q("сим-карта").clauses == q('"сим карту"').clauses  # one phrase either way
    assert str(q("тариф,роуминг")) == "тариф роуминг"  # two written words
    # lower-case operators are words
    assert str(q("тариф or роуминг near")) == "тариф or роуминг near"


@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "NEAR тариф", "тариф NEAR", "тариф NEAR NEAR роуминг", "-тариф",
    "OR тариф", "тариф OR", "тариф OR OR роуминг", '""', "тариф NEAR/51 роуминг",
    "тариф NEAR -роуминг", "x" * 501, " ".join(["слово"] * 17), "тариф OR -роуминг",
])
def test_unreadable_queries_are_refused(text: str) -> None:
    with pytest.raises(BadQuery) as refused:
        q(text)
    assert refused.value.error_id == "bad_search_query"


def test_matching_phrases_near_and_exclusions() -> None:
    words = lemmas("Роуминг подключён, но тариф для поездки в Грузию мне никто не объяснил")
    assert match(q("тариф NEAR/3 Грузия"), words) == [(3, 4), (7, 8)]
    assert match(q("тариф NEAR/2 Грузия"), words) is None
    assert match(q('"поездка в Грузию"'), words) == [(5, 8)]
    assert match(q('"в поездку Грузию"'), words) is None
    assert match(q("тариф -Грузия"), words) is None
    assert match(q("тариф -Турция"), words) == [(3, 4)]
    assert match(q("Турция OR тариф"), words) == [(3, 4)]
    assert match(q("Турция OR Египет"), words) is None
    # the same word on both sides of NEAR needs two occurrences
    assert match(q("роуминг NEAR/5 роуминг"), words) is None
    assert match(q("роуминг NEAR/5 роуминг"), lemmas("роуминг и роуминг")) == [(0, 1), (2, 3)]


def test_a_near_chain_highlights_only_occurrences_in_a_valid_chain() -> None:
    words = lemmas("тариф а б в г д е роуминг тариф Грузия")
    # the first «тариф» is too far from «роуминг»; only the second one chains
    assert match(q("тариф NEAR/0 роуминг NEAR/1 Грузия"), words) == [(7, 10)]


def test_gap_and_merge() -> None:
    assert gap((0, 1), (3, 4)) == 2 and gap((3, 4), (0, 1)) == 2
    assert gap((0, 2), (1, 3)) is None and gap((0, 1), (1, 2)) == 0
    assert merge([(5, 6), (0, 2), (1, 3), (3, 4)]) == [(0, 4), (5, 6)]
    assert occurrences(Phrase(("а", "б")), ["а", "б", "а", "б"]) == [(0, 2), (2, 4)]


def test_fts5_expressions() -> None:
    assert fts5_expression(q("тариф")) == '("тариф")'
    assert fts5_expression(q('"не работает" роуминг')) == '("не работать" AND "роуминг")'
    assert fts5_expression(q("тариф NEAR/3 Грузия")) == '(NEAR("тариф" "грузия", 3))'
    assert fts5_expression(q("а NEAR/1 б NEAR/2 в")) == (
        '((NEAR("а" "б", 1) AND NEAR("б" "в", 2)))')
    assert fts5_expression(q("тариф -роуминг -а NEAR/1 б")) == (
        '((("тариф") NOT "роуминг") NOT NEAR("а" "б", 1))')
    # a chain cannot be excluded exactly in FTS5: the matcher does it
    assert fts5_expression(q("тариф -а NEAR/1 б NEAR/1 в")) == '("тариф")'
    assert fts5_expression(q("а OR б")) == '("а") OR ("б")'


def test_postgres_tsquery_from_normalised_phrases() -> None:
    query = q('"не работает" тариф -роуминг OR Грузия NEAR/2 поездка')
    assert positive_phrases(query) == ["не работать", "тариф", "грузия", "поездка"]
    normalised = {"не работать": "'работа'", "тариф": "'тариф'", "грузия": "'груз'",
                  "поездка": "'поездк'"}
    assert postgres_tsquery(query, normalised) == (
        "( ( 'работа' ) & ( 'тариф' ) ) | ( ( 'груз' ) & ( 'поездк' ) )")
    # a branch of stop words only cannot use the index at all
    assert postgres_tsquery(q("не OR тариф"), {"не": "", "тариф": "'тариф'"}) is None
    assert like_patterns(q("не OR тариф NEAR/1 роуминг")) == [
        ["% не %"], ["% тариф %", "% роуминг %"]]


def test_snippets_cut_long_texts_around_the_first_match() -> None:
    text = "начало " + "слово " * 40 + "тариф " + "хвост " * 40
    start = text.index("тариф")
    cut = snippet(text, [(start, start + 5)], width=80)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert len(cut.text) <= 80 + 22
    a, b = cut.highlights[0]
    assert cut.text[a:b] == "тариф"
    assert cut.marked("<", ">").count("<тариф>") == 1
    short = snippet("Тариф <дорогой> & всё", [(0, 5)])
    assert short.html() == "<mark>Тариф</mark> &lt;дорогой&gt; &amp; всё"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["а", "б", "в", "г"]), max_size=12),
       st.sampled_from(["а", "б"]), st.sampled_from(["в", "г"]), st.integers(0, 4))
def test_near_agrees_with_brute_force(words: list[str], x: str, y: str, most: int) -> None:
    """NEAR/n holds exactly when some occurrence pair has at most n words between."""
    pairs = [(i, j) for i, a in enumerate(words) for j, b in enumerate(words)
             if a == x and b == y and abs(i - j) - 1 <= most]
    assert (match(q(f"{x} NEAR/{most} {y}"), words) is not None) == bool(pairs)
