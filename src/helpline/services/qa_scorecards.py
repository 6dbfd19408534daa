"""QA scorecards (issue 5 §5): score a contact from its stored findings, let a QA
specialist override an item (audited), draw the monthly sample, report per operator.

**Templates.** A scorecard names its template by ``(name, version)``; every template
used is stored (``qa_scorecard_templates``) with its TOML body and digest, and a stored
scorecard is always read back with the checklist of its own version. Storing a template
whose body differs from the stored body of the same name and version is refused
(:class:`TemplateChanged`): a changed template must be a new version. Without a version,
a template name means the shipped template of that name (``templates/<name>.toml``) or,
for a custom one, its highest stored version.

**Scoring.** :func:`score_contact` reads the contact (its analysis, else its transcript:
operator and start), the findings of its stored analysis
(:class:`~helpline.store.qa_tables.QaFindingRow`) and fills the checklist
(:mod:`helpline.quality.scorecards.scoring`). Scoring again with the same template
version replaces the automatic values and keeps the overrides; another version makes a
scorecard of its own beside the old one.

**Overrides.** :func:`override_item` (QA specialists and admins) appends an override
with its comment; the automatic value stays beside it; the audit log gets an entry
``qa_scorecard_override`` in the same transaction.

**Sample.** :func:`draw_sample` applies the plan of
:mod:`helpline.quality.scorecards.sampling` to the contacts (analysed or transcribed,
with an operator) that started in the month, days in the contact centre's zone. A half
that has ended is drawn once and kept (``qa_sample_draws``): contacts stored later do not
change it. A half still running is drawn from what exists so far and marked
``final: false`` (not kept).

**Report.** :func:`monthly_report` per operator: the sample (drawn, shortfall), the
scorecards of contacts that started in the month (one per contact: its highest template
version), how many of them were in the sample, the average final and automatic score,
the items failed most (final values) and the agreement between automatic and final
values (:mod:`helpline.quality.scorecards.agreement`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from helpline.domain.agents import Role
from helpline.domain.errors import PermissionDenied
from helpline.quality.scorecards.agreement import AgreementReport, agreement_report
from helpline.quality.scorecards.errors import (
    ContactNotFound,
    ScorecardNotFound,
    TemplateChanged,
    TemplateNotFound,
)
from helpline.quality.scorecards.sampling import (
    Candidate,
    HalfDraw,
    Month,
    SamplingPlan,
    draw_half,
)
from helpline.quality.scorecards.scoring import (
    AutoItem,
    Override,
    Scorecard,
    Value,
    check_override,
)
from helpline.quality.scorecards.template import (
    DEFAULT_TEMPLATE,
    Template,
    loads_template,
    shipped_template_names,
    shipped_template_text,
)
from helpline.services import audit
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.qa_search import QA_READERS
from helpline.store.qa_results_repository import QaResultsRepository
from helpline.store.qa_scorecard_repository import QaScorecardRepository
from helpline.store.qa_scorecard_tables import (
    QaSampleDrawRow,
    QaScorecardOverrideRow,
    QaScorecardRow,
    QaScorecardTemplateRow,
)
from helpline.store.qa_tables import QaFindingRow
from helpline.store.uow import with_retries

__all__ = ["QA_EDITORS", "QA_READERS", "draw_sample", "get_scorecard", "monthly_report",
           "override_item", "score_contact"]

#: Who may score contacts and override items (QA_READERS may read).
QA_EDITORS = frozenset({Role.QA, Role.ADMIN})
T = TypeVar("T")


def _retrying(fn: Callable[[], T]) -> T:
    """Deadlocks and serialization failures are retried; a unique key taken by a
    concurrent writer (the same template or draw stored twice) once more, which then
    reads the other writer's row."""
    try:
        return with_retries(fn)
    except IntegrityError:
        return with_retries(fn)


# -- templates ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateSource:
    template: Template
    body: str


def parse_template(body: str, *, source: str = "template") -> TemplateSource:
    return TemplateSource(loads_template(body, source=source), body)


