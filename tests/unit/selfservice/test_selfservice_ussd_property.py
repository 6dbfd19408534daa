"""Property (issue 3 §5): no USSD screen exceeds the limit — every menu, every language,
random balances, tariff names, services, quotes, refusals and junk inputs.

The limit is for the screen text itself (182 GSM 7-bit septets, or 80 UCS-2 units when
any character needs UCS-2); the gateway's ``CON ``/``END `` prefix is not counted.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.billing import BucketSource, RefusalCode, RenewalRefusal, Unit
from helpline.domain.subscribers.gsm_text import USSD_LIMITS, fits
from helpline.services.billing_results import PackageRemainder, RenewalResult
from helpline.services.selfservice.ussd import UssdRequest, run_ussd

from .fakes import MSISDN, FakeBackend, quote, view

DAY = date(2026, 11, 22)
amounts = st.integers(min_value=0, max_value=10**12)
days = st.integers(min_value=0, max_value=3000).map(lambda n: DAY + timedelta(days=n))
names = st.text(min_size=1, max_size=120)  # any Unicode: Cyrillic, emoji, combining marks
unit_amounts = st.dictionaries(st.sampled_from(list(Unit)), amounts, max_size=3)
packages = st.lists(st.builds(PackageRemainder, st.sampled_from(list(Unit)),
                              st.sampled_from(list(BucketSource)), amounts, days), max_size=6)
balances = st.builds(
    view, tariff_name=names, money_minor=amounts, packages=packages.map(tuple),
    services=st.lists(st.text(max_size=60), max_size=8).map(tuple),
    status=st.sampled_from(["active", "blocked"]),
    billing_mode=st.sampled_from(["monthly", "daily"]),
    discount_percent=st.integers(min_value=0, max_value=100))
quotes = st.one_of(
    st.builds(quote, fee_minor=amounts, is_repeat=st.booleans(), carried=unit_amounts,
              expired=unit_amounts),
    st.builds(RenewalRefusal, st.sampled_from(list(RefusalCode))))
results = st.one_of(
    st.builds(RenewalResult, msisdn=st.just(MSISDN), channel=st.just("ussd"),
              idempotency_key=st.just("s"), renewed=st.just(True), fee_minor=amounts,
              next_charge_date=days),
    st.builds(RenewalResult, msisdn=st.just(MSISDN), channel=st.just("ussd"),
              idempotency_key=st.just("s"), renewed=st.just(False),
              refusal=st.sampled_from(list(RefusalCode))))
backends = st.builds(FakeBackend, balance=st.one_of(balances, st.none()), quoted=quotes,
                     result=results, lines=st.integers(min_value=0, max_value=10**9))
inputs = st.lists(st.one_of(st.sampled_from(["1", "2", "3", "4", "9", "00", "0", "", " 1 "]),
                            st.text(max_size=20)), max_size=12)
codes = st.sampled_from(["*929#", "*100#", "*111#", "*111*2#", "*929*1#", "*555#", "", "#"])
languages = st.sampled_from(["ru", "en", "uk", "en-GB", "de", None])


@settings(max_examples=400, deadline=None)
@given(backend=backends, code=codes, typed=inputs, language=languages,
       warned=st.booleans())
def test_every_ussd_screen_fits(backend: FakeBackend, code: str, typed: list[str],
                                language: str | None, warned: bool) -> None:
    backend.sessions["s"] = warned
    reply = run_ussd(backend, UssdRequest("s", code, MSISDN, "25001", typed), language)
    assert reply.text.strip()
    assert fits(reply.text, USSD_LIMITS), (len(reply.text), reply.text)
    assert len(backend.renewals) <= 1


@settings(max_examples=150, deadline=None)
@given(backend=backends, code=codes, language=languages,
       pages=st.integers(min_value=0, max_value=15))
def test_every_page_reached_with_00_fits(backend: FakeBackend, code: str,
                                         language: str | None, pages: int) -> None:
    for count in range(pages + 1):
        reply = run_ussd(backend, UssdRequest("s", code, MSISDN, "", ["00"] * count), language)
        assert fits(reply.text, USSD_LIMITS), reply.text
