"""Stored transcripts: write them, find utterances through the full-text index, read
the sentiment per contact. Never commits: the services own the transaction.

Full-text conditions (built by :mod:`helpline.quality.search.fulltext`):

* SQLite: ``qa_utterances_fts MATCH :expression``, ranked by ``bm25`` (negated, so a
  higher rank is better everywhere);
* PostgreSQL: ``lemma_tsv @@ :tsquery``, ranked by ``ts_rank_cd(lemma_tsv, q, 1)`` (cover
  density, divided by 1 + log of the utterance's length); or, when the query has only stop
  words of the ``russian`` configuration, ``LIKE`` patterns on the lemma text (no index,
  rank 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    column,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from helpline.store.qa_tables import FTS_TABLE, TSV_COLUMN, QaTranscriptRow, QaUtteranceRow
from helpline.store.tables import Base

T = Base.metadata.tables[QaTranscriptRow.__tablename__]
U = Base.metadata.tables[QaUtteranceRow.__tablename__]


@dataclass(frozen=True)
class Filters:
    """Search filters; ``since`` inclusive, ``until`` exclusive (aware datetimes)."""

    speaker: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Fts5Match:
    expression: str


@dataclass(frozen=True)
class TsQueryMatch:
    tsquery: str


@dataclass(frozen=True)
class LikeMatch:
    """Per OR-branch, patterns that must all hold on ``' ' || lemmas || ' '``."""

    branches: tuple[tuple[str, ...], ...]


Condition = Fts5Match | TsQueryMatch | LikeMatch


@dataclass(frozen=True)
class Candidate:
    utterance_id: int
    seq: int
    speaker: str
    start_seconds: float
    end_seconds: float
    text: str
    lemmas: str
    contact_ref: str
    channel: str
    agent_id: str | None
    queue_id: str | None
    started_at: datetime
    rank: float


@dataclass(frozen=True)
class SentimentRow:
    queue_id: str | None
    started_at: datetime
    sentiment: str


def _filters(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.speaker is not None:
        where.append(U.c.speaker == filters.speaker)
    if filters.agent_id is not None:
        where.append(T.c.agent_id == filters.agent_id)
    if filters.queue_id is not None:
        where.append(T.c.queue_id == filters.queue_id)
    if filters.channel is not None:
        where.append(T.c.channel == filters.channel)
    if filters.since is not None:
        where.append(T.c.started_at >= filters.since)
    if filters.until is not None:
        where.append(T.c.started_at < filters.until)
    return where


_COLUMNS = (U.c.id, U.c.seq, U.c.speaker, U.c.start_seconds, U.c.end_seconds, U.c.text,
            U.c.lemmas, T.c.contact_ref, T.c.channel, T.c.agent_id, T.c.queue_id,
            T.c.started_at)


class QaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        name: str = self.session.get_bind().dialect.name
        return name

    # -- transcripts --------------------------------------------------------------------
    def delete_transcript(self, contact_ref: str) -> bool:
        """Remove a contact's transcript (its utterances cascade); whether there was one."""
        found = self.session.execute(
            select(T.c.id).where(T.c.contact_ref == contact_ref)).scalar_one_or_none()
        if found is None:
            return False
        # utterances first: SQLite's FTS triggers see each row leave
        self.session.execute(delete(U).where(U.c.transcript_id == found))
        self.session.execute(delete(T).where(T.c.id == found))
        return True

    def add_transcript(self, row: QaTranscriptRow, utterances: Sequence[QaUtteranceRow]) -> int:
        self.session.add(row)
        self.session.flush()
        for utterance in utterances:
            utterance.transcript_id = row.id
        self.session.add_all(utterances)
        self.session.flush()
        return row.id

    def transcript(self, contact_ref: str) -> QaTranscriptRow | None:
        return self.session.execute(
            select(QaTranscriptRow).where(QaTranscriptRow.contact_ref == contact_ref)
        ).scalar_one_or_none()

    def utterances(self, transcript_id: int) -> list[QaUtteranceRow]:
        return list(self.session.execute(
            select(QaUtteranceRow).where(QaUtteranceRow.transcript_id == transcript_id)
            .order_by(QaUtteranceRow.seq)).scalars())

    # -- search -------------------------------------------------------------------------
    def normalise_phrases(self, phrases: Sequence[str]) -> dict[str, str]:
        """PostgreSQL: each phrase's ``phraseto_tsquery('russian', …)`` as text ('' for stop
        words only)."""
        if not phrases:
            return {}
        columns = ", ".join(f"phraseto_tsquery('russian', :p{i})::text"
                            for i in range(len(phrases)))
        row = self.session.execute(text(f"SELECT {columns}"),
                                   {f"p{i}": p for i, p in enumerate(phrases)}).one()
        return {phrase: str(value or "") for phrase, value in zip(phrases, row, strict=True)}

    def candidates(self, condition: Condition, filters: Filters, *, limit: int,
                   offset: int) -> list[Candidate]:
        """Utterances the condition selects, best rank first, then newer contacts, then
        utterance id."""
        stmt = self._statement(condition).where(*_filters(filters)).limit(limit).offset(offset)
        return [Candidate(*row) for row in self.session.execute(stmt).all()]

    def _statement(self, condition: Condition) -> Select[Any]:
        joined = U.join(T, T.c.id == U.c.transcript_id)
        if isinstance(condition, Fts5Match):
            fts = table(FTS_TABLE, column("rowid", Integer))
            fts_name: ColumnClause[Any] = literal_column(FTS_TABLE)
            bm25 = func.bm25(fts_name, type_=Float)
            return (select(*_COLUMNS, (-bm25).label("rank"))
                    .select_from(fts.join(joined, U.c.id == fts.c.rowid))
                    .where(fts_name.op("MATCH")(bindparam("fts", condition.expression)))
                    .order_by(bm25, T.c.started_at.desc(), U.c.id))
        if isinstance(condition, TsQueryMatch):
            tsv: ColumnClause[Any] = literal_column(f"{U.name}.{TSV_COLUMN}")
            query = cast(bindparam("tsq", condition.tsquery), TSQUERY)
            rank = func.ts_rank_cd(tsv, query, 1, type_=Float)
            return (select(*_COLUMNS, rank.label("rank")).select_from(joined)
                    .where(tsv.op("@@")(query))
                    .order_by(rank.desc(), T.c.started_at.desc(), U.c.id))
        padded = literal(" ") + U.c.lemmas + literal(" ")
        match = or_(*[and_(*[padded.like(p) for p in branch]) for branch in condition.branches])
        return (select(*_COLUMNS, literal(0.0, Float).label("rank")).select_from(joined)
                .where(match).order_by(T.c.started_at.desc(), U.c.id))

    # -- reports ------------------------------------------------------------------------
    def sentiment_rows(self, since: datetime | None, until: datetime | None
                       ) -> list[SentimentRow]:
        where = []
        if since is not None:
            where.append(T.c.started_at >= since)
        if until is not None:
            where.append(T.c.started_at < until)
        stmt = (select(T.c.queue_id, T.c.started_at, T.c.sentiment).where(*where)
                .order_by(T.c.started_at, T.c.id))
        return [SentimentRow(*row) for row in self.session.execute(stmt).all()]

