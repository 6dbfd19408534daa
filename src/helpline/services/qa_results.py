"""Analysed contacts: store an analysis with its transcript, list them, read one back with
its timeline and transcript, draw the timeline; analyse a chat of the platform (issue 5
§6).

**Redaction.** What is stored is redacted: the transcript goes through
:func:`qa_search.write` with a redactor that knows the customer's name (from their
introduction, and for a platform chat from the contact) and masks cards, phones,
passports and names; the findings' messages and quoted evidence go through the same
redactor. The rules run on the original words first (the customer's name must be
recognisable to count its uses); the original is never written to the database.

**Who sees the original.** Nobody by default. A :class:`RevealPolicy` naming roles
(``HELPLINE_QA_REVEAL_ROLES``) lets those roles read the original utterances from where
they live: the transcript file the analysis was made from (``transcript_source``) or, for
a platform chat, its stored messages. When the source is gone or no longer matches the
stored transcript, the redacted text is shown and ``revealed`` stays false. Evidence and
messages of findings are always the redacted ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from helpline.domain.agents import Role
from helpline.domain.errors import NotFound, ValidationFailed
from helpline.quality.contact_analysis import ContactAnalysis, ContactFinding, analyze_transcript
from helpline.quality.findings_i18n import LANGUAGES, check_language, localize_findings
from helpline.quality.search.contact_input import ContactTranscript, read_contact_transcript
from helpline.quality.search.lemmas import Lemmatizer
from helpline.quality.timeline_svg import render_timeline_svg
from helpline.quality.transcripts.errors import RulesConfigError
from helpline.quality.transcripts.model import Transcript, transcript_from_chat
from helpline.quality.transcripts.morphology import name_forms, tokenize
from helpline.quality.transcripts.names import find_customer_name
from helpline.quality.transcripts.redaction import Kind, Redactor, RevealPolicy
from helpline.quality.transcripts.rules_config import Rulebook, default_rulebook
from helpline.services import contact_holds, qa_search
from helpline.services.context import ServiceContext
from helpline.services.qa_search import QA_READERS
from helpline.store.qa_repository import QaRepository
from helpline.store.qa_results_repository import AnalysisFilters, QaResultsRepository
from helpline.store.qa_tables import QaAnalysisRow, QaFindingRow, QaTranscriptRow
from helpline.store.uow import with_retries

__all__ = ["QA_READERS", "ContactMeta", "ListFilters", "StoredAnalysis", "analyze_chat",
           "contact", "list_contacts", "store", "timeline_svg"]

#: ``transcript_source`` of a chat analysed from the platform's stored messages
PLATFORM_CHAT = "platform-chat"
MAX_LIMIT = 200
MAX_REF = 200

Redact = Callable[[str], str]


@dataclass(frozen=True)
class ContactMeta:
    """What the analysis does not know about its contact."""

    contact_ref: str
    started_at: datetime | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    recording_path: str | None = None
    #: a transcript file's path, :data:`PLATFORM_CHAT`, or None
    transcript_source: str | None = None
    #: names to mask besides the ones the redactor finds (the customer's, from the contact)
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredAnalysis:
    contact_ref: str
    analysis_id: int
    transcript_id: int | None
    replaced: bool
    findings: int
    failed: int

    def to_json(self) -> dict[str, Any]:
        return {"contact": self.contact_ref, "analysis_id": self.analysis_id,
                "transcript_id": self.transcript_id, "replaced": self.replaced,
                "findings": self.findings, "failed": self.failed}


def check_ref(ref: str) -> str:
    """A contact's name as the API addresses it: 1–200 characters, no ``/``."""
    value = ref.strip()
    if not value or len(value) > MAX_REF or "/" in value:
        raise ValidationFailed(f"contact name {ref!r} must have 1 to {MAX_REF} characters and "
                               "no '/'", field="contact")
    return value


@dataclass(frozen=True)
class Redactors:
    """``quote``: what the transcript shows (numbers, the customer's name and any likely
    name); ``message``: a finding's message, written by the rules from the rulebook's
    phrases and the words they matched — numbers and the known names only, so that
    «алё» in a list of forbidden words is not taken for a name."""

    quote: Redact
    message: Redact


