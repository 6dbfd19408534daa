"""Shared steps for the self-service tests: a SMART line opened Jan 31, 2026 and a USSD
session driven like a gateway (every request carries all inputs so far).

SMART: 500.00 a month, 300 min, 100 SMS, 10240 MB. Opening with 1,100.00 and the first
night's fee leaves 600.00; the next charge is Feb 28 (Jan 31 + one month).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

from helpline.domain.billing import Unit
from helpline.services import billing
from helpline.services.context import ServiceContext
from helpline.services.selfservice import UssdReply, UssdRequest, handle_ussd
from tests.conftest import ManualClock
from tests.integration.billing_helpers import add_line, noon

OPENED = date(2026, 1, 31)
RENEW_DAY = date(2026, 2, 10)
MSISDN = "79990000001"
MORE_RU = "\n00 Далее"


def line_used_100_minutes(ctx: ServiceContext, clock: ManualClock, *,
                          money_minor: int = 110000) -> str:
    """The line on Feb 10 at noon, 100 of its 300 minutes used."""
    clock.now = noon(OPENED)
    add_line(ctx, msisdn=MSISDN, opened_on=OPENED, money_minor=money_minor)
    billing.record_usage(ctx, MSISDN, Unit.MINUTES, 100, idempotency_key="call-1")
    clock.now = noon(RENEW_DAY)
    return MSISDN


def ussd(ctx: ServiceContext, session: str, code: str, *inputs: str, lang: str = "ru",
         msisdn: str = MSISDN) -> UssdReply:
    return handle_ussd(ctx, UssdRequest(session, code, msisdn, "25001", list(inputs)), lang)


def whole_text(ctx: ServiceContext, session: str, code: str, *inputs: str) -> str:
    """A (Russian) screen read to its last page with 00, pages joined by newlines."""
    pages, more = [], list(inputs)
    while True:
        page = ussd(ctx, session, code, *more).text
        if not page.endswith(MORE_RU):
            return "\n".join([*pages, page])
        pages.append(page.removesuffix(MORE_RU))
        more.append("00")


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
