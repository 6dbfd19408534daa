"""Inbound SMS to short numbers, deduplicated by the gateway's message id.

* **9290** — ANY text (empty too) renews the package: ``billing.renew(channel="sms",
  idempotency_key=message_id, confirmed=False)``, so a second renewal within 10 minutes
  is refused with ``confirm_repeat`` (SMS cannot ask back);
* **100** — the balance and package remainders;
* any other number — a help text naming 9290 and 100.

The inbound SMS itself is free: nothing is rated or written to the ledger for it.
Every step is idempotent (inbox row by ``message_id``, the renewal by its key, the reply
by ``in_reply_to``), so a repeated or concurrent webhook for one message gets the same
reply, charges nothing and queues no second SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from helpline.domain.errors import Conflict, NotFound, ValidationFailed
from helpline.domain.subscribers.customers import normalize_msisdn
from helpline.services import billing
from helpline.services.context import ServiceContext
from helpline.services.selfservice import texts
from helpline.store.channel_repository import ChannelRepository

RENEW_NUMBER = "9290"
BALANCE_NUMBER = "100"
MAX_TEXT = 1600


@dataclass(frozen=True)
class InboundSms:
    message_id: str
    from_number: str
    to_number: str
    text: str = ""


@dataclass(frozen=True)
class OutboundSms:
    to_number: str
    from_number: str
    text: str
    in_reply_to: str | None = None


@dataclass(frozen=True)
class SmsReply:
    """What was answered: the outbox row and whether the message had been seen before."""

    message_id: str
    text: str
    outbox_id: int
    duplicate: bool
    #: The renewal's refusal code or ``"renewed"`` for SMS to 9290, else None.
    outcome: str | None = None


class SmsSender(Protocol):
    """The outbound SMS port; returns the id of the queued message."""

    def send(self, message: OutboundSms) -> int: ...


class StoreSmsSender:
    """Queues the SMS in ``sms_outbox`` (status ``pending``) for an SMPP adapter to send.

    One reply per ``in_reply_to``: sending it again returns the first row's id."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def send(self, message: OutboundSms) -> int:
        with self.ctx.uow() as uow:
            row = ChannelRepository(uow.session).queue_reply(
                to_number=message.to_number, from_number=message.from_number,
                text=message.text, in_reply_to=message.in_reply_to, now=self.ctx.now())
            row_id = row.id
            uow.commit()
        return row_id


def short_number(raw: str) -> str:
    """``" +9290 "`` -> ``"9290"``: digits only, 1..16 of them."""
    digits = raw.strip().removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or not 1 <= len(digits) <= 16:
        raise ValidationFailed("'to' must be a short number or a phone number", field="to")
    return digits


def check_inbound(sms: InboundSms) -> InboundSms:
    """Validated and normalised: message id, sender msisdn, short number, text size."""
    key = billing.check_idempotency_key(sms.message_id)
    try:
        sender = normalize_msisdn(sms.from_number)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="from") from error
    if len(sms.text) > MAX_TEXT:
        raise ValidationFailed(f"text: at most {MAX_TEXT} characters", field="text")
    return InboundSms(key, sender, short_number(sms.to_number), sms.text)


def _answer(ctx: ServiceContext, sms: InboundSms, language: str) -> tuple[str, str | None]:
    try:
        if sms.to_number == RENEW_NUMBER:
            result = billing.renew(ctx, sms.from_number, channel="sms",
                                   idempotency_key=sms.message_id, confirmed=False)
            return result.message(language), "renewed" if result.renewed else str(result.refusal)
        if sms.to_number == BALANCE_NUMBER:
            return texts.sms_balance(billing.balances(ctx, sms.from_number), language), None
    except NotFound:
        return texts.text("unknown_number", language), None
    return texts.text("sms_help", language), None


def handle_sms(ctx: ServiceContext, sms: InboundSms, sender: SmsSender,
               language: str | None = None) -> SmsReply:
    """Record, answer and reply to one inbound SMS (see the module docstring)."""
    sms, lang = check_inbound(sms), texts.language_of(language)
    with ctx.uow() as uow:
        repo = ChannelRepository(uow.session)
        row, inserted = repo.record_inbound(
            message_id=sms.message_id, from_number=sms.from_number, to_number=sms.to_number,
            text=sms.text, now=ctx.now())
        if (row.from_number, row.to_number) != (sms.from_number, sms.to_number):
            raise Conflict("message_id already used for another message",
                           message_id=sms.message_id)
        sent = None if inserted else repo.reply_to(sms.message_id)
        earlier = (sent.id, sent.text) if sent is not None else None
        uow.commit()
    if earlier is not None:
        return SmsReply(sms.message_id, earlier[1], earlier[0], duplicate=True)
    reply, outcome = _answer(ctx, sms, lang)
    outbox_id = sender.send(OutboundSms(sms.from_number, sms.to_number, reply, sms.message_id))
    with ctx.uow() as uow:
        ChannelRepository(uow.session).mark_handled(sms.message_id)
        uow.commit()
    return SmsReply(sms.message_id, reply, outbox_id, duplicate=not inserted, outcome=outcome)