def redactor_for(transcript: Transcript | None, names: tuple[str, ...] = ()) -> Redactors:
    """Mask personal data; the customer's introduced name (and ``names``) in every form.
    Results are cached per text: evidence quotes the same utterances again and again."""
    known = [n for n in names if n.strip()]
    customer = find_customer_name(transcript) if transcript is not None else None
    if customer is not None and customer.name != "[name]":
        known += [customer.name, customer.lemma]
    redactor = Redactor(names=tuple(known))
    numbers = Redactor(kinds=frozenset({Kind.CARD, Kind.PHONE, Kind.PASSPORT}))
    forms = frozenset().union(*(name_forms(n) for n in known)) if known else frozenset()
    quotes: dict[str, str] = {}
    messages: dict[str, str] = {}

    def quote(text: str) -> str:
        if text not in quotes:
            quotes[text] = redactor.redact(text).text
        return quotes[text]

    def message(text: str) -> str:
        if text not in messages:
            masked = numbers.redact(text).text
            for token in reversed(tokenize(masked)):
                if token.folded in forms:
                    masked = masked[:token.start] + Kind.NAME.mask + masked[token.end:]
            messages[text] = masked
        return messages[text]

    return Redactors(quote, message)


def _finding_row(seq: int, f: ContactFinding) -> QaFindingRow:
    return QaFindingRow(
        seq=seq, rule=f.rule, kind=f.kind, source=f.source, title=f.title[:200],
        passed=f.passed, applicable=f.applicable, start_seconds=f.start, end_seconds=f.end,
        message=f.message, measured=f.measured, limit_value=f.limit,
        evidence=[e.to_dict() for e in f.evidence], message_key=f.message_key or None,
        params=dict(f.params) if f.message_key else None, titles=dict(f.titles) or None)


def store(ctx: ServiceContext, analysis: ContactAnalysis, meta: ContactMeta, *,
          lemmatizer: Lemmatizer | None = None) -> StoredAnalysis:
    """Store (or replace) one contact's analysis and its transcript (redacted, indexed for
    search) in one transaction."""
    ref = check_ref(meta.contact_ref)
    redact = redactor_for(analysis.transcript, meta.names)
    prepared = None
    if analysis.transcript is not None:
        prepared = qa_search.prepare(
            ContactTranscript(ref, analysis.transcript, meta.started_at, meta.agent_id,
                              meta.queue_id), redact=redact.quote, lemmatizer=lemmatizer)
    elif meta.started_at is not None and meta.started_at.tzinfo is None:
        raise ValidationFailed("started_at needs its UTC offset", field="started_at")
    findings = [f.redacted(redact.quote, redact.message) for f in analysis.findings]
    now = ctx.now()
    audio = analysis.audio

    def work() -> StoredAnalysis:
        with ctx.uow() as uow:
            repo = QaResultsRepository(uow.session)
            if prepared is not None:
                transcript_id: int | None = qa_search.write(
                    QaRepository(uow.session), prepared, now).transcript_id
            else:
                transcript_id = repo.transcript_id(ref)
            replaced = repo.delete_analysis(ref)
            recording = meta.recording_path or (audio.recording if audio else None)
            row = QaAnalysisRow(
                contact_ref=ref, transcript_id=transcript_id, channel=analysis.channel,
                recording_path=recording,
                recording_name=Path(recording).name if recording else None,
                transcript_source=meta.transcript_source,
                duration_seconds=round(analysis.duration_s, 3),
                channels=list(audio.channels) if audio else [],
                engine=audio.engine if audio else None, role=analysis.role,
                agent_id=meta.agent_id, queue_id=meta.queue_id,
                started_at=meta.started_at or now, analysed_at=now, passed=analysis.passed,
                failed_count=len(analysis.failed),
                metrics=dict(audio.metrics) if audio else {},
                timeline=analysis.timeline.to_dict(), notes=list(analysis.notes))
            analysis_id = repo.add_analysis(
                row, [_finding_row(i, f) for i, f in enumerate(findings)])
            uow.commit()
            return StoredAnalysis(ref, analysis_id, transcript_id, replaced, len(findings),
                                  sum(not f.passed for f in findings))

    return with_retries(work)


# -- chats of the platform --------------------------------------------------------------
_RULEBOOK_ROLES = {Role.SENIOR: "senior", Role.SUPERVISOR: "supervisor"}