def _stored(row: QaScorecardTemplateRow) -> Template:
    return loads_template(row.body, source=f"{row.name} v{row.version}")


def _choose(repo: QaScorecardRepository, name: str | None, version: int | None
            ) -> TemplateSource:
    name = name or DEFAULT_TEMPLATE
    shipped: TemplateSource | None = None
    if name in shipped_template_names():
        shipped = parse_template(shipped_template_text(name), source=f"{name}.toml")
    if version is None:
        if shipped is not None:
            return shipped
        row = repo.latest_template(name)
    else:
        row = repo.template(name, version)
        if row is None and shipped is not None and shipped.template.version == version:
            return shipped
    if row is None:
        raise TemplateNotFound(f"no template {name!r}" + (f" v{version}" if version else ""),
                               template=name, version=version)
    return TemplateSource(_stored(row), row.body)


def _register(repo: QaScorecardRepository, source: TemplateSource, now: datetime) -> None:
    template = source.template
    row = repo.template(template.name, template.version)
    if row is None:
        repo.add_template(QaScorecardTemplateRow(
            name=template.name, version=template.version, digest=template.digest(),
            body=source.body, created_at=now))
    elif row.digest != template.digest():
        raise TemplateChanged(
            f"template {template.name} v{template.version} differs from the stored one: "
            "raise its version", template=template.name, version=template.version)


def register_template(ctx: ServiceContext, source: TemplateSource) -> Template:
    """Store a template (idempotent for an unchanged body; TemplateChanged otherwise)."""
    def work() -> Template:
        with ctx.uow() as uow:
            _register(QaScorecardRepository(uow.session), source, ctx.now())
            uow.commit()
        return source.template

    return _retrying(work)


# -- reading scorecards -------------------------------------------------------------------
@dataclass(frozen=True)
class OverrideEntry:
    item: str
    override: Override

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, **self.override.to_dict()}


@dataclass(frozen=True)
class ScorecardView:
    contact_ref: str
    agent_id: str | None
    contact_started_at: datetime
    card: Scorecard
    scored_at: datetime
    updated_at: datetime
    #: every override, oldest first (the newest per item is in force)
    history: tuple[OverrideEntry, ...]
    #: (template name, version) of every scorecard of this contact
    versions: tuple[tuple[str, int], ...]
    #: display names of the overrides' authors (by account id)
    authors: Mapping[str, str] = field(default_factory=dict)

    def to_json(self, language: str = "ru") -> dict[str, Any]:
        card = self.card.to_dict(language)
        for item in card["items"]:
            if item["override"] is not None:
                item["override"]["author_name"] = self.authors.get(
                    item["override"]["author_id"])
        return {"contact": self.contact_ref, "agent_id": self.agent_id,
                "started_at": self.contact_started_at.isoformat(), **card,
                "scored_at": self.scored_at.isoformat(),
                "updated_at": self.updated_at.isoformat(),
                "history": [{**h.to_json(),
                             "author_name": self.authors.get(h.override.author_id)}
                            for h in self.history],
                "versions": [{"name": n, "version": v} for n, v in self.versions]}


def _override(row: QaScorecardOverrideRow) -> Override:
    return Override(Value(row.value), row.comment, row.author_id, row.author_role, row.at)


def _card(row: QaScorecardRow, template: Template,
          overrides: Sequence[QaScorecardOverrideRow]) -> Scorecard:
    current = {o.item_id: _override(o) for o in overrides}  # oldest first: newest wins
    return Scorecard(template, tuple(AutoItem.from_dict(a) for a in row.auto), current)


class _Templates:
    """Stored templates by (name, version), each parsed once per use case."""

    def __init__(self, repo: QaScorecardRepository) -> None:
        self.repo = repo
        self.cache: dict[tuple[str, int], Template] = {}

    def get(self, name: str, version: int) -> Template:
        key = (name, version)
        if key not in self.cache:
            row = self.repo.template(name, version)
            if row is None:
                raise TemplateNotFound(f"template {name} v{version} is not stored",
                                       template=name, version=version)
            self.cache[key] = _stored(row)
        return self.cache[key]


