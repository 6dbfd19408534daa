"""Results the billing services return to channels (USSD, SMS, desk, REST).

:class:`RenewalResult` is also what ``self_service_requests.result`` stores, so a
repeated request gets the first result back (``to_json`` / ``from_json``). Texts are
rendered at read time in the asker's language (:meth:`RenewalResult.message`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from helpline.domain.billing import (
    BucketSource,
    ChargeOutcome,
    LedgerEntry,
    RefusalCode,
    RenewalDone,
    RenewalRefusal,
    Unit,
    format_minor,
    refusal_message,
)
from helpline.domain.billing.messages import normalize_language

_DONE_TEXT = {
    "ru": "Пакет обновлён: списано {fee} руб. Следующее списание {next}.",
    "en": "Package renewed: {fee} RUB charged. Next charge on {next}.",
    "uk": "Пакет оновлено: списано {fee} руб. Наступне списання {next}.",
}


@dataclass(frozen=True)
class Posting:
    """A money operation (top-up, usage): its ledger entry and the money balance now."""

    msisdn: str
    entry: LedgerEntry
    money_minor: int
    replayed: bool = False


@dataclass(frozen=True)
class UsageResult(Posting):
    """A rated use: units taken per bucket source and what was paid from money."""

    consumed: dict[str, int] = field(default_factory=dict)
    paid_units: int = 0
    charged_minor: int = 0


@dataclass(frozen=True)
class RenewalResult:
    """The outcome of one "renew package" request: renewed, or refused with a code.

    ``money_minor`` is the money after the renewal (or at the refusal); ``fee_minor`` is
    known for a success and for the refusals that get as far as the fee.
    """

    msisdn: str
    channel: str
    idempotency_key: str
    renewed: bool
    refusal: RefusalCode | None = None
    fee_minor: int | None = None
    money_minor: int | None = None
    renewed_at: datetime | None = None
    period_start: date | None = None
    next_charge_date: date | None = None
    carried_over: dict[Unit, int] = field(default_factory=dict)
    expired_carried_over: dict[Unit, int] = field(default_factory=dict)
    replayed: bool = False

    @classmethod
    def of_done(cls, done: RenewalDone, *, channel: str, key: str) -> RenewalResult:
        r = done.receipt
        return cls(msisdn=r.msisdn, channel=channel, idempotency_key=key, renewed=True,
                   fee_minor=r.fee_minor, money_minor=done.account.money_minor,
                   renewed_at=r.renewed_at, period_start=r.period_start,
                   next_charge_date=r.next_charge_date, carried_over=dict(r.carried_over),
                   expired_carried_over=dict(r.expired_carried_over), replayed=done.replayed)

    @classmethod
    def of_refusal(cls, refusal: RenewalRefusal, *, msisdn: str, channel: str, key: str,
                   money_minor: int) -> RenewalResult:
        return cls(msisdn=msisdn, channel=channel, idempotency_key=key, renewed=False,
                   refusal=refusal.code, fee_minor=refusal.fee_minor, money_minor=money_minor)

    def message(self, language: str | None = "ru") -> str:
        """A short customer text (fits one Cyrillic USSD screen)."""
        if self.refusal is not None:
            return refusal_message(self.refusal, language)
        template = _DONE_TEXT[normalize_language(language)]
        next_day = self.next_charge_date.strftime("%d.%m.%Y") if self.next_charge_date else ""
        return template.format(fee=format_minor(self.fee_minor or 0), next=next_day)

    def to_json(self) -> dict[str, Any]:
        return {
            "msisdn": self.msisdn, "channel": self.channel,
            "idempotency_key": self.idempotency_key, "renewed": self.renewed,
            "refusal": self.refusal.value if self.refusal else None,
            "fee_minor": self.fee_minor, "money_minor": self.money_minor,
            "renewed_at": self.renewed_at.isoformat() if self.renewed_at else None,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "next_charge_date": (self.next_charge_date.isoformat()
                                 if self.next_charge_date else None),
            "carried_over": {u.value: n for u, n in sorted(self.carried_over.items())},
            "expired_carried_over": {u.value: n
                                     for u, n in sorted(self.expired_carried_over.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, replayed: bool = False) -> RenewalResult:
        def day(name: str) -> date | None:
            return date.fromisoformat(data[name]) if data.get(name) else None

        return cls(
            msisdn=data["msisdn"], channel=data["channel"],
            idempotency_key=data["idempotency_key"], renewed=bool(data["renewed"]),
            refusal=RefusalCode(data["refusal"]) if data.get("refusal") else None,
            fee_minor=data.get("fee_minor"), money_minor=data.get("money_minor"),
            renewed_at=(datetime.fromisoformat(data["renewed_at"])
                        if data.get("renewed_at") else None),
            period_start=day("period_start"), next_charge_date=day("next_charge_date"),
            carried_over={Unit(k): int(v) for k, v in (data.get("carried_over") or {}).items()},
            expired_carried_over={Unit(k): int(v) for k, v
                                  in (data.get("expired_carried_over") or {}).items()},
            replayed=replayed,
        )

    def as_replay(self) -> RenewalResult:
        return replace(self, replayed=True)


@dataclass(frozen=True)
class PackageRemainder:
    """Units of one unit and source usable today, and the earliest expiry among them."""

    unit: Unit
    source: BucketSource
    amount: int
    expires_on: date


@dataclass(frozen=True)
class BalanceView:
    """What a subscriber asks with ``*100#`` and what the desk card shows."""

    msisdn: str
    customer_id: str
    tariff_code: str
    tariff_name: str
    status: str
    block_reason: str | None
    billing_mode: str
    period_start: date
    next_charge_date: date
    discount_percent: int
    services: tuple[str, ...]
    money_minor: int
    packages: tuple[PackageRemainder, ...]
    renew_package_available: bool

    def remaining(self, unit: Unit) -> int:
        """Total units of ``unit`` usable today, all sources."""
        return sum(p.amount for p in self.packages if p.unit is unit)


@dataclass(frozen=True)
class LedgerLine:
    """A ledger entry with its storage id (for paging: ``before_id``)."""

    id: int
    entry: LedgerEntry


@dataclass(frozen=True)
class ChargeRun:
    """A nightly run for ``on``: how many lines ended how, and lines that failed."""

    on: date
    outcomes: dict[ChargeOutcome, int]
    failed: dict[str, str]
    charged_minor: int

    @property
    def lines(self) -> int:
        return sum(self.outcomes.values()) + len(self.failed)
