"""Demo subscribers: seed 002's tariffs and four holders whose stories the desk shows.

* Мария Соколова — Smart with money and a half-used package (renew it by ``*929#``),
  plus a line on a tariff without "renew package".
* Алексей Кузнецов — seed 004: TEN numbers on his passport, two of them his own and
  eight registered by a dealer under a second customer record on the same passport.
* Пётр Волков — seed 004's debt: a home internet & TV contract whose termination was
  requested three months ago and is still billed every month.
* Ольга Смирнова — a line on daily billing (money ran short) and a line blocked for
  non-payment.

Everything goes through the services (top-ups and nightly charges for past dates),
so ledgers and balances agree. Seeding is skipped when any tariff exists.
"""

from __future__ import annotations

from datetime import date, timedelta

from helpline.domain.billing import Unit
from helpline.domain.billing.catalog import demo_tariffs
from helpline.domain.subscribers.customers import (
    Contract,
    ContractKind,
    ContractStatus,
    DocumentType,
)
from helpline.services import billing, provisioning
from helpline.services.context import ServiceContext

PASSPORT = DocumentType.PASSPORT_RF


def _open(ctx: ServiceContext, customer_id: str, msisdn: str, tariff: str, *, days_ago: int,
          money_minor: int, today: date, contract: str | None = None) -> None:
    """A line opened ``days_ago`` with one top-up, charged night by night until today."""
    provisioning.create_line(ctx, msisdn=msisdn, customer_id=customer_id, tariff_code=tariff,
                             opened_on=today - timedelta(days=days_ago),
                             contract_number=contract)
    if money_minor:
        billing.top_up(ctx, msisdn, money_minor, idempotency_key=f"demo-topup-{msisdn}")
    on = today - timedelta(days=days_ago)
    while on <= today:
        billing.charge_line(ctx, msisdn, on)
        on += timedelta(days=1)


def seed_billing(ctx: ServiceContext, document_key: bytes) -> bool:
    """Insert the demo tariffs, customers and lines unless tariffs exist."""
    if provisioning.list_tariffs(ctx):
        return False
    for tariff in demo_tariffs():
        provisioning.create_tariff(ctx, tariff)
    today = provisioning.local_today(ctx)

    def customer(name: str, passport: str, contracts: tuple[Contract, ...] = ()) -> str:
        return provisioning.create_customer(
            ctx, full_name=name, document_type=PASSPORT, document_number=passport,
            document_key=document_key, contracts=contracts).id

    maria = customer("Мария Соколова", "4612 654321")
    _open(ctx, maria, "79161234567", "smart", days_ago=10, money_minor=150000, today=today)
    billing.record_usage(ctx, "79161234567", Unit.MINUTES, 120, idempotency_key="demo-use-1")
    billing.record_usage(ctx, "79161234567", Unit.MB, 2048, idempotency_key="demo-use-2")
    _open(ctx, maria, "79161234568", "basic", days_ago=5, money_minor=20000, today=today)

    alexey = customer("Алексей Кузнецов", "4510 123456")
    dealer = customer("Кузнецов А.", "45 10 123456")  # same passport, another record
    _open(ctx, alexey, "79031110000", "maxi_smart", days_ago=3, money_minor=100000, today=today)
    _open(ctx, alexey, "79031110001", "smart_mini", days_ago=3, money_minor=50000, today=today)
    for i in range(2, 10):
        _open(ctx, dealer, f"7903111000{i}", "smart_light", days_ago=20, money_minor=30000,
              today=today)

    signed = today - timedelta(days=3 * 365)
    home = Contract("HTV-2017-0042", ContractKind.HOME_INTERNET_TV, signed,
                    status=ContractStatus.TERMINATING,
                    termination_requested_on=today - timedelta(days=95),
                    ends_on=today - timedelta(days=90))
    mobile = Contract("MOB-2017-0042", ContractKind.MOBILE, signed)
    petr = customer("Пётр Волков", "4005 111222", (home, mobile))
    _open(ctx, petr, "74951234567", "home_internet", days_ago=120, money_minor=300000,
          today=today, contract="HTV-2017-0042")
    _open(ctx, petr, "79265554433", "smart_plus", days_ago=15, money_minor=80000, today=today,
          contract="MOB-2017-0042")

    olga = customer("Ольга Смирнова", "4201 333444")
    _open(ctx, olga, "79857776655", "smart", days_ago=2, money_minor=10000, today=today)
    _open(ctx, olga, "79857776656", "smart", days_ago=1, money_minor=0, today=today)
    return True