def _view(repo: QaScorecardRepository, row: QaScorecardRow, templates: _Templates
          ) -> ScorecardView:
    overrides = repo.overrides([row.id])[row.id]
    card = _card(row, templates.get(row.template_name, row.template_version), overrides)
    names = QaResultsRepository(repo.session).agent_names(o.author_id for o in overrides)
    return ScorecardView(row.contact_ref, row.agent_id, row.contact_started_at, card,
                         row.scored_at, row.updated_at,
                         tuple(OverrideEntry(o.item_id, _override(o)) for o in overrides),
                         tuple(repo.versions(row.contact_ref)), names)


def get_scorecard(ctx: ServiceContext, contact_ref: str, *, template: str | None = None,
                  version: int | None = None) -> ScorecardView:
    """The contact's scorecard: of that template (and version), else the highest version
    scored."""
    with ctx.uow() as uow:
        repo = QaScorecardRepository(uow.session)
        row = repo.scorecard(contact_ref, template, version)
        if row is None:
            raise ScorecardNotFound("this contact has no scorecard yet", contact=contact_ref,
                                    template=template, version=version)
        return _view(repo, row, _Templates(repo))


# -- scoring ------------------------------------------------------------------------------
def finding_dict(row: QaFindingRow) -> dict[str, Any]:
    """A stored finding in the shape the auto-fill reads."""
    return {"rule": row.rule, "passed": row.passed, "applicable": row.applicable,
            "start": row.start_seconds, "end": row.end_seconds, "message": row.message,
            "evidence": row.evidence, "message_key": row.message_key, "params": row.params}


def _apply(row: QaScorecardRow, card: Scorecard, now: datetime) -> None:
    auto, final = card.auto_score(), card.final_score()
    row.auto = [a.to_dict() for a in card.auto]
    row.auto_score = None if auto.percent is None else round(auto.percent, 2)
    row.score = None if final.percent is None else round(final.percent, 2)
    row.complete = final.complete
    row.updated_at = now


def score_contact(ctx: ServiceContext, contact_ref: str, *, template: str | None = None,
                  version: int | None = None, custom: TemplateSource | None = None,
                  ) -> ScorecardView:
    """Fill (or refill) the contact's scorecard from its stored findings; overrides of an
    earlier scoring with the same template version stay."""
    now = ctx.now()

    def work() -> ScorecardView:
        with ctx.uow() as uow:
            repo = QaScorecardRepository(uow.session)
            contact = repo.contact(contact_ref)
            if contact is None:
                raise ContactNotFound("no analysis or transcript is stored for this contact",
                                      contact=contact_ref)
            source = custom or _choose(repo, template, version)
            _register(repo, source, now)
            chosen = source.template
            findings = [finding_dict(f) for f in repo.findings(contact_ref)]
            row = repo.scorecard(contact_ref, chosen.name, chosen.version, lock=True)
            if row is None:
                card = Scorecard.from_findings(chosen, findings)
                row = QaScorecardRow(
                    contact_ref=contact_ref, agent_id=contact.agent_id,
                    contact_started_at=contact.started_at, template_name=chosen.name,
                    template_version=chosen.version, scored_at=now)
                _apply(row, card, now)
                repo.add_scorecard(row)
            else:
                overrides = repo.overrides([row.id])[row.id]
                card = _card(row, chosen, overrides).rescored(findings)
                row.agent_id, row.contact_started_at = contact.agent_id, contact.started_at
                row.scored_at = now
                _apply(row, card, now)
                uow.session.flush()
            view = _view(repo, row, _Templates(repo))
            uow.commit()
            return view

    return _retrying(work)