def analyze_chat(ctx: ServiceContext, contact_id: str, *, role: str | None = None,
                 rulebook: Rulebook | None = None, save: bool = False,
                 ) -> tuple[ContactAnalysis, StoredAnalysis | None]:
    """Run the rules on a platform chat: its stored messages become a transcript
    (:func:`transcript_from_chat`), its holds come from the contact's ``contact_held`` /
    ``contact_resumed`` events (:mod:`helpline.services.contact_holds`); the operator's
    role decides the greeting (a senior's, a supervisor's, else an agent's) unless
    ``role`` is given. ``save`` stores it."""
    with ctx.uow() as uow:
        found = uow.contacts.get(contact_id)
        messages = QaResultsRepository(uow.session).chat_messages(contact_id)
        held = contact_holds.read(uow, contact_id)
        account = uow.agents.account(found.agent_id) if found.agent_id else None
    language = found.attributes.get("language", "ru")
    transcript = transcript_from_chat(messages, language=language, contact_id=contact_id)
    if not transcript.utterances:
        raise ValidationFailed("the chat has no messages from the customer or the agent",
                               contact_id=contact_id)
    book = rulebook or default_rulebook(language)
    if role is None:
        role = _RULEBOOK_ROLES.get(account.role, "agent") if account else "agent"
        if book.roles and role not in book.roles:
            role = "agent"
    # the transcript's times count from the first message: so do the holds
    holds = held.intervals(start=min(m.created_at for m in messages))
    analysis = analyze_transcript(transcript, role=role, rulebook=book, holds=holds)
    stored = None
    if save:
        stored = store(ctx, analysis, ContactMeta(
            contact_id, started_at=found.created_at, agent_id=found.agent_id,
            queue_id=found.queue_id, transcript_source=PLATFORM_CHAT,
            names=(found.customer_name,)))
    return analysis, stored


# -- reading ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListFilters:
    """``agent_id``: the operator's id or username; ``since`` / ``until``: days in the
    contact centre's zone (both included) or aware datetimes (``until`` excluded), as in
    phrase search; ``failed_rule``: only contacts where that rule failed."""

    agent_id: str | None = None
    channel: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    failed_rule: str | None = None
    passed: bool | None = None


def _summary(row: QaAnalysisRow, failed_rules: list[str], names: dict[str, str]
             ) -> dict[str, Any]:
    return {"contact": row.contact_ref, "channel": row.channel, "agent_id": row.agent_id,
            "agent_name": names.get(row.agent_id or ""), "queue": row.queue_id,
            "started_at": row.started_at.isoformat(),
            "analysed_at": row.analysed_at.isoformat(), "duration": row.duration_seconds,
            "recording": row.recording_name, "engine": row.engine, "role": row.role,
            "passed": row.passed, "failed": row.failed_count, "failed_rules": failed_rules}


