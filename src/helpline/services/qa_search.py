"""Stored transcripts and phrase search across them (issue 5 §2).

``ingest`` stores one contact's transcript in one transaction: the texts go through the
redactor first when one is given (what is stored, indexed and shown is the redacted
text), every utterance gets its lemma text for the full-text index, the contact gets its
sentiment (:mod:`helpline.quality.sentiment.rules`). Ingesting a contact again replaces
its transcript.

``search`` reads a query (:mod:`helpline.quality.search.query`), lets the database's
full-text index find candidate utterances in rank order (SQLite FTS5 ``bm25``;
PostgreSQL ``ts_rank_cd`` in the ``russian`` configuration) and keeps those the query
really matches on their lemmas (:mod:`helpline.quality.search.matching`), so both
databases return the same hits. Candidates are read in growing pages until ``limit``
hits are found or :data:`MAX_SCANNED` candidates were read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from helpline.domain.agents import Role
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed
from helpline.quality.search.contact_input import ContactTranscript
from helpline.quality.search.fulltext import (
    fts5_expression,
    like_patterns,
    positive_phrases,
    postgres_tsquery,
)
from helpline.quality.search.lemmas import Lemmatizer, default_lemmatizer, join_lemmas, nfc
from helpline.quality.search.matching import Span, match
from helpline.quality.search.query import Query, parse_query
from helpline.quality.search.snippets import Snippet, char_spans, snippet
from helpline.quality.sentiment.rules import score_contact
from helpline.services.context import ServiceContext
from helpline.store.qa_repository import (
    Candidate,
    Condition,
    Filters,
    Fts5Match,
    LikeMatch,
    QaRepository,
    TsQueryMatch,
)
from helpline.store.qa_tables import QaTranscriptRow, QaUtteranceRow
from helpline.store.uow import with_retries

#: Who may search transcripts and read QA reports.
QA_READERS = frozenset({Role.QA, Role.SUPERVISOR, Role.ADMIN})
SPEAKERS = ("agent", "customer")
CHANNELS = ("call", "chat")
MAX_LIMIT = 200
#: Candidates read at most per search (a query whose index condition is much wider than
#: the query itself — exclusions, stop words — stops here and says ``more``).
MAX_SCANNED = 20_000
SNIPPET_CHARS = 160

Redact = Callable[[str], str]


@dataclass(frozen=True)
class Stored:
    contact_ref: str
    transcript_id: int
    utterances: int
    replaced: bool
    redacted: bool
    sentiment: str
    started_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"contact": self.contact_ref, "transcript_id": self.transcript_id,
                "utterances": self.utterances, "replaced": self.replaced,
                "redacted": self.redacted, "sentiment": self.sentiment,
                "started_at": self.started_at.isoformat()}


@dataclass(frozen=True)
class PreparedTranscript:
    """A transcript ready to store: its texts (redacted when a redactor was given), their
    lemma texts and the contact's sentiment."""

    item: ContactTranscript
    texts: tuple[str, ...]
    lemma_texts: tuple[str, ...]
    sentiment: str
    sentiment_score: float
    redacted: bool


def prepare(item: ContactTranscript, *, redact: Redact | None = None,
            lemmatizer: Lemmatizer | None = None) -> PreparedTranscript:
    """Redact, lemmatise and score one transcript (no database)."""
    lemmatizer = lemmatizer or default_lemmatizer()
    utterances = item.transcript.utterances
    texts = [nfc(redact(u.text) if redact is not None else u.text) for u in utterances]
    lemma_texts = [join_lemmas(t.lemma for t in lemmatizer.tokens(text)) for text in texts]
    sentiment = score_contact(((u.speaker.value, text) for u, text in
                               zip(utterances, texts, strict=True)), lemmatizer)
    if item.started_at is not None:
        check_aware(item.started_at, "started_at")
    return PreparedTranscript(item, tuple(texts), tuple(lemma_texts), sentiment.label.value,
                              sentiment.score, redact is not None)


def write(repo: QaRepository, prepared: PreparedTranscript, now: datetime) -> Stored:
    """Store (or replace) a prepared transcript inside the caller's transaction."""
    item = prepared.item
    utterances = item.transcript.utterances
    started_at = item.started_at or now
    replaced = repo.delete_transcript(item.contact_ref)
    row = QaTranscriptRow(
        contact_ref=item.contact_ref, channel=item.transcript.channel,
        agent_id=item.agent_id, queue_id=item.queue_id, started_at=started_at,
        language=item.transcript.language,
        duration_seconds=item.transcript.duration_seconds,
        utterance_count=len(utterances), redacted=prepared.redacted,
        sentiment=prepared.sentiment, sentiment_score=prepared.sentiment_score,
        ingested_at=now)
    transcript_id = repo.add_transcript(row, [
        QaUtteranceRow(seq=i, speaker=u.speaker.value, start_seconds=u.start,
                       end_seconds=u.end, text=text, lemmas=lemmas)
        for i, (u, text, lemmas) in enumerate(
            zip(utterances, prepared.texts, prepared.lemma_texts, strict=True))])
    return Stored(item.contact_ref, transcript_id, len(utterances), replaced,
                  prepared.redacted, prepared.sentiment, started_at)


def ingest(ctx: ServiceContext, item: ContactTranscript, *, redact: Redact | None = None,
           lemmatizer: Lemmatizer | None = None) -> Stored:
    """Store (or replace) one contact's transcript and index it; one transaction."""
    prepared = prepare(item, redact=redact, lemmatizer=lemmatizer)
    now = ctx.now()

    def work() -> Stored:
        with ctx.uow() as uow:
            stored = write(QaRepository(uow.session), prepared, now)
            uow.commit()
            return stored

    return with_retries(work)