def override_item(ctx: ServiceContext, contact_ref: str, item_id: str, value: str,
                  comment: str, *, actor: Actor, template: str | None = None,
                  version: int | None = None) -> ScorecardView:
    """Set an item's value with a comment (QA specialists and admins); the automatic
    value stays; audited in the same transaction."""
    if actor.role not in QA_EDITORS:
        raise PermissionDenied("QA specialists and admins only")
    now = ctx.now()
    checked, text = check_override(value, comment, now)

    def work() -> ScorecardView:
        with ctx.uow() as uow:
            repo = QaScorecardRepository(uow.session)
            row = repo.scorecard(contact_ref, template, version, lock=True)
            if row is None:
                raise ScorecardNotFound("this contact has no scorecard yet: score it first",
                                        contact=contact_ref)
            templates = _Templates(repo)
            chosen = templates.get(row.template_name, row.template_version)
            before = _card(row, chosen, repo.overrides([row.id])[row.id])
            after = before.with_override(item_id, checked.value, text, author_id=actor.user_id,
                                         author_role=actor.role.value, at=now)
            previous = before.final_values()[item_id]
            auto = before.auto_values()[item_id]
            repo.add_override(QaScorecardOverrideRow(
                scorecard_id=row.id, item_id=item_id, value=checked.value, comment=text,
                author_id=actor.user_id, author_role=actor.role.value, at=now))
            _apply(row, after, now)
            audit.record_qa_override(
                uow.session, actor=actor, contact_ref=contact_ref, comment=text, at=now,
                params={"item": item_id, "value": checked.value,
                        "auto": None if auto is None else auto.value,
                        "previous": None if previous is None else previous.value,
                        "template": chosen.name, "template_version": chosen.version})
            uow.session.flush()
            view = _view(repo, row, templates)
            uow.commit()
            return view

    return _retrying(work)


# -- the monthly sample -------------------------------------------------------------------
def _month_bounds(ctx: ServiceContext, month: Month) -> tuple[datetime, datetime]:
    start = datetime.combine(month.first_day, time(0), tzinfo=ctx.timezone)
    end = datetime.combine(month.next().first_day, time(0), tzinfo=ctx.timezone)
    return start, end


def _local_day(ctx: ServiceContext, moment: datetime) -> date:
    return moment.astimezone(ctx.timezone).date()


@dataclass(frozen=True)
class HalfSample:
    draw: HalfDraw
    first_day: date
    last_day: date
    #: the half has ended and its draw is kept
    final: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.draw.to_dict(), "from": self.first_day.isoformat(),
                "to": self.last_day.isoformat(), "final": self.final}


@dataclass(frozen=True)
class OperatorSample:
    agent_id: str
    halves: tuple[HalfSample, HalfSample]

    @property
    def contacts(self) -> tuple[Candidate, ...]:
        return self.halves[0].draw.picks + self.halves[1].draw.picks

    @property
    def shortfall(self) -> int:
        return sum(h.draw.shortfall for h in self.halves)

    def to_json(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id,
                "requested": sum(h.draw.requested for h in self.halves),
                "drawn": len(self.contacts), "shortfall": self.shortfall,
                "halves": [h.to_json() for h in self.halves]}


@dataclass(frozen=True)
class Sample:
    month: Month
    plan: SamplingPlan
    operators: tuple[OperatorSample, ...]

    def to_json(self) -> dict[str, Any]:
        return {"month": str(self.month), "plan": self.plan.to_dict(),
                "operators": [o.to_json() for o in self.operators],
                "totals": {"operators": len(self.operators),
                           "drawn": sum(len(o.contacts) for o in self.operators),
                           "shortfall": sum(o.shortfall for o in self.operators)}}


def _stored_half(row: QaSampleDrawRow) -> HalfDraw:
    picks = tuple(Candidate(str(c["contact"]), date.fromisoformat(str(c["day"])))
                  for c in row.contacts)
    return HalfDraw(row.half, row.requested, row.available, row.seed, picks)


