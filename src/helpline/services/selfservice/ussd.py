"""USSD menus over a provider-neutral request: ``*929#`` renew, ``*100#`` balance, ``*111#``.

Gateways send the WHOLE session's inputs with every request (Africa's Talking joins them
with ``*``), so a reply is computed by replaying the inputs from the first screen. Only
the screen that ends the walk has a side effect (the renewal). The renewal is idempotent
by the session id, and once a session has a renewal result its confirmation step shows
that result, so a repeated final request replies the same and charges nothing.

Navigation (documented in the README):

* options are digits; an input that is not an option of the current screen shows
  "Неверный ввод." above the same screen (the session goes on);
* a screen too long for one USSD page is split into pages ending in ``00 Далее``;
  ``00`` moves to the next page; the options of a menu work on any of its pages;
* an information screen (balance, services…) ends the session on its last page;
* once a screen ENDs, later inputs are ignored;
* ``*929*1#`` dialled in one go is ``*929#`` with the input ``1``.

Repeat within 10 minutes: the confirmation says so (the domain's ``confirm_repeat``
text) and the session remembers what it showed (``ussd_sessions``); "1" then renews with
``confirmed=True`` only if the warning was on the screen the subscriber answered.

Screen limit: 182 GSM 7-bit septets or 80 UCS-2 units (``USSD_LIMITS``) for the text
itself; the gateway's ``CON ``/``END `` prefix is protocol, not screen, and is not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from helpline.domain.billing import RefusalCode, RenewalQuote, RenewalRefusal, refusal_message
from helpline.domain.errors import HelplineError, NotFound
from helpline.domain.subscribers.customers import normalize_msisdn
from helpline.domain.subscribers.errors import InvalidMsisdn
from helpline.domain.subscribers.gsm_text import USSD_LIMITS, paginate
from helpline.services import billing
from helpline.services.billing_results import BalanceView, RenewalResult
from helpline.services.context import ServiceContext
from helpline.services.selfservice import texts
from helpline.services.selfservice.texts import language_of, text
from helpline.store.channel_repository import ChannelRepository

RENEW_CODE = "*929#"
BALANCE_CODE = "*100#"
MENU_CODE = "*111#"
MORE = "00"
#: A session with more inputs than this is ended (a replay is O(inputs)).
MAX_INPUTS = 40


@dataclass(frozen=True)
class UssdRequest:
    """One gateway request: the session, the dialled code and every input so far."""

    session_id: str
    service_code: str
    msisdn: str
    network_code: str = ""
    inputs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UssdReply:
    """A screen; ``end`` closes the session (``END``), else it waits for input (``CON``)."""

    text: str
    end: bool


class SelfServiceBackend(Protocol):
    """What the menus read and do; :class:`StoreBackend` is the real one."""

    def balances(self, msisdn: str) -> BalanceView: ...
    def quote(self, msisdn: str) -> RenewalQuote | RenewalRefusal: ...
    def renew(self, msisdn: str, session_id: str, *, confirmed: bool) -> RenewalResult: ...
    def renewal_of_session(self, session_id: str, msisdn: str) -> RenewalResult | None: ...
    def count_lines(self, msisdn: str) -> int: ...
    def repeat_warned(self, session_id: str, msisdn: str) -> bool: ...
    def remember_confirmation(self, session_id: str, msisdn: str, repeat_warned: bool) -> None:
        ...


class StoreBackend:
    """The menus over the billing services and the ``ussd_sessions`` table."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def balances(self, msisdn: str) -> BalanceView:
        return billing.balances(self.ctx, msisdn)

    def quote(self, msisdn: str) -> RenewalQuote | RenewalRefusal:
        return billing.quote(self.ctx, msisdn, confirmed=True)

    def renew(self, msisdn: str, session_id: str, *, confirmed: bool) -> RenewalResult:
        return billing.renew(self.ctx, msisdn, channel="ussd", idempotency_key=session_id,
                             confirmed=confirmed)

    def renewal_of_session(self, session_id: str, msisdn: str) -> RenewalResult | None:
        with self.ctx.uow() as uow:
            stored = uow.billing.stored_request("ussd", session_id)
        if stored is None or stored.msisdn != msisdn or stored.operation != billing.RENEW:
            return None
        return RenewalResult.from_json(stored.result, replayed=True)

    def count_lines(self, msisdn: str) -> int:
        return billing.count_lines_on_same_document(self.ctx, msisdn)

    def repeat_warned(self, session_id: str, msisdn: str) -> bool:
        with self.ctx.uow() as uow:
            row = ChannelRepository(uow.session).ussd_session(session_id)
            return row is not None and row.msisdn == msisdn and row.repeat_warned

    def remember_confirmation(self, session_id: str, msisdn: str, repeat_warned: bool) -> None:
        with self.ctx.uow() as uow:
            ChannelRepository(uow.session).remember_confirmation(
                session_id, msisdn, repeat_warned, self.ctx.now())
            uow.commit()


@dataclass(frozen=True)
class Screen:
    """A menu or message: its full text, the next screen per option (built lazily)."""

    body: str
    language: str
    options: Mapping[str, Callable[[], Screen]] = field(default_factory=dict)
    end: bool = False
    #: Set on the renewal confirmation: whether it carries the repeat warning.
    repeat_warned: bool | None = None

    def pages(self, invalid: bool) -> list[str]:
        body = f"{text('invalid', self.language)}\n{self.body}" if invalid else self.body
        return paginate(body, more=text("more", self.language), limits=USSD_LIMITS)


