"""Billing use cases: top-ups, usage, the nightly charge, "renew package", reads.

Each money-changing call is one transaction that locks the line row first
(:meth:`BillingRepository.lock_account`), runs the pure domain and writes the
difference; it is repeated by :func:`with_retries` on a deadlock or serialization
failure. All of them are idempotent: a top-up or use by its key (in the ledger), the
nightly charge per line and date (``periodic:<msisdn>:<date>``), and a renewal per
(channel, key) in ``self_service_requests`` — which stores the FIRST result, refusals
included, so a repeated USSD session id or SMS message id returns it and charges
nothing. The renewal's domain key is ``<channel>:<key>``.

Dates ("today", the bucket day, the renewal's new period) are taken in the
operator's billing time zone ``ctx.timezone``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from helpline.domain import billing as domain
from helpline.domain.billing import (
    ChargeOutcome,
    IdempotencyConflict,
    RenewalDone,
    RenewalQuote,
    RenewalRefusal,
    Unit,
)
from helpline.domain.billing.balances import CONSUMPTION_RANK
from helpline.domain.billing.charging import periodic_charge_key
from helpline.domain.errors import HelplineError, ValidationFailed
from helpline.domain.subscribers.customers import normalize_msisdn
from helpline.services.billing_results import (
    BalanceView,
    ChargeRun,
    LedgerLine,
    PackageRemainder,
    Posting,
    RenewalResult,
    UsageResult,
)
from helpline.services.context import ServiceContext
from helpline.store.uow import UnitOfWork, with_retries

T = TypeVar("T")

#: Channels a renewal can come from; each has its own idempotency-key space.
CHANNELS = ("ussd", "sms", "api", "desk")
MAX_KEY_LENGTH = 120
RENEW = "renew"


def local_now(ctx: ServiceContext) -> datetime:
    """Now, in the operator's billing time zone (its ``.date()`` is "today")."""
    return ctx.now().astimezone(ctx.timezone)