def _sample(ctx: ServiceContext, repo: QaScorecardRepository, month: Month,
            plan: SamplingPlan, agents: Iterable[str], *, keep: bool, now: datetime,
            only: str | None = None) -> tuple[Sample, list[QaSampleDrawRow]]:
    start, end = _month_bounds(ctx, month)
    stored = {(r.agent_id, r.half): r for r in repo.draws(
        str(month), plan.name, plan.version, plan.first_half, plan.second_half)}
    contacts = repo.contacts_between(start, end, None if only is None else [only])
    by_agent: dict[str, list[Candidate]] = {}
    for c in contacts:
        if c.agent_id is not None:
            by_agent.setdefault(c.agent_id, []).append(
                Candidate(c.contact_ref, _local_day(ctx, c.started_at)))
    operators = set(by_agent) | {a for a, _ in stored} | set(agents)
    if only is not None:
        operators = {only}
    new_rows: list[QaSampleDrawRow] = []
    out: list[OperatorSample] = []
    for agent in sorted(operators):
        halves: list[HalfSample] = []
        for half in (1, 2):
            low, high = plan.half_days(month, half)
            ended = now >= datetime.combine(high + timedelta(days=1), time(0),
                                            tzinfo=ctx.timezone)
            row = stored.get((agent, half))
            if row is not None:
                halves.append(HalfSample(_stored_half(row), low, high, True))
                continue
            drawn = draw_half(plan, agent, month, half, by_agent.get(agent, ()))
            halves.append(HalfSample(drawn, low, high, ended and keep))
            if ended and keep:
                new_rows.append(QaSampleDrawRow(
                    month=str(month), plan_name=plan.name, plan_version=plan.version,
                    first_half=plan.first_half, second_half=plan.second_half,
                    agent_id=agent, half=half, requested=drawn.requested,
                    available=drawn.available, seed=drawn.seed,
                    contacts=drawn.to_dict()["contacts"], drawn_at=now))
        out.append(OperatorSample(agent, (halves[0], halves[1])))
    return Sample(month, plan, tuple(out)), new_rows


def draw_sample(ctx: ServiceContext, month: str | Month, *, per_operator: int = 7,
                plan: SamplingPlan | None = None, agents: Sequence[str] = ()) -> Sample:
    """The month's sample per operator (everyone with a contact in the month, those with
    a kept draw, and ``agents``); halves that have ended are kept."""
    chosen = plan or SamplingPlan.of(per_operator)
    which = month if isinstance(month, Month) else Month.parse(month)
    now = ctx.now()

    def work() -> Sample:
        with ctx.uow() as uow:
            repo = QaScorecardRepository(uow.session)
            sample, rows = _sample(ctx, repo, which, chosen, agents, keep=True, now=now)
            if rows:
                repo.add_draws(rows)
                uow.commit()
            return sample

    return _retrying(work)


# -- the monthly report -------------------------------------------------------------------
@dataclass(frozen=True)
class FailedItem:
    item: str
    title: str
    failed: int
    #: scorecards where the item was passed or failed
    judged: int

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "title": self.title, "failed": self.failed,
                "judged": self.judged}


@dataclass(frozen=True)
class OperatorReport:
    agent_id: str
    sample: OperatorSample | None
    scored: int
    scored_in_sample: int
    complete: int
    average_score: float | None
    average_auto_score: float | None
    failed_items: tuple[FailedItem, ...]
    agreement: AgreementReport
    contacts: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        sample = self.sample
        return {"agent_id": self.agent_id,
                "sampled": 0 if sample is None else len(sample.contacts),
                "sample_shortfall": None if sample is None else sample.shortfall,
                "sample_final": None if sample is None else all(h.final for h in
                                                                sample.halves),
                "scored": self.scored, "scored_in_sample": self.scored_in_sample,
                "complete": self.complete,
                "average_score": _round(self.average_score),
                "average_auto_score": _round(self.average_auto_score),
                "items_failed_most": [f.to_json() for f in self.failed_items],
                "agreement": self.agreement.to_dict(), "contacts": list(self.contacts)}


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    plan: SamplingPlan
    operators: tuple[OperatorReport, ...]
    agreement: AgreementReport

    def to_json(self) -> dict[str, Any]:
        return {"month": str(self.month), "plan": self.plan.to_dict(),
                "operators": [o.to_json() for o in self.operators],
                "agreement": self.agreement.to_dict()}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _one_per_contact(rows: Iterable[QaScorecardRow]) -> list[QaScorecardRow]:
    best: dict[str, QaScorecardRow] = {}
    for row in rows:
        held = best.get(row.contact_ref)
        if held is None or ((row.template_version, row.scored_at, row.id)
                            > (held.template_version, held.scored_at, held.id)):
            best[row.contact_ref] = row
    return sorted(best.values(), key=lambda r: (r.contact_started_at, r.contact_ref))


