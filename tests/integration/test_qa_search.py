"""Phrase search across stored transcripts on SQLite (FTS5) and PostgreSQL (tsvector,
'russian'): word forms, ё/е, phrases, proximity, exclusions, filters, redaction,
ranking. Every expectation is the same on both databases."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from helpline.domain.errors import ValidationFailed
from helpline.quality.search.query import BadQuery
from helpline.services import qa_search
from helpline.services.context import ServiceContext
from helpline.services.qa_search import SearchFilters, SearchResult
from helpline.store.qa_tables import QaTranscriptRow, QaUtteranceRow
from tests.integration.qa_helpers import MSK, A, C, contact, load_corpus


@pytest.fixture
def corpus(ctx: ServiceContext) -> ServiceContext:
    load_corpus(ctx)
    return ctx


def found(result: SearchResult) -> set[tuple[str, int]]:
    return {(hit.contact_ref, hit.utterance) for hit in result.hits}


def marked(result: SearchResult, ref: str, utterance: int) -> list[str]:
    """The highlighted words of one hit."""
    for hit in result.hits:
        if (hit.contact_ref, hit.utterance) == (ref, utterance):
            return [hit.text[a:b] for a, b in hit.highlights]
    raise AssertionError(f"{ref}#{utterance} not among the hits")


def test_every_word_form_is_found_by_its_lemma(corpus: ServiceContext) -> None:
    result = qa_search.search(corpus, "тариф")
    assert found(result) == {("c1", 1), ("c1", 2), ("c2", 0), ("c2", 1), ("c3", 0), ("c3", 1)}
    assert marked(result, "c1", 1) == ["тариф", "тарифом"]
    assert marked(result, "c1", 2) == ["тарифы"]
    # the query's own form does not matter either
    assert found(qa_search.search(corpus, "тарифами")) == found(result)
    assert found(qa_search.search(corpus, "ТАРИФОВ")) == found(result)


def test_yo_and_ye_are_one_letter(corpus: ServiceContext) -> None:
    expected = {("c1", 3), ("c3", 0), ("c3", 2)}  # «Ещё», «Еще», «ещё»
    assert found(qa_search.search(corpus, "еще")) == expected
    assert found(qa_search.search(corpus, "ещё")) == expected
    assert found(qa_search.search(corpus, "подключен")) == {("c3", 1)}  # written «подключён»


def test_exact_phrase_needs_the_words_together_and_in_order(corpus: ServiceContext) -> None:
    scattered = qa_search.search(corpus, "не работает интернет")
    assert found(scattered) == {("c1", 3), ("c2", 0), ("c2", 3)}
    phrase = qa_search.search(corpus, '"не работает интернет"')
    assert found(phrase) == {("c2", 3)}
    assert marked(phrase, "c2", 3) == ["не работает интернет"]
    # forms are free inside a phrase, Russian quotes work the same
    assert found(qa_search.search(corpus, "«не работал интернет»")) == {("c2", 3)}
    assert found(qa_search.search(corpus, '"интернет не работает"')) == {("c1", 3)}


def test_proximity_within_n_words_and_not_beyond(corpus: ServiceContext) -> None:
    # «тариф для поездки в Грузию»: three words between
    assert found(qa_search.search(corpus, "тариф NEAR/3 Грузия")) == {("c3", 1)}
    assert found(qa_search.search(corpus, "Грузия NEAR/3 тариф")) == {("c3", 1)}  # either order
    assert found(qa_search.search(corpus, "тариф NEAR/2 Грузия")) == set()
    near = qa_search.search(corpus, "тариф NEAR/3 грузии")
    assert marked(near, "c3", 1) == ["тариф", "Грузию"]
    # «роуминг: тариф» — adjacent pairs; NEAR without a number allows 10
    assert found(qa_search.search(corpus, "роуминг NEAR/0 тариф")) == {("c3", 0)}
    assert found(qa_search.search(corpus, "поездка NEAR Грузия")) == {("c3", 1)}
    # a chain: each neighbour pair within its distance («Роуминг подключён, но тариф для
    # поездки в Грузию»; c3#0 has «роуминг: тариф» adjacent but no Грузия)
    assert found(qa_search.search(corpus, "роуминг NEAR/2 тариф NEAR/3 Грузия")) == {("c3", 1)}
    assert found(qa_search.search(corpus, "роуминг NEAR/1 тариф NEAR/3 Грузия")) == set()


def test_or_and_exclusion(corpus: ServiceContext) -> None:
    assert found(qa_search.search(corpus, "Грузия OR линия")) == {("c3", 1), ("c2", 1)}
    assert found(qa_search.search(corpus, "тариф -роуминг")) == {
        ("c1", 1), ("c1", 2), ("c2", 0), ("c2", 1)}
    assert found(qa_search.search(corpus, 'тариф -"не работает"')) == {
        ("c1", 1), ("c1", 2), ("c2", 1), ("c3", 0), ("c3", 1)}


def test_filters(corpus: ServiceContext) -> None:
    def with_filters(**kw: object) -> set[tuple[str, int]]:
        return found(qa_search.search(corpus, "тариф", SearchFilters(**kw)))  # type: ignore[arg-type]

    assert with_filters(speaker="agent") == {("c1", 2), ("c2", 1)}
    assert with_filters(speaker="customer") == {("c1", 1), ("c2", 0), ("c3", 0), ("c3", 1)}
    assert with_filters(agent_id="boris") == {("c2", 0), ("c2", 1)}
    assert with_filters(queue_id="mobile", speaker="customer") == {
        ("c1", 1), ("c3", 0), ("c3", 1)}
    assert with_filters(channel="chat") == {("c2", 0), ("c2", 1)}
    # days are local and both included
    assert with_filters(since=date(2026, 3, 9), until=date(2026, 3, 9)) == {
        ("c2", 0), ("c2", 1)}
    assert with_filters(until=date(2026, 3, 8)) == {("c1", 1), ("c1", 2)}
    assert with_filters(since=datetime(2026, 3, 16, 9, 30, tzinfo=MSK)) == {
        ("c3", 0), ("c3", 1)}
    hit = qa_search.search(corpus, "Грузия").hits[0]
    assert (hit.contact_ref, hit.agent_id, hit.queue_id, hit.channel, hit.speaker,
            hit.start_seconds, hit.end_seconds) == ("c3", "anna", "mobile", "call",
                                                    "customer", 4.0, 7.5)
    assert hit.started_at == datetime(2026, 3, 16, 9, 30, tzinfo=MSK)


def test_redacted_text_hides_the_number_from_search(corpus: ServiceContext) -> None:
    # c2 went through the redactor: the card number is neither stored nor indexed
    for number in ("4276", "1234", "9012"):
        assert qa_search.search(corpus, number).hits == ()
    hit = qa_search.search(corpus, '"номер карты"').hits[0]
    assert hit.contact_ref == "c2" and "4276" not in hit.text and "[номер]" in hit.text
    with corpus.uow() as uow:
        texts = uow.session.scalars(select(QaUtteranceRow.text)).all()
        assert not any("4276" in t for t in texts)
        assert uow.session.scalars(select(QaTranscriptRow.redacted).where(
            QaTranscriptRow.contact_ref == "c2")).one() is True
    # the same words in a transcript stored without a redactor are found (control)
    qa_search.ingest(corpus, contact("plain", [(C, "Карта 4276 1234 5678 9012")],
                                     started_at=datetime(2026, 3, 3, tzinfo=MSK)))
    assert found(qa_search.search(corpus, "4276")) == {("plain", 0)}


def test_ranking_puts_dense_short_mentions_first(corpus: ServiceContext) -> None:
    result = qa_search.search(corpus, "роуминг")
    assert found(result) == {("c2", 2), ("c3", 0), ("c3", 1), ("c3", 2), ("c3", 3)}
    order = [(h.contact_ref, h.utterance) for h in result.hits]
    # three mentions in six words first; one mention in a long sentence last
    assert order[0] == ("c3", 2)
    assert order[-1] == ("c3", 3)
    assert [h.rank for h in result.hits] == sorted((h.rank for h in result.hits), reverse=True)


def test_limit_more_and_snippets(corpus: ServiceContext) -> None:
    result = qa_search.search(corpus, "роуминг", limit=2)
    assert len(result.hits) == 2 and result.more
    assert not qa_search.search(corpus, "роуминг", limit=5).more
    long_hit = next(h for h in qa_search.search(corpus, "отпуск").hits)
    assert long_hit.snippet.text == long_hit.text  # shorter than the snippet width
    assert long_hit.snippet.marked().count("[отпуск]") == 1


def test_stop_words_alone_still_search(corpus: ServiceContext) -> None:
    # «не» is a stop word of PostgreSQL's russian configuration: the index cannot help
    result = qa_search.search(corpus, "не", SearchFilters(speaker="customer"))
    # («недоволен» in c1#1 is one word, not «не»)
    assert found(result) == {("c1", 3), ("c2", 0), ("c2", 3), ("c3", 1)}
    assert result.index == ("like" if corpus.dialect == "postgresql" else "fts5")
    # «не» inside a phrase keeps its place: "интернет не" is not "не интернет"
    assert found(qa_search.search(corpus, '"интернет не"')) == {("c1", 3)}


def test_ingesting_a_contact_again_replaces_it(corpus: ServiceContext) -> None:
    again = contact("c1", [(C, "Только один вопрос про пакет минут.")],
                    started_at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK), agent="anna")
    stored = qa_search.ingest(corpus, again)
    assert stored.replaced and stored.utterances == 1
    assert ("c1", 1) not in found(qa_search.search(corpus, "тариф"))
    assert found(qa_search.search(corpus, "пакет минута")) == {("c1", 0)}


def test_queries_that_cannot_be_read(corpus: ServiceContext) -> None:
    for bad in ("", "!!!", "NEAR тариф", "тариф NEAR", "-тариф", "тариф OR", '""',
                "тариф NEAR/51 роуминг", "а " * 20):
        with pytest.raises(BadQuery):
            qa_search.search(corpus, bad)
    with pytest.raises(ValidationFailed):
        qa_search.search(corpus, "тариф", SearchFilters(speaker="robot"))
    with pytest.raises(ValidationFailed):
        qa_search.search(corpus, "тариф", limit=0)


def test_an_empty_store_finds_nothing(ctx: ServiceContext) -> None:
    result = qa_search.search(ctx, '"не работает" OR тариф')
    assert result.hits == () and not result.more


def test_a_utterance_of_an_agent_and_a_customer_keeps_its_speaker(ctx: ServiceContext) -> None:
    qa_search.ingest(ctx, contact("s", [(A, "Спасибо за ожидание."), (C, "Спасибо.")],
                                  started_at=datetime(2026, 3, 1, tzinfo=MSK)))
    assert {(h.speaker, h.utterance) for h in qa_search.search(ctx, "спасибо").hits} == {
        ("agent", 0), ("customer", 1)}


def test_the_database_index_does_the_narrowing(corpus: ServiceContext) -> None:
    result = qa_search.search(corpus, '"не работает интернет" OR Грузия')
    assert result.index == ("tsquery" if corpus.dialect == "postgresql" else "fts5")
    if corpus.dialect != "postgresql":
        return
    with corpus.uow() as uow:
        uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(uow.session.execute(text(
            "EXPLAIN SELECT id FROM qa_utterances WHERE lemma_tsv @@ CAST(:q AS tsquery)"),
            {"q": "'грузия'"}).scalars())
    assert "ix_qa_utterances_lemma_tsv" in plan


def test_hyphenated_and_spaced_spellings_are_one_phrase(ctx: ServiceContext) -> None:
    qa_search.ingest(ctx, contact("sim", [
        (C, "Замените мне сим карту, пожалуйста."),   # as speech recognition writes it
        (C, "Новая сим-карта не работает."),
        (C, "Карта сим не та."),
    ], started_at=datetime(2026, 3, 4, tzinfo=MSK)))
    for query in ("сим-карта", '"сим карты"', "«сим-картой»"):
        assert found(qa_search.search(ctx, query)) == {("sim", 0), ("sim", 1)}, query


def test_the_project_redactor_keeps_card_and_phone_out_of_the_index(
        ctx: ServiceContext) -> None:
    from helpline.quality.search.cli import default_redactor

    redact = default_redactor()
    assert redact is not None
    qa_search.ingest(ctx, contact("pd", [
        (C, "Номер карты 4111 1111 1111 1111, спишите оплату."),
        (C, "Мой телефон плюс семь девятьсот шестнадцать сто двадцать три сорок пять "
            "шестьдесят семь."),
    ], started_at=datetime(2026, 3, 5, tzinfo=MSK)), redact=redact)
    for query in ("4111", '"4111 1111"', "девятьсот NEAR/1 шестнадцать", "шестьдесят"):
        assert qa_search.search(ctx, query).hits == (), query
    texts = [h.text for h in qa_search.search(ctx, "карта OR телефон").hits]
    assert len(texts) == 2 and all("[card]" in t or "[phone]" in t for t in texts)
