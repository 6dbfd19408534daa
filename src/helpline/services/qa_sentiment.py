"""Sentiment of stored contacts per queue and ISO week (issue 5 §4).

Each transcript got its contact sentiment when it was ingested
(:func:`helpline.services.qa_search.ingest`); the report counts them per queue and per
ISO week of the contact's start in the contact center's time zone, with shares. Days
given as ``since`` / ``until`` are both included.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from helpline.domain.errors import ValidationFailed
from helpline.quality.sentiment.rules import LABELS
from helpline.services.context import ServiceContext
from helpline.services.qa_search import SearchFilters, check_filters
from helpline.store.qa_repository import QaRepository

NO_QUEUE = "(none)"


@dataclass(frozen=True)
class Bucket:
    queue: str
    #: ISO week, ``2026-W10``
    week: str
    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def share(self, label: str) -> float:
        return dict(self.counts).get(label, 0) / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"queue": self.queue, "week": self.week, "total": self.total,
                "counts": dict(self.counts),
                "shares": {label: round(self.share(label), 4) for label, _ in self.counts}}


@dataclass(frozen=True)
class SentimentReport:
    since: datetime | None
    until: datetime | None
    buckets: tuple[Bucket, ...]
    #: all contacts of the period
    overall: Bucket

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "overall": self.overall.to_json(),
                "buckets": [b.to_json() for b in self.buckets]}


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _bucket(queue: str, week: str, counter: Counter[str]) -> Bucket:
    return Bucket(queue, week, tuple((label.value, counter[label.value]) for label in LABELS))


def report(ctx: ServiceContext, since: date | datetime | None = None,
           until: date | datetime | None = None) -> SentimentReport:
    """Counts of negative / neutral / positive contacts per queue and ISO week."""
    bounds = check_filters(ctx, SearchFilters(since=since, until=until))
    with ctx.uow() as uow:
        rows = QaRepository(uow.session).sentiment_rows(bounds.since, bounds.until)
    per: dict[tuple[str, str], Counter[str]] = {}
    overall: Counter[str] = Counter()
    for row in rows:
        if row.sentiment not in {label.value for label in LABELS}:
            raise ValidationFailed(f"unknown stored sentiment {row.sentiment!r}")
        week = iso_week(row.started_at.astimezone(ctx.timezone).date())
        per.setdefault((row.queue_id or NO_QUEUE, week), Counter())[row.sentiment] += 1
        overall[row.sentiment] += 1
    buckets = tuple(_bucket(queue, week, counter)
                    for (queue, week), counter in sorted(per.items()))
    return SentimentReport(bounds.since, bounds.until, buckets, _bucket("*", "*", overall))
