"""Scorecard templates, scorecards, overrides and sample draws; the contacts they are
about (``qa_analyses`` and ``qa_transcripts``). Never commits: the services own the
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.store.qa_results_repository import QaResultsRepository
from helpline.store.qa_scorecard_tables import (
    QaSampleDrawRow,
    QaScorecardOverrideRow,
    QaScorecardRow,
    QaScorecardTemplateRow,
)
from helpline.store.qa_tables import QaAnalysisRow, QaFindingRow, QaTranscriptRow


@dataclass(frozen=True)
class ContactInfo:
    contact_ref: str
    agent_id: str | None
    started_at: datetime
    channel: str
    analysed: bool


class QaScorecardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- templates ------------------------------------------------------------------------
    def template(self, name: str, version: int) -> QaScorecardTemplateRow | None:
        return self.session.execute(select(QaScorecardTemplateRow).where(
            QaScorecardTemplateRow.name == name,
            QaScorecardTemplateRow.version == version)).scalar_one_or_none()

    def latest_template(self, name: str) -> QaScorecardTemplateRow | None:
        return self.session.execute(
            select(QaScorecardTemplateRow).where(QaScorecardTemplateRow.name == name)
            .order_by(QaScorecardTemplateRow.version.desc()).limit(1)).scalar_one_or_none()

    def add_template(self, row: QaScorecardTemplateRow) -> None:
        self.session.add(row)
        self.session.flush()

    # -- contacts -------------------------------------------------------------------------
    def contact(self, contact_ref: str) -> ContactInfo | None:
        """The analysed contact, else its stored transcript."""
        analysis = QaResultsRepository(self.session).analysis(contact_ref)
        if analysis is not None:
            return ContactInfo(contact_ref, analysis.agent_id, analysis.started_at,
                               analysis.channel, True)
        transcript = self.session.execute(select(QaTranscriptRow).where(
            QaTranscriptRow.contact_ref == contact_ref)).scalar_one_or_none()
        if transcript is None:
            return None
        return ContactInfo(contact_ref, transcript.agent_id, transcript.started_at,
                           transcript.channel, False)

    def findings(self, contact_ref: str) -> list[QaFindingRow]:
        """The stored findings of the contact's analysis (none without an analysis)."""
        repo = QaResultsRepository(self.session)
        analysis = repo.analysis(contact_ref)
        return [] if analysis is None else repo.findings(analysis.id)

    def contacts_between(self, since: datetime, until: datetime,
                         agent_ids: Sequence[str] | None = None,
                         channel: str | None = None) -> list[ContactInfo]:
        """Contacts with an operator that started in [since, until): analysed ones and
        those known only by their transcript, each once (the analysis wins)."""
        out: dict[str, ContactInfo] = {}
        for table, analysed in ((QaTranscriptRow, False), (QaAnalysisRow, True)):
            stmt = select(table.contact_ref, table.agent_id, table.started_at, table.channel)
            stmt = stmt.where(table.agent_id.is_not(None), table.started_at >= since,
                              table.started_at < until)
            if agent_ids is not None:
                stmt = stmt.where(table.agent_id.in_(list(agent_ids)))
            if channel is not None:
                stmt = stmt.where(table.channel == channel)
            for ref, agent, started, chan in self.session.execute(stmt).all():
                out[ref] = ContactInfo(ref, agent, started, chan, analysed)
        return sorted(out.values(), key=lambda c: (c.agent_id or "", c.contact_ref))

    # -- scorecards -----------------------------------------------------------------------
    def scorecard(self, contact_ref: str, name: str | None = None, version: int | None = None,
                  *, lock: bool = False) -> QaScorecardRow | None:
        """The contact's scorecard of that template version; without a version its highest
        one; without a name the most recently scored one."""
        stmt = select(QaScorecardRow).where(QaScorecardRow.contact_ref == contact_ref)
        if name is not None:
            stmt = stmt.where(QaScorecardRow.template_name == name)
        if version is not None:
            stmt = stmt.where(QaScorecardRow.template_version == version)
        stmt = stmt.order_by(QaScorecardRow.template_version.desc(),
                             QaScorecardRow.scored_at.desc(), QaScorecardRow.id.desc())
        if lock:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt.limit(1)).scalar_one_or_none()

    def versions(self, contact_ref: str) -> list[tuple[str, int]]:
        rows = self.session.execute(
            select(QaScorecardRow.template_name, QaScorecardRow.template_version)
            .where(QaScorecardRow.contact_ref == contact_ref)
            .order_by(QaScorecardRow.template_name, QaScorecardRow.template_version)).all()
        return [(n, int(v)) for n, v in rows]

    def add_scorecard(self, row: QaScorecardRow) -> None:
        self.session.add(row)
        self.session.flush()

    def scorecards_between(self, since: datetime, until: datetime,
                           agent_id: str | None = None, template_name: str | None = None,
                           ) -> list[QaScorecardRow]:
        stmt = select(QaScorecardRow).where(QaScorecardRow.contact_started_at >= since,
                                            QaScorecardRow.contact_started_at < until)
        if agent_id is not None:
            stmt = stmt.where(QaScorecardRow.agent_id == agent_id)
        if template_name is not None:
            stmt = stmt.where(QaScorecardRow.template_name == template_name)
        return list(self.session.execute(stmt.order_by(QaScorecardRow.id)).scalars())

    # -- overrides ------------------------------------------------------------------------
    def add_override(self, row: QaScorecardOverrideRow) -> None:
        self.session.add(row)
        self.session.flush()

    def overrides(self, scorecard_ids: Iterable[int]) -> dict[int, list[QaScorecardOverrideRow]]:
        """Every override of the scorecards, oldest first."""
        ids = sorted(set(scorecard_ids))
        out: dict[int, list[QaScorecardOverrideRow]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self.session.execute(
            select(QaScorecardOverrideRow).where(QaScorecardOverrideRow.scorecard_id.in_(ids))
            .order_by(QaScorecardOverrideRow.id)).scalars()
        for row in rows:
            out[row.scorecard_id].append(row)
        return out

    # -- sample draws ---------------------------------------------------------------------
    def draws(self, month: str, plan_name: str, plan_version: int, first_half: int,
              second_half: int) -> list[QaSampleDrawRow]:
        return list(self.session.execute(select(QaSampleDrawRow).where(
            QaSampleDrawRow.month == month, QaSampleDrawRow.plan_name == plan_name,
            QaSampleDrawRow.plan_version == plan_version,
            QaSampleDrawRow.first_half == first_half,
            QaSampleDrawRow.second_half == second_half)
            .order_by(QaSampleDrawRow.agent_id, QaSampleDrawRow.half)).scalars())

    def add_draws(self, rows: Sequence[QaSampleDrawRow]) -> None:
        self.session.add_all(rows)
        self.session.flush()