def _failed_items(cards: Sequence[Scorecard], language: str) -> tuple[FailedItem, ...]:
    failed: dict[str, int] = {}
    judged: dict[str, int] = {}
    titles: dict[str, tuple[int, str]] = {}
    for card in cards:
        for state in card.states():
            key = state.item.id
            version = card.template.version
            if key not in titles or titles[key][0] < version:
                titles[key] = (version, state.item.title(language))
            if state.final in (Value.PASSED, Value.FAILED):
                judged[key] = judged.get(key, 0) + 1
            if state.final is Value.FAILED:
                failed[key] = failed.get(key, 0) + 1
    ranked = sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(FailedItem(k, titles[k][1], n, judged[k]) for k, n in ranked)


def monthly_report(ctx: ServiceContext, month: str | Month, *, agent_id: str | None = None,
                   template: str | None = None, per_operator: int = 7,
                   plan: SamplingPlan | None = None, language: str = "ru") -> MonthlyReport:
    """Per operator: sample, scorecards (of ``template`` only, when given; else each
    contact's scorecard that :func:`get_scorecard` shows), averages, items failed most,
    agreement (read-only: a sample not kept yet is shown, not kept)."""
    chosen = plan or SamplingPlan.of(per_operator)
    which = month if isinstance(month, Month) else Month.parse(month)
    start, end = _month_bounds(ctx, which)
    with ctx.uow() as uow:
        repo = QaScorecardRepository(uow.session)
        sample, _ = _sample(ctx, repo, which, chosen, (), keep=False, now=ctx.now(),
                            only=agent_id)
        rows = _one_per_contact(repo.scorecards_between(start, end, agent_id, template))
        overrides = repo.overrides(r.id for r in rows)
        templates = _Templates(repo)
        cards = {r.id: _card(r, templates.get(r.template_name, r.template_version),
                             overrides[r.id]) for r in rows}
    samples = {o.agent_id: o for o in sample.operators}
    agents = sorted({r.agent_id for r in rows if r.agent_id is not None}
                    | {a for a, o in samples.items() if o.contacts or agent_id is not None})
    reports: list[OperatorReport] = []
    for agent in agents:
        mine = [r for r in rows if r.agent_id == agent]
        operator_sample = samples.get(agent)
        picked = {c.contact_ref for c in operator_sample.contacts} if operator_sample else set()
        scored_refs = {r.contact_ref: r for r in mine}
        listed = [{"contact": c.contact_ref, "day": c.day.isoformat(), "in_sample": True,
                   "score": _round(scored_refs[c.contact_ref].score)
                   if c.contact_ref in scored_refs else None,
                   "scored": c.contact_ref in scored_refs}
                  for c in (operator_sample.contacts if operator_sample else ())]
        listed += [{"contact": r.contact_ref,
                    "day": _local_day(ctx, r.contact_started_at).isoformat(),
                    "in_sample": False, "score": _round(r.score), "scored": True}
                   for r in mine if r.contact_ref not in picked]
        my_cards = [cards[r.id] for r in mine]
        reports.append(OperatorReport(
            agent, operator_sample, len(mine), sum(1 for r in mine if r.contact_ref in picked),
            sum(1 for r in mine if r.complete),
            _mean([r.score for r in mine if r.score is not None]),
            _mean([r.auto_score for r in mine if r.auto_score is not None]),
            _failed_items(my_cards, language), agreement_report(my_cards), tuple(listed)))
    return MonthlyReport(which, chosen, tuple(reports),
                         agreement_report(cards[r.id] for r in rows))

