"""Bodies of the provisioning API. Money is ``*_minor`` integer kopecks; every number
is bounded so nothing malformed reaches the database (no 500 on garbage)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from helpline.domain.billing import (
    BucketSource,
    LedgerEntry,
    RenewalQuote,
    RenewalRefusal,
    Tariff,
    Unit,
    refusal_message,
)
from helpline.domain.subscribers.customers import ContractKind, ContractStatus, DocumentType
from helpline.services.billing_results import (
    BalanceView,
    ChargeRun,
    LedgerLine,
    Posting,
    RenewalResult,
    UsageResult,
)
from helpline.services.provisioning import CustomerCard

#: Largest amount accepted, kopecks (10 billion rubles).
MAX_MINOR = 10**12
MAX_UNITS = 10**9
Minor = Annotated[StrictInt, Field(ge=0, le=MAX_MINOR)]
PositiveMinor = Annotated[StrictInt, Field(gt=0, le=MAX_MINOR)]
Units = Annotated[StrictInt, Field(ge=0, le=MAX_UNITS)]
Key = Annotated[str, Field(min_length=1, max_length=120)]
Language = Literal["ru", "en", "uk"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TariffIn(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    monthly_fee_minor: Minor
    daily_fee_minor: Minor | None = Field(
        default=None, description="default: monthly fee / 30, rounded up")
    included_minutes: Units = 0
    included_sms: Units = 0
    included_mb: Units = 0
    minute_rate_minor: Minor = 0
    sms_rate_minor: Minor = 0
    mb_rate_minor: Minor = 0
    renew_package_available: StrictBool = False

    def to_domain(self) -> Tariff:
        values = self.model_dump()
        if values["daily_fee_minor"] is None:
            values["daily_fee_minor"] = -(-self.monthly_fee_minor // 30)
        return Tariff(**values)


class TariffOut(BaseModel):
    code: str
    name: str
    monthly_fee_minor: int
    daily_fee_minor: int
    included_minutes: int
    included_sms: int
    included_mb: int
    minute_rate_minor: int
    sms_rate_minor: int
    mb_rate_minor: int
    renew_package_available: bool

    @classmethod
    def of(cls, tariff: Tariff) -> TariffOut:
        return cls.model_validate(tariff, from_attributes=True)


class ContractIn(Strict):
    number: str = Field(min_length=1, max_length=64)
    kind: ContractKind
    signed_on: date
    status: ContractStatus = ContractStatus.ACTIVE
    termination_requested_on: date | None = None
    ends_on: date | None = None


class ContractOut(ContractIn):
    closed_on: date | None = None


class CustomerIn(Strict):
    full_name: str = Field(min_length=1, max_length=200)
    document_type: DocumentType = DocumentType.PASSPORT_RF
    document_number: str = Field(min_length=1, max_length=64,
                                 description="plain; stored only masked and as a keyed hash")
    contracts: list[ContractIn] = Field(default_factory=list, max_length=20)


class CustomerOut(BaseModel):
    id: str
    full_name: str
    document_type: DocumentType
    document_masked: str
    contracts: list[ContractOut]
    lines: list[str]

    @classmethod
    def of(cls, card: CustomerCard) -> CustomerOut:
        c = card.customer
        return cls(id=c.id, full_name=c.full_name, document_type=c.document.type,
                   document_masked=c.document.masked,
                   contracts=[ContractOut.model_validate(k, from_attributes=True)
                              for k in c.contracts],
                   lines=list(card.lines))


class LineIn(Strict):
    msisdn: str = Field(min_length=1, max_length=32)
    customer_id: str = Field(min_length=1, max_length=36)
    tariff_code: str = Field(min_length=1, max_length=64)
    opened_on: date | None = Field(default=None, description="first fee due; default today")
    discount_percent: Annotated[StrictInt, Field(ge=0, le=100)] = 0
    services: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50)
    contract_number: str | None = Field(default=None, min_length=1, max_length=64)


class TopUpIn(Strict):
    amount_minor: PositiveMinor
    idempotency_key: Key | None = Field(default=None,
                                        description="or the Idempotency-Key header")


class UsageIn(Strict):
    unit: Unit
    quantity: Annotated[StrictInt, Field(gt=0, le=MAX_UNITS)]
    idempotency_key: Key | None = None


class ChargeRunIn(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    on: date = Field(alias="date", description="the night to charge, YYYY-MM-DD")


class RenewIn(Strict):
    idempotency_key: Key | None = None
    confirmed: StrictBool = Field(default=False,
                                  description="the subscriber confirmed a repeat within 10 min")
    language: Language = "ru"


class EntryOut(BaseModel):
    id: int | None = None
    idempotency_key: str
    kind: str
    amount_minor: int
    at: datetime
    description: str
    period_start: date | None
    period_end: date | None
    unit: Unit | None
    quantity: int

    @classmethod
    def of(cls, entry: LedgerEntry, entry_id: int | None = None) -> EntryOut:
        return cls(id=entry_id, idempotency_key=entry.idempotency_key, kind=entry.kind.value,
                   amount_minor=entry.amount_minor, at=entry.at, description=entry.description,
                   period_start=entry.period_start, period_end=entry.period_end,
                   unit=entry.unit, quantity=entry.quantity)

    @classmethod
    def of_line(cls, line: LedgerLine) -> EntryOut:
        return cls.of(line.entry, line.id)


class PostingOut(BaseModel):
    msisdn: str
    entry: EntryOut
    money_minor: int
    replayed: bool
    consumed: dict[str, int] | None = None
    paid_units: int | None = None
    charged_minor: int | None = None

    @classmethod
    def of(cls, posting: Posting) -> PostingOut:
        out = cls(msisdn=posting.msisdn, entry=EntryOut.of(posting.entry),
                  money_minor=posting.money_minor, replayed=posting.replayed)
        if isinstance(posting, UsageResult):
            out.consumed, out.paid_units, out.charged_minor = (
                posting.consumed, posting.paid_units, posting.charged_minor)
        return out


class PackageOut(BaseModel):
    unit: Unit
    source: BucketSource
    amount: int
    expires_on: date


class BalanceOut(BaseModel):
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
    services: list[str]
    renew_package_available: bool
    money_minor: int
    packages: list[PackageOut]
    remaining: dict[Unit, int]

    @classmethod
    def of(cls, view: BalanceView) -> BalanceOut:
        return cls(
            msisdn=view.msisdn, customer_id=view.customer_id, tariff_code=view.tariff_code,
            tariff_name=view.tariff_name, status=view.status, block_reason=view.block_reason,
            billing_mode=view.billing_mode, period_start=view.period_start,
            next_charge_date=view.next_charge_date, discount_percent=view.discount_percent,
            services=list(view.services), renew_package_available=view.renew_package_available,
            money_minor=view.money_minor,
            packages=[PackageOut.model_validate(p, from_attributes=True) for p in view.packages],
            remaining={u: view.remaining(u) for u in Unit})


class RenewalOut(BaseModel):
    msisdn: str
    renewed: bool
    replayed: bool
    fee_minor: int | None
    money_minor: int | None
    renewed_at: datetime | None
    period_start: date | None
    next_charge_date: date | None
    carried_over: dict[Unit, int]
    expired_carried_over: dict[Unit, int]
    message: str

    @classmethod
    def of(cls, result: RenewalResult, language: str) -> RenewalOut:
        return cls(msisdn=result.msisdn, renewed=result.renewed, replayed=result.replayed,
                   fee_minor=result.fee_minor, money_minor=result.money_minor,
                   renewed_at=result.renewed_at, period_start=result.period_start,
                   next_charge_date=result.next_charge_date,
                   carried_over=result.carried_over,
                   expired_carried_over=result.expired_carried_over,
                   message=result.message(language))


class QuoteOut(BaseModel):
    available: bool
    refusal: str | None = None
    message: str | None = None
    fee_minor: int | None = None
    money_after_minor: int | None = None
    period_start: date | None = None
    next_charge_date: date | None = None
    carried_over: dict[Unit, int] = Field(default_factory=dict)
    expired_carried_over: dict[Unit, int] = Field(default_factory=dict)
    is_repeat: bool = False

    @classmethod
    def of(cls, quote: RenewalQuote | RenewalRefusal, language: str) -> QuoteOut:
        if isinstance(quote, RenewalRefusal):
            return cls(available=False, refusal=quote.code.value, fee_minor=quote.fee_minor,
                       message=refusal_message(quote.code, language))
        return cls(available=True, fee_minor=quote.fee_minor,
                   money_after_minor=quote.money_after_minor, period_start=quote.period_start,
                   next_charge_date=quote.next_charge_date, carried_over=quote.carried_over,
                   expired_carried_over=quote.expired_carried_over, is_repeat=quote.is_repeat)


class ChargeRunOut(BaseModel):
    on: date = Field(serialization_alias="date")
    lines: int
    charged_minor: int
    outcomes: dict[str, int]
    failed: dict[str, str]

    @classmethod
    def of(cls, run: ChargeRun) -> ChargeRunOut:
        return cls(on=run.on, lines=run.lines, charged_minor=run.charged_minor,
                   outcomes={k.value: v for k, v in sorted(run.outcomes.items())},
                   failed=run.failed)
