"""Typed mappings of QA scorecards (migration 0008), on the shared ``Base``.

* ``qa_scorecard_templates`` — every checklist template ever used: ``name`` + ``version``
  (unique), the SHA-256 of its canonical form (``digest``; a different body under a known
  version is refused) and its TOML ``body``, so a scorecard is always shown with the
  checklist it was scored with.
* ``qa_scorecards`` — one per contact and template version: the contact (``contact_ref``,
  as in ``qa_transcripts`` / ``qa_analyses``), its operator and start (copied for the
  monthly reports), the automatic value of every item with its reason and findings
  (``auto``, JSON list of ``AutoItem.to_dict``), the automatic and the final score.
* ``qa_scorecard_overrides`` — the QA specialist's values, one row per override, never
  updated: the newest row of an item is its override (earlier ones are its history); the
  comment, author, role and time.
* ``qa_sample_draws`` — the monthly sample, one row per operator, month, plan and half,
  written once the half has ended (until then the draw is shown, not kept): requested,
  available, the seed and the contacts drawn (JSON).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId


class QaScorecardTemplateRow(Base):
    __tablename__ = "qa_scorecard_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_qa_scorecard_templates_version"),
    )


class QaScorecardRow(Base):
    __tablename__ = "qa_scorecards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_ref: Mapped[str] = mapped_column(String(200))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_started_at: Mapped[datetime]
    template_name: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int]
    #: AutoItem.to_dict of every item, in the template's order
    auto: Mapped[list[Any]]
    auto_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: final score (overrides applied); NULL when no item is passed or failed
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: every item has a final value
    complete: Mapped[bool]
    scored_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("contact_ref", "template_name", "template_version",
                         name="uq_qa_scorecards_contact_template"),
        Index("ix_qa_scorecards_agent_started", "agent_id", "contact_started_at"),
        Index("ix_qa_scorecards_started", "contact_started_at"),
    )


class QaScorecardOverrideRow(Base):
    __tablename__ = "qa_scorecard_overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("qa_scorecards.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    #: passed | failed | not_applicable
    value: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(64))
    author_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]

    __table_args__ = (
        Index("ix_qa_scorecard_overrides_card_item", "scorecard_id", "item_id"),
    )


class QaSampleDrawRow(Base):
    __tablename__ = "qa_sample_draws"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: YYYY-MM
    month: Mapped[str] = mapped_column(String(7))
    plan_name: Mapped[str] = mapped_column(String(64))
    plan_version: Mapped[int]
    first_half: Mapped[int]
    second_half: Mapped[int]
    agent_id: Mapped[str] = mapped_column(String(64))
    #: 1: days 1..split_day, 2: the rest of the month
    half: Mapped[int]
    requested: Mapped[int]
    available: Mapped[int]
    seed: Mapped[str] = mapped_column(String(64))
    #: [{"contact": ref, "day": "YYYY-MM-DD"}], by day then contact
    contacts: Mapped[list[Any]]
    drawn_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("month", "plan_name", "plan_version", "first_half", "second_half",
                         "agent_id", "half", name="uq_qa_sample_draws_half"),
    )
