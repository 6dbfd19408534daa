"""Typed mappings of quality analytics (migrations 0006 and 0007), on the shared ``Base``.

* ``qa_transcripts`` — one transcript per contact (``contact_ref``: the platform's contact
  id or the recording's name), its channel, agent, queue, start time, language, the
  contact's sentiment, and whether its text went through redaction.
* ``qa_utterances`` — its utterances: speaker, start and end in seconds, the text as
  stored (redacted when a redactor was given) and ``lemmas``, the lemmatised copy that
  the full-text index reads (:mod:`helpline.quality.search.lemmas`).

* ``qa_analyses`` (0007) — one analysed contact (a recording, a call transcript or a chat):
  ``contact_ref`` (the same name as its transcript's), the link to its ``qa_transcripts``
  row when it has one (``transcript_id``; set to NULL if that transcript is deleted, read
  by ``contact_ref`` then), the recording's path and file name, where the original
  transcript lives (``transcript_source``: a file path, ``platform-chat`` for a chat of
  the platform, or NULL), duration, the channel map (``channels``: the role of each
  channel in file order), VAD engine, operator role, agent, queue, start, when analysed,
  passed / failed count, the audio metrics and notes (JSON), and the **timeline** as one
  JSON document (``Timeline.to_dict`` of :mod:`helpline.quality.contact_analysis`: speech
  per side, holds, silences, dead air, over-talk), read and drawn whole, never queried.
* ``qa_findings`` (0007) — its findings, one row each, so that lists can filter on a
  failed rule: rule, kind, source (audio | transcript), title, passed, applicable, start
  and end in seconds, message, measured value and limit, and the evidence (JSON list of
  ``{speaker, start, end, text, matched, utterance}``). Messages and evidence are stored
  redacted. Since 0010 also ``message_key``, ``params`` (redacted like the message) and
  ``titles``: the title and message are rendered from them in the reader's language.

The full-text index itself is dialect-specific and made by the migration only:
SQLite: the FTS5 table ``qa_utterances_fts`` (external content on ``qa_utterances``, kept
in step by triggers); PostgreSQL: the generated column ``qa_utterances.lemma_tsv``
(``to_tsvector('russian', lemmas)``) with a GIN index. They are not mapped here;
:data:`UNMAPPED` names them so schema comparison leaves them alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId

FTS_TABLE = "qa_utterances_fts"
TSV_COLUMN = "lemma_tsv"
TSV_INDEX = "ix_qa_utterances_lemma_tsv"
#: Tables (SQLite FTS5 and its shadow tables), columns and indexes of the full-text
#: index that exist in one dialect only and are not in the mappings.
UNMAPPED = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in
                                   ("data", "idx", "docsize", "config", "content")),
                      TSV_COLUMN, TSV_INDEX})


class QaTranscriptRow(Base):
    __tablename__ = "qa_transcripts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_ref: Mapped[str] = mapped_column(String(200), unique=True)
    #: call | chat
    channel: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(16))
    duration_seconds: Mapped[float] = mapped_column(Float)
    utterance_count: Mapped[int]
    #: the texts went through a redactor before they were stored and indexed
    redacted: Mapped[bool]
    #: negative | neutral | positive (the contact, customer side weighted)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    ingested_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_qa_transcripts_started", "started_at"),
        Index("ix_qa_transcripts_agent_started", "agent_id", "started_at"),
        Index("ix_qa_transcripts_queue_started", "queue_id", "started_at"),
    )


class QaUtteranceRow(Base):
    __tablename__ = "qa_utterances"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("qa_transcripts.id", ondelete="CASCADE"))
    seq: Mapped[int]
    #: agent | customer
    speaker: Mapped[str] = mapped_column(String(16))
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    lemmas: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("transcript_id", "seq", name="uq_qa_utterances_seq"),)


class QaAnalysisRow(Base):
    __tablename__ = "qa_analyses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_ref: Mapped[str] = mapped_column(String(200), unique=True)
    transcript_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_transcripts.id", ondelete="SET NULL"), nullable=True)
    #: call | chat
    channel: Mapped[str] = mapped_column(String(16))
    recording_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    recording_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    transcript_source: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    duration_seconds: Mapped[float] = mapped_column(Float)
    #: role of each channel in file order (["agent", "customer"], ["mixed"]); [] without audio
    channels: Mapped[list[Any]]
    #: silero | webrtc; NULL without audio
    engine: Mapped[str | None] = mapped_column(String(16), nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime]
    analysed_at: Mapped[datetime]
    passed: Mapped[bool]
    failed_count: Mapped[int]
    metrics: Mapped[dict[str, Any]]
    timeline: Mapped[dict[str, Any]]
    notes: Mapped[list[Any]]

    __table_args__ = (
        Index("ix_qa_analyses_started", "started_at"),
        Index("ix_qa_analyses_agent_started", "agent_id", "started_at"),
    )


class QaFindingRow(Base):
    __tablename__ = "qa_findings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("qa_analyses.id", ondelete="CASCADE"))
    seq: Mapped[int]
    rule: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    #: audio | transcript
    source: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    passed: Mapped[bool]
    applicable: Mapped[bool]
    start_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    measured: Mapped[float | None] = mapped_column(Float, nullable=True)
    limit_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[list[Any]]
    #: what the title and message are rendered from in any language
    #: (:mod:`helpline.quality.findings_i18n`); NULL for findings stored before
    message_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    titles: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        UniqueConstraint("analysis_id", "seq", name="uq_qa_findings_seq"),
        Index("ix_qa_findings_rule_passed", "rule", "passed"),
    )