def end_screen(body: str, language: str) -> Screen:
    return Screen(body, language, end=True)


class Menus:
    """The screens of one subscriber's session, in one language."""

    def __init__(self, backend: SelfServiceBackend, msisdn: str, session_id: str,
                 language: str) -> None:
        self.backend, self.msisdn, self.session_id = backend, msisdn, session_id
        self.language = language_of(language)
        self._view: BalanceView | None = None

    def view(self) -> BalanceView:
        """The line's balances, read once per request."""
        if self._view is None:
            self._view = self.backend.balances(self.msisdn)
        return self._view

    def end(self, key: str) -> Screen:
        return end_screen(text(key, self.language), self.language)

    def main(self) -> Screen:
        other = "ru" if self.language == "en" else "en"
        return Screen(texts.main_menu(self.language), self.language, {
            "1": self.balance, "2": self.confirm_renewal, "3": self.services,
            "4": self.lines_on_document,
            "9": Menus(self.backend, self.msisdn, self.session_id, other).main,
        })

    def balance(self) -> Screen:
        return end_screen(texts.balance(self.view(), self.language), self.language)

    def services(self) -> Screen:
        return end_screen(texts.services(self.view(), self.language), self.language)

    def lines_on_document(self) -> Screen:
        count = self.backend.count_lines(self.msisdn)
        return end_screen(texts.lines_on_document(count, self.language), self.language)

    def confirm_renewal(self) -> Screen:
        done = self.backend.renewal_of_session(self.session_id, self.msisdn)
        if done is not None:  # this session already answered: show its result again
            return end_screen(done.message(self.language), self.language)
        found = self.backend.quote(self.msisdn)
        if isinstance(found, RenewalRefusal):
            return end_screen(refusal_message(found.code, self.language), self.language)
        warning = (refusal_message(RefusalCode.CONFIRM_REPEAT, self.language)
                   if found.is_repeat else "")
        discount = self.view().discount_percent
        body = texts.confirmation(found, self.language, discount_percent=discount,
                                  repeat_warning=warning)
        return Screen(body, self.language, {"1": self.renew, "2": lambda: self.end("cancelled")},
                      repeat_warned=found.is_repeat)

    def renew(self) -> Screen:
        confirmed = self.backend.repeat_warned(self.session_id, self.msisdn)
        result = self.backend.renew(self.msisdn, self.session_id, confirmed=confirmed)
        return end_screen(result.message(self.language), self.language)


def split_service_code(service_code: str) -> tuple[str, list[str]]:
    """``"*929*1#"`` -> ``("*929#", ["1"])``; surrounding spaces are ignored."""
    code = service_code.strip().removesuffix("#").lstrip("*")
    base, *rest = code.split("*")
    return f"*{base}#", rest


def first_screen(menus: Menus, base_code: str) -> Screen:
    starts: dict[str, Callable[[], Screen]] = {
        RENEW_CODE: menus.confirm_renewal, BALANCE_CODE: menus.balance, MENU_CODE: menus.main}
    start = starts.get(base_code)
    return start() if start else menus.end("unknown_code")


def walk(first: Screen, inputs: list[str]) -> tuple[Screen, int, bool]:
    """Replay ``inputs`` from ``first``: the screen reached, its page, and whether the
    last input was invalid."""
    screen, page, invalid = first, 0, False
    for raw in inputs:
        pages = screen.pages(invalid)
        if screen.end and page >= len(pages) - 1:
            break
        choice = raw.strip()
        if choice == MORE and page < len(pages) - 1:
            page += 1
            continue
        step = screen.options.get(choice)
        if step is None:
            screen, page, invalid = screen, 0, True
            continue
        screen, page, invalid = step(), 0, False
    return screen, page, invalid


def run_ussd(backend: SelfServiceBackend, request: UssdRequest,
             language: str | None = None) -> UssdReply:
    """The reply to ``request``; never raises for anything a subscriber can type."""
    lang = language_of(language)
    base, dialled = split_service_code(request.service_code)
    inputs = [*dialled, *request.inputs]
    if len(inputs) > MAX_INPUTS:
        return UssdReply(text("too_long", lang), end=True)
    try:
        msisdn = normalize_msisdn(request.msisdn)
        menus = Menus(backend, msisdn, request.session_id, lang)
        menus.view()  # unknown numbers stop here
        screen, page, invalid = walk(first_screen(menus, base), inputs)
        pages = screen.pages(invalid)
        page = min(page, len(pages) - 1)
        if screen.repeat_warned is not None:
            backend.remember_confirmation(request.session_id, msisdn, screen.repeat_warned)
    except (NotFound, InvalidMsisdn):
        return UssdReply(text("unknown_number", lang), end=True)
    except HelplineError:
        return UssdReply(text("failed", lang), end=True)
    return UssdReply(pages[page], end=screen.end and page == len(pages) - 1)


def handle_ussd(ctx: ServiceContext, request: UssdRequest,
                language: str | None = None) -> UssdReply:
    """:func:`run_ussd` over the store (billing services and ``ussd_sessions``)."""
    return run_ussd(StoreBackend(ctx), request, language)
