"""SMS to short numbers on SQLite and PostgreSQL: 9290 renews (any text, empty too), 100
answers the balance, others get help; dedupe by message_id; replies go to sms_outbox.

The line (see selfservice_helpers): 600.00 on Feb 10, 2026; a renewal charges 500.00.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from helpline.domain.billing import RefusalCode, refusal_message
from helpline.domain.errors import Conflict, ValidationFailed
from helpline.services.context import ServiceContext
from helpline.services.selfservice import InboundSms, StoreSmsSender, handle_sms
from helpline.store.channel_tables import SmsInboxRow, SmsOutboxRow
from tests.conftest import ManualClock
from tests.integration.billing_helpers import ledger_count, ledger_equals_money, money
from tests.integration.selfservice_helpers import MSISDN, count_rows, line_used_100_minutes

__all__ = ["ledger_equals_money"]
RENEWED = "Пакет обновлён: списано 500.00 руб. Следующее списание 10.03.2026."


def sms(ctx: ServiceContext, message_id: str, to: str = "9290", text: str = "",
        sender: str = "+7 999 000-00-01", lang: str = "ru") -> tuple[str, int, bool, str | None]:
    reply = handle_sms(ctx, InboundSms(message_id, sender, to, text), StoreSmsSender(ctx), lang)
    return reply.text, reply.outbox_id, reply.duplicate, reply.outcome


def test_empty_sms_to_9290_renews_for_free_and_queues_the_reply(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    entries = ledger_count(engine, MSISDN)

    text, outbox_id, duplicate, outcome = sms(ctx, "m1")

    assert (text, duplicate, outcome) == (RENEWED, False, "renewed")
    assert money(engine, MSISDN) == 10000
    assert ledger_count(engine, MSISDN) == entries + 1  # the fee; the SMS itself is free
    with ctx.uow() as uow:
        out = uow.session.scalars(select(SmsOutboxRow)).one()
        inbox = uow.session.scalars(select(SmsInboxRow)).one()
    assert (out.id, out.to_number, out.from_number, out.text, out.in_reply_to, out.status) == (
        outbox_id, MSISDN, "9290", RENEWED, "m1", "pending")
    assert (inbox.message_id, inbox.from_number, inbox.to_number, inbox.text,
            inbox.handled) == ("m1", MSISDN, "9290", "", True)


def test_a_repeated_message_id_replies_the_same_and_charges_nothing(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    first = sms(ctx, "m1", text="обнови")
    clock.advance(30)
    again = sms(ctx, "m1", text="обнови")
    assert again == (first[0], first[1], True, None)
    assert money(engine, MSISDN) == 10000
    assert count_rows(engine, "sms_outbox") == 1 and count_rows(engine, "sms_inbox") == 1


def test_a_second_sms_within_10_minutes_is_refused_with_confirm_repeat(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock, money_minor=160000)  # 1,100.00: two fees fit
    assert sms(ctx, "m1")[0] == RENEWED
    clock.advance(9 * 60 + 59)
    text, _, _, outcome = sms(ctx, "m2", text="ещё")
    assert text == refusal_message(RefusalCode.CONFIRM_REPEAT, "ru")
    assert outcome == "confirm_repeat"
    assert money(engine, MSISDN) == 60000
    clock.advance(1)  # 10 minutes after the first: a new renewal is not a repeat
    assert sms(ctx, "m3")[0] == RENEWED
    assert money(engine, MSISDN) == 10000


def test_100_answers_the_balance_and_other_numbers_get_help(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    assert sms(ctx, "b1", to="100")[0] == (
        "Баланс: 600.00 руб. Тариф: Smart Минуты: 200 SMS: 100 Интернет: 10240 МБ "
        "След. списание: 28.02.2026")
    assert sms(ctx, "h1", to="+5555", lang="en")[0] == (
        "Renew package: any SMS to 9290. Balance: SMS to 100 or *100#.")
    assert sms(ctx, "u1", sender="79001234567")[0] == "Извините, ваш номер не обслуживается."
    assert money(engine, MSISDN) == 60000
    assert count_rows(engine, "sms_outbox") == 3


def test_malformed_messages_are_refused(ctx: ServiceContext, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    for message_id, sender, to in (("", MSISDN, "9290"), ("m", "hello", "9290"),
                                   ("m", MSISDN, "92 90x"), ("m" * 121, MSISDN, "9290")):
        with pytest.raises(ValidationFailed):
            sms(ctx, message_id, to=to, sender=sender)
    sms(ctx, "m1", to="100")
    with pytest.raises(Conflict):  # the same message id from another number
        sms(ctx, "m1", to="100", sender="79990000002")