def list_contacts(ctx: ServiceContext, filters: ListFilters | None = None, *,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Analysed contacts, newest first, with the rules each failed."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise ValidationFailed("offset must be >= 0", field="offset")
    f = filters or ListFilters()
    where = qa_search.check_filters(ctx, qa_search.SearchFilters(
        channel=f.channel, since=f.since, until=f.until))
    with ctx.uow() as uow:
        repo = QaResultsRepository(uow.session)
        agents = repo.agent_keys(f.agent_id) if f.agent_id else None
        rows = repo.analyses(AnalysisFilters(agents, f.channel, where.since, where.until,
                                             f.failed_rule, f.passed),
                             limit=limit + 1, offset=offset)
        shown = rows[:limit]
        failed = repo.failed_rules([r.id for r in shown])
        names = repo.agent_names(r.agent_id for r in shown if r.agent_id)
    return {"contacts": [_summary(r, failed[r.id], names) for r in shown],
            "more": len(rows) > limit}


def _finding_json(row: QaFindingRow) -> dict[str, Any]:
    return {"rule": row.rule, "source": row.source, "kind": row.kind, "title": row.title,
            "passed": row.passed, "applicable": row.applicable, "start": row.start_seconds,
            "end": row.end_seconds, "message": row.message, "evidence": row.evidence,
            "measured": row.measured, "limit": row.limit_value,
            "message_key": row.message_key, "params": row.params, "titles": row.titles}


@cache
def _shipped_titles() -> dict[tuple[str, str], dict[str, str]]:
    """(rule id, its title in the rulebook's language) -> the title per language, for
    the rulebooks shipped with Helpline: the titles of findings stored without them."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for language in LANGUAGES:
        try:
            book = default_rulebook(language)
        except RulesConfigError:
            continue
        for rule in book.rules:
            if rule.titles:
                out[(rule.id, rule.title)] = dict(rule.titles)
    return out


def _stored_titles(finding: Mapping[str, Any]) -> dict[str, str] | None:
    return _shipped_titles().get((str(finding.get("rule")), str(finding.get("title"))))


def localized(findings: list[dict[str, Any]], language: str | None,
              role: str | None = None) -> list[dict[str, Any]]:
    """The findings with ``title`` and ``message`` in ``language`` (None: as stored)."""
    if language is None:
        return findings
    return localize_findings(findings, language, role=role, titles=_stored_titles)


def _original(repo: QaResultsRepository, source: str | None, ref: str) -> Transcript | None:
    if source is None:
        return None
    try:
        if source == PLATFORM_CHAT:
            return transcript_from_chat(repo.chat_messages(ref), contact_id=ref)
        return read_contact_transcript(Path(source)).transcript
    except Exception:  # a moved file, a changed format: show the redacted text
        return None


def _transcript_json(repo: QaResultsRepository, analysis: QaAnalysisRow,
                     found: QaTranscriptRow, reveal: bool) -> dict[str, Any]:
    utterances = QaRepository(repo.session).utterances(found.id)
    texts = [u.text for u in utterances]
    revealed = False
    if reveal:
        original = _original(repo, analysis.transcript_source, analysis.contact_ref)
        if original is not None and len(original.utterances) == len(utterances):
            texts = [u.text for u in original.utterances]
            revealed = True
    return {
        "channel": found.channel, "language": found.language,
        "redacted": found.redacted and not revealed, "revealed": revealed,
        "sentiment": found.sentiment, "sentiment_score": found.sentiment_score,
        "utterances": [{"seq": u.seq, "speaker": u.speaker, "start": u.start_seconds,
                        "end": u.end_seconds, "text": text}
                       for u, text in zip(utterances, texts, strict=True)]}


def contact(ctx: ServiceContext, contact_ref: str, *, role: str | None = None,
            policy: RevealPolicy | None = None, language: str | None = None,
            ) -> dict[str, Any]:
    """One analysed contact: summary, metrics, timeline, findings and the transcript
    (redacted unless ``policy`` lets ``role`` see the original). With ``language`` (ru,
    en) the findings' ``title`` and ``message`` are rendered in it from their stable
    ``rule``, ``message_key`` and ``params``; without, they are as stored (the
    rulebook's title, the English message)."""
    reveal = (policy or RevealPolicy()).may_see_original(role)
    with ctx.uow() as uow:
        repo = QaResultsRepository(uow.session)
        row = repo.analysis(contact_ref)
        if row is None:
            raise NotFound("no analysis for this contact", contact=contact_ref)
        findings = repo.findings(row.id)
        found = repo.transcript_for(row)
        transcript = _transcript_json(repo, row, found, reveal) if found else None
        names = repo.agent_names([row.agent_id] if row.agent_id else [])
        failed = list(dict.fromkeys(f.rule for f in findings if not f.passed))
    return {**_summary(row, failed, names), "channels": row.channels,
            "recording_path": row.recording_path, "metrics": row.metrics,
            "notes": row.notes, "timeline": row.timeline,
            "findings": localized([_finding_json(f) for f in findings], language, row.role),
            "transcript": transcript,
            **({"language": check_language(language)} if language is not None else {})}


def timeline_svg(ctx: ServiceContext, contact_ref: str,
                 labels: dict[str, str] | None = None, language: str | None = None) -> str:
    """The contact's timeline as an SVG picture (the findings' tooltips in ``language``,
    as stored without)."""
    with ctx.uow() as uow:
        repo = QaResultsRepository(uow.session)
        row = repo.analysis(contact_ref)
        if row is None:
            raise NotFound("no analysis for this contact", contact=contact_ref)
        findings = localized([_finding_json(f) for f in repo.findings(row.id)], language,
                             row.role)
    return render_timeline_svg(row.timeline, findings, labels)
