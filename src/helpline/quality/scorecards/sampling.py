"""The monthly sampling plan: which contacts of each operator QA listens to.

Seed 004: "в месяц прослушивается 7 звонков — 4 в первой половине и 3 во второй
половине месяца". A plan draws ``first_half`` contacts from days 1..``split_day`` and
``second_half`` from day ``split_day + 1`` to the month's last day (days in the contact
centre's zone, decided by the caller). :meth:`SamplingPlan.of` splits N as
``ceil(N/2)`` + ``floor(N/2)`` (7 = 4 + 3).

**Reproducible draw.** Each half has a seed, the SHA-256 of
``helpline.qa.sample|<plan name>|<plan version>|<first>+<second>|<operator>|<month>|<half>``;
each candidate contact gets the key SHA-256(``<seed>|<contact ref>``) and the half takes
the candidates with the smallest keys (a bottom-k sample: uniform, without
replacement). The result depends only on the plan, the operator, the month and the set of
candidates — not on their order, the machine or the Python version (``random.sample``
does not promise the same picks across Python versions) — and a contact added later
changes the picks only if its key is among the smallest.

**Shortfall.** A half with fewer candidates than asked takes them all and reports the
missing number; it is not topped up from the other half.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from helpline.quality.scorecards.errors import BadMonth, SamplingInvalid

DEFAULT_PER_OPERATOR = 7
DEFAULT_SPLIT_DAY = 15
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1900 <= self.year <= 9999):
            raise BadMonth(f"no such month {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise BadMonth(f"month {text!r}: expected YYYY-MM, e.g. 2026-11", month=text)
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class SamplingPlan:
    first_half: int = 4
    second_half: int = 3
    split_day: int = DEFAULT_SPLIT_DAY
    name: str = "monthly"
    version: int = 1

    def __post_init__(self) -> None:
        for label, n in (("first_half", self.first_half), ("second_half", self.second_half)):
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 1000:
                raise SamplingInvalid(f"{label} must be a whole number 0..1000")
        if self.first_half + self.second_half == 0:
            raise SamplingInvalid("the plan draws no contact")
        if not 1 <= self.split_day <= 27:
            raise SamplingInvalid("split_day must be 1..27 (both halves exist every month)")
        if not _NAME.match(self.name) or not 1 <= self.version < 2**31:
            raise SamplingInvalid("plan name [a-z0-9_.-] and version >= 1")

    @classmethod
    def of(cls, per_operator: int = DEFAULT_PER_OPERATOR, **kwargs: Any) -> SamplingPlan:
        """N contacts per operator: ceil(N/2) in the first half, the rest in the second."""
        if isinstance(per_operator, bool) or not isinstance(per_operator, int) \
                or not 1 <= per_operator <= 2000:
            raise SamplingInvalid("per_operator must be a whole number 1..2000",
                                  per_operator=per_operator)
        return cls((per_operator + 1) // 2, per_operator // 2, **kwargs)

    @property
    def per_operator(self) -> int:
        return self.first_half + self.second_half

    def requested(self, half: int) -> int:
        return self.first_half if half == 1 else self.second_half

    def half_of(self, day: date) -> int:
        return 1 if day.day <= self.split_day else 2

    def half_days(self, month: Month, half: int) -> tuple[date, date]:
        """First and last day (both included) of a half."""
        if half == 1:
            return month.first_day, date(month.year, month.month, self.split_day)
        return date(month.year, month.month, self.split_day + 1), month.last_day

    @property
    def key(self) -> str:
        return f"{self.name}|{self.version}|{self.first_half}+{self.second_half}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "first_half": self.first_half,
                "second_half": self.second_half, "split_day": self.split_day,
                "per_operator": self.per_operator}


@dataclass(frozen=True)
class Candidate:
    contact_ref: str
    day: date


@dataclass(frozen=True)
class HalfDraw:
    half: int
    requested: int
    available: int
    seed: str
    picks: tuple[Candidate, ...]

    @property
    def shortfall(self) -> int:
        return self.requested - len(self.picks)

    def to_dict(self) -> dict[str, Any]:
        return {"half": self.half, "requested": self.requested, "available": self.available,
                "drawn": len(self.picks), "shortfall": self.shortfall, "seed": self.seed,
                "contacts": [{"contact": c.contact_ref, "day": c.day.isoformat()}
                             for c in self.picks]}


def half_seed(plan: SamplingPlan, operator: str, month: Month, half: int) -> str:
    text = f"helpline.qa.sample|{plan.key}|{operator}|{month}|{half}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rank(seed: str, contact_ref: str) -> str:
    return hashlib.sha256(f"{seed}|{contact_ref}".encode()).hexdigest()


def draw_half(plan: SamplingPlan, operator: str, month: Month, half: int,
              candidates: Iterable[Candidate]) -> HalfDraw:
    """The half's picks among ``candidates`` (those outside the half are ignored; a
    contact listed twice counts once), ordered by day then contact."""
    if half not in (1, 2):
        raise SamplingInvalid("half is 1 or 2")
    low, high = plan.half_days(month, half)
    pool: dict[str, Candidate] = {}
    for c in candidates:
        if low <= c.day <= high:
            pool.setdefault(c.contact_ref, c)
    seed = half_seed(plan, operator, month, half)
    requested = plan.requested(half)
    ranked = sorted(pool.values(), key=lambda c: (_rank(seed, c.contact_ref), c.contact_ref))
    picks = tuple(sorted(ranked[:requested], key=lambda c: (c.day, c.contact_ref)))
    return HalfDraw(half, requested, len(pool), seed, picks)


@dataclass(frozen=True)
class OperatorDraw:
    operator: str
    month: Month
    halves: tuple[HalfDraw, HalfDraw]

    @property
    def picks(self) -> tuple[Candidate, ...]:
        return self.halves[0].picks + self.halves[1].picks

    @property
    def shortfall(self) -> int:
        return sum(h.shortfall for h in self.halves)


def draw(plan: SamplingPlan, operator: str, month: Month,
         candidates: Iterable[Candidate]) -> OperatorDraw:
    """Both halves of one operator's month."""
    pool = list(candidates)
    return OperatorDraw(operator, month, (draw_half(plan, operator, month, 1, pool),
                                          draw_half(plan, operator, month, 2, pool)))
