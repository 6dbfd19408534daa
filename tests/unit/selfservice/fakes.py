"""A fake self-service backend: the menus' data without a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from helpline.domain.billing import BucketSource, RenewalQuote, RenewalRefusal, Unit
from helpline.domain.errors import NotFound
from helpline.services.billing_results import BalanceView, PackageRemainder, RenewalResult

MSISDN = "79990000001"
NEXT = date(2026, 12, 22)


def view(*, tariff_name: str = "Smart", money_minor: int = 150000,
         packages: tuple[PackageRemainder, ...] | None = None, services: tuple[str, ...] = (),
         status: str = "active", billing_mode: str = "monthly",
         discount_percent: int = 0) -> BalanceView:
    if packages is None:
        packages = (PackageRemainder(Unit.MINUTES, BucketSource.CARRIED_OVER, 20, NEXT),
                    PackageRemainder(Unit.MINUTES, BucketSource.TARIFF_PACKAGE, 180, NEXT),
                    PackageRemainder(Unit.SMS, BucketSource.TARIFF_PACKAGE, 100, NEXT),
                    PackageRemainder(Unit.MB, BucketSource.TARIFF_PACKAGE, 8192, NEXT))
    return BalanceView(
        msisdn=MSISDN, customer_id="c1", tariff_code="smart", tariff_name=tariff_name,
        status=status, block_reason=None, billing_mode=billing_mode,
        period_start=date(2026, 11, 22), next_charge_date=NEXT,
        discount_percent=discount_percent, services=services, money_minor=money_minor,
        packages=packages, renew_package_available=True)


def quote(*, fee_minor: int = 50000, is_repeat: bool = False,
          carried: dict[Unit, int] | None = None,
          expired: dict[Unit, int] | None = None) -> RenewalQuote:
    return RenewalQuote(fee_minor=fee_minor, money_after_minor=100000,
                        period_start=date(2026, 11, 22), next_charge_date=NEXT,
                        carried_over={Unit.MINUTES: 180} if carried is None else carried,
                        expired_carried_over=expired or {}, is_repeat=is_repeat)


def renewed(fee_minor: int = 50000) -> RenewalResult:
    return RenewalResult(msisdn=MSISDN, channel="ussd", idempotency_key="s", renewed=True,
                         fee_minor=fee_minor, next_charge_date=NEXT)


@dataclass
class FakeBackend:
    """Returns what it is given; records renewals and remembered confirmations."""

    balance: BalanceView | None = field(default_factory=view)
    quoted: RenewalQuote | RenewalRefusal = field(default_factory=quote)
    result: RenewalResult = field(default_factory=renewed)
    lines: int = 3
    renewals: list[tuple[str, bool]] = field(default_factory=list)
    sessions: dict[str, bool] = field(default_factory=dict)
    done: dict[str, RenewalResult] = field(default_factory=dict)

    def balances(self, msisdn: str) -> BalanceView:
        if self.balance is None:
            raise NotFound("no such line", msisdn=msisdn)
        return self.balance

    def quote(self, msisdn: str) -> RenewalQuote | RenewalRefusal:
        return self.quoted

    def renew(self, msisdn: str, session_id: str, *, confirmed: bool) -> RenewalResult:
        self.renewals.append((session_id, confirmed))
        self.done[session_id] = self.result
        return self.result

    def renewal_of_session(self, session_id: str, msisdn: str) -> RenewalResult | None:
        return self.done.get(session_id)

    def count_lines(self, msisdn: str) -> int:
        return self.lines

    def repeat_warned(self, session_id: str, msisdn: str) -> bool:
        return self.sessions.get(session_id, False)

    def remember_confirmation(self, session_id: str, msisdn: str, repeat_warned: bool) -> None:
        self.sessions[session_id] = repeat_warned