# -- search -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchFilters:
    """Who spoke, whose contact, which queue and channel, when the contact started:
    ``since`` and ``until`` are days (in the contact center's zone, both included) or
    aware datetimes (``since`` included, ``until`` excluded)."""

    speaker: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    channel: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None


@dataclass(frozen=True)
class SearchHit:
    contact_ref: str
    channel: str
    agent_id: str | None
    queue_id: str | None
    started_at: datetime
    utterance: int
    speaker: str
    start_seconds: float
    end_seconds: float
    text: str
    #: character spans of the matched words in ``text``
    highlights: tuple[Span, ...]
    rank: float
    snippet: Snippet = field(compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "contact": self.contact_ref, "channel": self.channel, "agent_id": self.agent_id,
            "queue": self.queue_id, "started_at": self.started_at.isoformat(),
            "utterance": self.utterance, "speaker": self.speaker,
            "start": self.start_seconds, "end": self.end_seconds, "text": self.text,
            "highlights": [list(s) for s in self.highlights],
            "snippet": self.snippet.text,
            "snippet_highlights": [list(s) for s in self.snippet.highlights],
            "snippet_html": self.snippet.html(), "rank": round(self.rank, 6),
        }


@dataclass(frozen=True)
class SearchResult:
    query: str
    #: the query as understood (lemmas, NEAR distances, OR branches)
    parsed: str
    hits: tuple[SearchHit, ...]
    #: more hits exist beyond ``limit`` (or the scan stopped at :data:`MAX_SCANNED`)
    more: bool
    #: how the database narrowed the candidates: fts5 | tsquery | like
    index: str

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "parsed": self.parsed, "index": self.index,
                "more": self.more, "hits": [hit.to_json() for hit in self.hits]}


def parse_when(text: str | None, name: str) -> date | datetime | None:
    """``2026-03-02`` (a day) or an ISO time with its UTC offset
    (``2026-03-02T10:00:00+03:00``); :class:`ValidationFailed` otherwise."""
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed(f"{name}: {text!r} is not a day (2026-03-02) or an ISO time "
                               "with its offset", field=name) from error
    return check_aware(moment, name)


def _bound(ctx: ServiceContext, value: date | datetime | None, name: str, *, end: bool
           ) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        check_aware(value, name)
        return value
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=ctx.timezone)


def check_filters(ctx: ServiceContext, filters: SearchFilters) -> Filters:
    """Validate the filters and turn days into instants (``ValidationFailed``)."""
    if filters.speaker is not None and filters.speaker not in SPEAKERS:
        raise ValidationFailed("speaker must be agent or customer", field="speaker")
    if filters.channel is not None and filters.channel not in CHANNELS:
        raise ValidationFailed("channel must be call or chat", field="channel")
    since = _bound(ctx, filters.since, "since", end=False)
    until = _bound(ctx, filters.until, "until", end=True)
    if since is not None and until is not None and until <= since:
        raise ValidationFailed("until must be after since", field="until")
    return Filters(filters.speaker, filters.agent_id, filters.queue_id, filters.channel,
                   since, until)


def _condition(repo: QaRepository, query: Query) -> Condition:
    if repo.dialect == "sqlite":
        return Fts5Match(fts5_expression(query))
    tsquery = postgres_tsquery(query, repo.normalise_phrases(positive_phrases(query)))
    if tsquery is None:
        return LikeMatch(tuple(tuple(b) for b in like_patterns(query)))
    return TsQueryMatch(tsquery)


def _hit(query: Query, candidate: Candidate, spans: list[Span], lemmatizer: Lemmatizer
         ) -> SearchHit:
    tokens = lemmatizer.tokens(candidate.text)
    lemmas = [t.lemma for t in tokens]
    if lemmas != candidate.lemmas.split():
        # indexed with another dictionary version: highlight what today's lemmas show
        spans = match(query, lemmas) or []
    highlights = tuple(char_spans(tokens, spans))
    return SearchHit(
        candidate.contact_ref, candidate.channel, candidate.agent_id, candidate.queue_id,
        candidate.started_at, candidate.seq, candidate.speaker, candidate.start_seconds,
        candidate.end_seconds, candidate.text, highlights, candidate.rank,
        snippet(candidate.text, highlights, SNIPPET_CHARS))


def search(ctx: ServiceContext, text: str, filters: SearchFilters | None = None,
           limit: int = 20, *, lemmatizer: Lemmatizer | None = None) -> SearchResult:
    """Utterances matching ``text`` under ``filters``, best first (see the module's doc)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    lemmatizer = lemmatizer or default_lemmatizer()
    query = parse_query(text, lemmatizer)
    where = check_filters(ctx, filters or SearchFilters())
    with ctx.uow() as uow:
        repo = QaRepository(uow.session)
        condition = _condition(repo, query)
        hits: list[SearchHit] = []
        offset, page = 0, max(2 * limit, 50)
        exhausted = False
        while len(hits) <= limit and offset < MAX_SCANNED:
            rows = repo.candidates(condition, where, limit=page, offset=offset)
            for row in rows:
                spans = match(query, row.lemmas.split())
                if spans is not None:
                    hits.append(_hit(query, row, spans, lemmatizer))
            offset += len(rows)
            if len(rows) < page:
                exhausted = True
                break
            page = min(page * 2, 5_000)
    index = {Fts5Match: "fts5", TsQueryMatch: "tsquery", LikeMatch: "like"}[type(condition)]
    more = len(hits) > limit or not exhausted
    return SearchResult(text, str(query), tuple(hits[:limit]), more, index)