def check_idempotency_key(key: str) -> str:
    """A non-empty key of at most :data:`MAX_KEY_LENGTH` printable characters."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH \
            or not key.isprintable():
        raise ValidationFailed(f"idempotency key: 1..{MAX_KEY_LENGTH} printable characters",
                               field="idempotency_key")
    return key


def _transaction(ctx: ServiceContext, work: Callable[[UnitOfWork], T]) -> T:
    def attempt() -> T:
        with ctx.uow() as uow:
            return work(uow)
    return with_retries(attempt)


# -- money in and out ---------------------------------------------------------------------------
def top_up(ctx: ServiceContext, msisdn: str, amount_minor: int, *,
           idempotency_key: str) -> Posting:
    """Add ``amount_minor`` kopecks; a repeated key returns the first entry."""
    number, key = normalize_msisdn(msisdn), check_idempotency_key(idempotency_key)

    def work(uow: UnitOfWork) -> Posting:
        locked = uow.billing.lock_account(number, ledger_keys=[key])
        posted = domain.top_up(locked.account, amount_minor, idempotency_key=key,
                               now=local_now(ctx))
        if not posted.replayed:
            uow.billing.save(locked.account, posted.account)
            uow.commit()
        return Posting(number, posted.entry, posted.account.money_minor, posted.replayed)

    return _transaction(ctx, work)


def record_usage(ctx: ServiceContext, msisdn: str, unit: Unit, quantity: int, *,
                 idempotency_key: str) -> UsageResult:
    """Rate ``quantity`` whole ``unit`` (carried-over, package, bonus, then money)."""
    number, key = normalize_msisdn(msisdn), check_idempotency_key(idempotency_key)

    def work(uow: UnitOfWork) -> UsageResult:
        locked = uow.billing.lock_account(number, ledger_keys=[key])
        rated = domain.rate_usage(locked.account, locked.tariff, Unit(unit), quantity,
                                  idempotency_key=key, now=local_now(ctx))
        if not rated.replayed:
            uow.billing.save(locked.account, rated.account)
            uow.commit()
        consumed: Counter[str] = Counter()
        for part in rated.consumed:
            consumed[part.source.value] += part.amount
        return UsageResult(number, rated.entry, rated.account.money_minor, rated.replayed,
                           consumed=dict(consumed), paid_units=rated.paid_units,
                           charged_minor=rated.charged_minor)

    return _transaction(ctx, work)


# -- the nightly charge ---------------------------------------------------------------------------
def charge_line(ctx: ServiceContext, msisdn: str, on: date) -> domain.ChargeResult:
    """The periodic charge of one line for the night of ``on`` (its own transaction)."""
    number = normalize_msisdn(msisdn)

    def work(uow: UnitOfWork) -> domain.ChargeResult:
        locked = uow.billing.lock_account(number, ledger_keys=[periodic_charge_key(number, on)])
        result = domain.run_periodic_charge(locked.account, locked.tariff, on=on,
                                            now=local_now(ctx))
        if result.account != locked.account:
            uow.billing.save(locked.account, result.account)
            uow.commit()
        return result

    return _transaction(ctx, work)


def run_charges(ctx: ServiceContext, on: date,
                progress: Callable[[int, int], None] | None = None) -> ChargeRun:
    """Charge every due line for ``on``, each line in its own transaction.

    Idempotent per line and date: running it again charges nothing twice. A line that
    fails is reported in ``failed`` (msisdn -> error id) and the run goes on.
    """
    with ctx.uow() as uow:
        due = uow.billing.due_lines(on)
    outcomes: Counter[ChargeOutcome] = Counter()
    failed: dict[str, str] = {}
    charged = 0
    for done, number in enumerate(due, start=1):
        try:
            result = charge_line(ctx, number, on)
        except HelplineError as error:
            failed[number] = error.error_id
        else:
            outcomes[result.outcome] += 1
            if result.entry is not None and result.outcome is not ChargeOutcome.ALREADY_RUN:
                charged -= result.entry.amount_minor
        if progress is not None:
            progress(done, len(due))
    return ChargeRun(on, dict(outcomes), failed, charged)


# -- "renew package" ------------------------------------------------------------------------------
def quote(ctx: ServiceContext, msisdn: str, *,
          confirmed: bool = False) -> RenewalQuote | RenewalRefusal:
    """What a renewal now would do, or why it would be refused (nothing changes).

    For the USSD confirmation screen pass ``confirmed=True``: a repeat within 10
    minutes then gives a quote with ``is_repeat=True`` (say so on the screen) instead
    of the ``confirm_repeat`` refusal."""
    number = normalize_msisdn(msisdn)
    with ctx.uow() as uow:
        locked = uow.billing.lock_account(number, lock=False)
    return domain.quote_renewal(locked.account, locked.tariff, now=local_now(ctx),
                                confirmed=confirmed)


def renew(ctx: ServiceContext, msisdn: str, *, channel: str, idempotency_key: str,
          confirmed: bool = False) -> RenewalResult:
    """Renew the package of ``msisdn`` by the rules of seed 002, or refuse with a code.

    ``channel`` is one of :data:`CHANNELS`; ``idempotency_key`` is the USSD session id,
    the SMS message id, or the caller's key. The first result for (channel, key) is
    stored and returned again for a repeat (``replayed=True``), refusal or not.
    ``confirmed``: the subscriber confirmed a repeat within 10 minutes (USSD); SMS
    passes False and a repeat is refused with ``confirm_repeat``. Render the result with
    :meth:`RenewalResult.message` in the subscriber's language.
    """
    number, key = normalize_msisdn(msisdn), check_idempotency_key(idempotency_key)
    if channel not in CHANNELS:
        raise ValidationFailed(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    domain_key = f"{channel}:{key}"

    def work(uow: UnitOfWork) -> RenewalResult:
        # The stored request, the receipt and the ledger entry of a renewal are written
        # in one transaction, so when (channel, key) has no stored request (read under
        # the line lock) the domain key is new: no receipt or ledger entry to load.
        locked = uow.billing.lock_account(number)
        stored = uow.billing.stored_request(channel, key)
        if stored is not None:
            if stored.msisdn != number or stored.operation != RENEW:
                raise IdempotencyConflict("idempotency key already used for another request",
                                          channel=channel, key=key)
            return RenewalResult.from_json(stored.result, replayed=True)
        outcome = domain.renew_package(locked.account, locked.tariff, now=local_now(ctx),
                                       idempotency_key=domain_key, confirmed=confirmed)
        if isinstance(outcome, RenewalDone):
            if not outcome.replayed:
                uow.billing.save(locked.account, outcome.account)
            result = RenewalResult.of_done(outcome, channel=channel, key=key)
        else:
            result = RenewalResult.of_refusal(outcome, msisdn=number, channel=channel, key=key,
                                              money_minor=locked.account.money_minor)
        uow.billing.store_request(
            channel=channel, key=key, msisdn=number, operation=RENEW,
            outcome="renewed" if result.renewed else str(result.refusal),
            result=result.to_json(), now=ctx.now())
        uow.commit()
        return result

    return _transaction(ctx, work)


# -- reads ------------------------------------------------------------------------------
def balances(ctx: ServiceContext, msisdn: str) -> BalanceView:
    """Money and package remainders usable today, per unit and source."""
    number = normalize_msisdn(msisdn)
    today = local_now(ctx).date()
    with ctx.uow() as uow:
        locked = uow.billing.lock_account(number, lock=False)
    account, tariff, line = locked.account, locked.tariff, locked.account.line
    totals: dict[tuple[Unit, domain.BucketSource], PackageRemainder] = {}
    for bucket in account.balances.buckets:
        if not bucket.usable_on(today):
            continue
        key = (bucket.unit, bucket.source)
        seen = totals.get(key)
        totals[key] = PackageRemainder(
            bucket.unit, bucket.source, bucket.amount + (seen.amount if seen else 0),
            min(bucket.expires_on, seen.expires_on) if seen else bucket.expires_on)
    order = {unit: i for i, unit in enumerate(Unit)}
    packages = tuple(sorted(totals.values(), key=lambda p: (
        order[p.unit], CONSUMPTION_RANK[p.source])))
    return BalanceView(
        msisdn=number, customer_id=locked.customer_id, tariff_code=tariff.code,
        tariff_name=tariff.name, status=line.status.value, block_reason=line.block_reason,
        billing_mode=line.billing_mode.value, period_start=line.period_start,
        next_charge_date=line.next_charge_date, discount_percent=line.discount_percent,
        services=tuple(sorted(line.services)), money_minor=account.money_minor,
        packages=packages, renew_package_available=tariff.renew_package_available)


def ledger(ctx: ServiceContext, msisdn: str, *, limit: int = 50,
           before_id: int | None = None) -> list[LedgerLine]:
    """The line's ledger, newest first; page with ``before_id`` = the last id seen."""
    number = normalize_msisdn(msisdn)
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit must be 1..500", field="limit")
    with ctx.uow() as uow:
        uow.billing.line_row(number)  # NotFound
        return [LedgerLine(i, e) for i, e in uow.billing.ledger_page(number, limit=limit,
                                                                     before_id=before_id)]


def lines_on_same_document(ctx: ServiceContext, msisdn: str) -> list[str]:
    """All numbers registered on the document of ``msisdn``'s holder (itself included)."""
    number = normalize_msisdn(msisdn)
    with ctx.uow() as uow:
        return uow.billing.lines_on_same_document(number)


def count_lines_on_same_document(ctx: ServiceContext, msisdn: str) -> int:
    """How many numbers are registered on the holder's document (``*111#`` menu)."""
    return len(lines_on_same_document(ctx, msisdn))
