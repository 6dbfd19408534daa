"""Stored analyses and their findings (``qa_analyses``, ``qa_findings``). Never commits:
the services own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.orm import Session

from helpline.store.qa_tables import QaAnalysisRow, QaFindingRow, QaTranscriptRow
from helpline.store.tables import AgentRow, MessageRow

#: a chat has at most this many messages read for its analysis
MAX_CHAT_MESSAGES = 5000


@dataclass(frozen=True)
class AnalysisFilters:
    """``agent_ids``: any of these (an agent's id and username); ``since`` inclusive,
    ``until`` exclusive (aware datetimes); ``failed_rule``: only contacts where that rule
    failed."""

    agent_ids: tuple[str, ...] | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    failed_rule: str | None = None
    passed: bool | None = None


class QaResultsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- writing ------------------------------------------------------------------------
    def delete_analysis(self, contact_ref: str) -> bool:
        """Remove a contact's analysis (its findings cascade); whether there was one."""
        found = self.session.execute(select(QaAnalysisRow.id).where(
            QaAnalysisRow.contact_ref == contact_ref)).scalar_one_or_none()
        if found is None:
            return False
        self.session.execute(delete(QaFindingRow).where(QaFindingRow.analysis_id == found))
        self.session.execute(delete(QaAnalysisRow).where(QaAnalysisRow.id == found))
        return True

    def add_analysis(self, row: QaAnalysisRow, findings: Sequence[QaFindingRow]) -> int:
        self.session.add(row)
        self.session.flush()
        for finding in findings:
            finding.analysis_id = row.id
        self.session.add_all(findings)
        self.session.flush()
        return row.id

    # -- reading ------------------------------------------------------------------------
    def analysis(self, contact_ref: str) -> QaAnalysisRow | None:
        return self.session.execute(select(QaAnalysisRow).where(
            QaAnalysisRow.contact_ref == contact_ref)).scalar_one_or_none()

    def findings(self, analysis_id: int) -> list[QaFindingRow]:
        return list(self.session.execute(
            select(QaFindingRow).where(QaFindingRow.analysis_id == analysis_id)
            .order_by(QaFindingRow.seq)).scalars())

    def transcript_for(self, row: QaAnalysisRow) -> QaTranscriptRow | None:
        """The linked transcript; by the contact's name when the link was cleared (the
        transcript was ingested again)."""
        if row.transcript_id is not None:
            found = self.session.get(QaTranscriptRow, row.transcript_id)
            if found is not None:
                return found
        return self.session.execute(select(QaTranscriptRow).where(
            QaTranscriptRow.contact_ref == row.contact_ref)).scalar_one_or_none()

    def transcript_id(self, contact_ref: str) -> int | None:
        return self.session.execute(select(QaTranscriptRow.id).where(
            QaTranscriptRow.contact_ref == contact_ref)).scalar_one_or_none()

    def analyses(self, filters: AnalysisFilters, *, limit: int, offset: int
                 ) -> list[QaAnalysisRow]:
        """Newest contacts first (then id)."""
        where: list[ColumnElement[bool]] = []
        if filters.agent_ids is not None:
            where.append(QaAnalysisRow.agent_id.in_(list(filters.agent_ids)))
        if filters.channel is not None:
            where.append(QaAnalysisRow.channel == filters.channel)
        if filters.since is not None:
            where.append(QaAnalysisRow.started_at >= filters.since)
        if filters.until is not None:
            where.append(QaAnalysisRow.started_at < filters.until)
        if filters.passed is not None:
            where.append(QaAnalysisRow.passed == filters.passed)
        if filters.failed_rule is not None:
            where.append(exists().where(QaFindingRow.analysis_id == QaAnalysisRow.id,
                                        QaFindingRow.rule == filters.failed_rule,
                                        QaFindingRow.passed.is_(False)))
        stmt = (select(QaAnalysisRow).where(*where)
                .order_by(QaAnalysisRow.started_at.desc(), QaAnalysisRow.id.desc())
                .limit(limit).offset(offset))
        return list(self.session.execute(stmt).scalars())

    def failed_rules(self, analysis_ids: Sequence[int]) -> dict[int, list[str]]:
        """Per analysis, the distinct failed rules in the order they first fail."""
        out: dict[int, list[str]] = {i: [] for i in analysis_ids}
        if not analysis_ids:
            return out
        rows = self.session.execute(
            select(QaFindingRow.analysis_id, QaFindingRow.rule)
            .where(QaFindingRow.analysis_id.in_(list(analysis_ids)),
                   QaFindingRow.passed.is_(False))
            .order_by(QaFindingRow.analysis_id, QaFindingRow.seq)).all()
        for analysis_id, rule in rows:
            if rule not in out[analysis_id]:
                out[analysis_id].append(rule)
        return out

    def agent_names(self, keys: Iterable[str]) -> dict[str, str]:
        """Display names of agents named by id or by username."""
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        rows = self.session.execute(
            select(AgentRow.id, AgentRow.username, AgentRow.display_name)
            .where(or_(AgentRow.id.in_(wanted), AgentRow.username.in_(wanted)))).all()
        out: dict[str, str] = {}
        for agent_id, username, name in rows:
            for key in (agent_id, username):
                if key in wanted:
                    out[key] = name
        return out

    def agent_keys(self, key: str) -> tuple[str, ...]:
        """``key`` and the other name of the agent it names (id <-> username): stored
        contacts may carry either."""
        found = self.session.execute(
            select(AgentRow.id, AgentRow.username)
            .where(or_(AgentRow.id == key, AgentRow.username == key))).all()
        return tuple(dict.fromkeys([key, *(k for row in found for k in row)]))

    def chat_messages(self, contact_id: str) -> list[MessageRow]:
        return list(self.session.execute(
            select(MessageRow).where(MessageRow.contact_id == contact_id)
            .order_by(MessageRow.seq).limit(MAX_CHAT_MESSAGES)).scalars())
