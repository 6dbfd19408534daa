"""USSD menus on SQLite and PostgreSQL: *929# renew, *100# balance, *111# main menu.

The line (see selfservice_helpers): SMART, 600.00 on Feb 10, 2026, 200 of 300 minutes,
100 SMS and 10240 MB left, next charge Feb 28. A renewal on Feb 10 charges 500.00,
moves the next charge to Mar 10 and carries 200 min, 100 SMS, 10240 MB over.
"""

from __future__ import annotations

from sqlalchemy import Engine

from helpline.domain.billing import RefusalCode, refusal_message
from helpline.domain.subscribers.customers import DocumentType
from helpline.domain.subscribers.gsm_text import USSD_LIMITS, fits
from helpline.services import billing, provisioning
from helpline.services.context import ServiceContext
from helpline.services.selfservice import UssdReply
from tests.conftest import ManualClock
from tests.integration.billing_helpers import (
    KEY,
    PASSPORT,
    SMART,
    add_customer,
    add_line,
    ledger_count,
    ledger_equals_money,
    money,
)
from tests.integration.selfservice_helpers import (
    MSISDN,
    OPENED,
    line_used_100_minutes,
    ussd,
    whole_text,
)

__all__ = ["ledger_equals_money"]
RENEWED = UssdReply("Пакет обновлён: списано 500.00 руб. Следующее списание 10.03.2026.",
                    end=True)


def test_929_confirms_then_charges_once_and_a_repeated_final_request_charges_nothing(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    assert ussd(ctx, "S1", "*929#") == UssdReply(
        "Обновить пакет за 500.00 руб.?\nСлед. списание: 10.03.2026\n00 Далее", end=False)
    assert ussd(ctx, "S1", "*929#", "00") == UssdReply(
        "Перейдут остатки: 200 мин, 100 SMS, 10240 МБ\n1 Да\n2 Нет", end=False)
    assert money(engine, MSISDN) == 60000  # the screens charge nothing

    assert ussd(ctx, "S1", "*929#", "00", "1") == RENEWED
    assert money(engine, MSISDN) == 10000
    charges = ledger_count(engine, MSISDN, "charge")
    assert charges == 2  # the opening night's fee and the renewal

    assert ussd(ctx, "S1", "*929#", "00", "1") == RENEWED  # the gateway repeats the request
    assert money(engine, MSISDN) == 10000
    assert ledger_count(engine, MSISDN, "charge") == charges


def test_929_in_english_and_no_cancels(ctx: ServiceContext, engine: Engine,
                                       clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    assert ussd(ctx, "S1", "*929#", lang="en") == UssdReply(
        "Renew package for 500.00 RUB?\nNext charge: 10.03.2026\n"
        "Carried over: 200 min, 100 SMS, 10240 MB\n1 Yes\n2 No", end=False)
    assert ussd(ctx, "S1", "*929#", "2", lang="en") == UssdReply(
        "Package not renewed. Thank you!", end=True)
    assert money(engine, MSISDN) == 60000


def test_repeat_within_10_minutes_warns_and_charges_only_on_confirmation(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    # 1,600.00 - 500.00 (opening fee) = 1,100.00: enough for two renewals
    line_used_100_minutes(ctx, clock, money_minor=160000)
    assert ussd(ctx, "S1", "*929#", "1") == RENEWED
    assert money(engine, MSISDN) == 60000
    clock.advance(5 * 60)

    warning = refusal_message(RefusalCode.CONFIRM_REPEAT, "ru")
    assert whole_text(ctx, "S2", "*929#") == (
        f"{warning}\nОбновить пакет за 500.00 руб.?\nСлед. списание: 10.03.2026\n"
        "Перейдут остатки: 300 мин, 100 SMS, 10240 МБ\n"
        "Сгорят прошлые переносы: 200 мин, 100 SMS, 10240 МБ\n1 Да\n2 Нет")
    assert ussd(ctx, "S2", "*929#", "2").text == "Пакет не обновлён. Спасибо!"
    assert money(engine, MSISDN) == 60000

    assert ussd(ctx, "S3", "*929#").text.startswith(warning)
    assert ussd(ctx, "S3", "*929#", "1") == RENEWED  # deliberate: charged again
    assert money(engine, MSISDN) == 10000


def test_confirmation_seen_before_another_renewal_is_refused_not_charged_twice(
        ctx: ServiceContext, engine: Engine, clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock, money_minor=160000)
    assert not ussd(ctx, "S1", "*929#").text.startswith("Пакет уже")  # no warning shown
    assert billing.renew(ctx, MSISDN, channel="sms", idempotency_key="m1").renewed
    clock.advance(60)
    # S1 answers "1" to a screen that did not warn: refused, not a second charge
    assert ussd(ctx, "S1", "*929#", "1") == UssdReply(
        refusal_message(RefusalCode.CONFIRM_REPEAT, "ru"), end=True)
    assert money(engine, MSISDN) == 60000


def test_refused_renewal_ends_with_the_domain_message(ctx: ServiceContext,
                                                     clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock, money_minor=60000)  # 100.00 left, fee 500.00
    assert ussd(ctx, "S1", "*929#") == UssdReply(
        "Недостаточно средств для обновления пакета. Пополните баланс.", end=True)


def test_100_shows_money_and_package_remainders(ctx: ServiceContext,
                                                clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    # 19 + 12 + 11 + 8 + 4 newlines = 54; with "Интернет: 10240 МБ" and "00 Далее" 82 > 80
    first = ussd(ctx, "S1", "*100#")
    assert first == UssdReply("Баланс: 600.00 руб.\nТариф: Smart\nМинуты: 200\nSMS: 100\n"
                              "00 Далее", end=False)
    assert ussd(ctx, "S1", "*100#", "00") == UssdReply(
        "Интернет: 10240 МБ\nСлед. списание: 28.02.2026", end=True)
    ussd(ctx, "S2", "*929#", "1")
    assert ussd(ctx, "S3", "*100#", lang="en") == UssdReply(
        "Balance: 100.00 RUB\nTariff: Smart\nMinutes: 500 (carried 200)\n"
        "SMS: 200 (carried 100)\nInternet: 20480 MB (carried 10240)\nNext charge: 10.03.2026",
        end=True)


def test_111_menu_services_and_numbers_on_the_passport(ctx: ServiceContext,
                                                       clock: ManualClock) -> None:
    clock.now = clock.now.replace(year=2026, month=1, day=31, hour=9)
    owner = add_customer(ctx)
    add_line(ctx, msisdn=MSISDN, opened_on=OPENED, money_minor=110000, customer_id=owner)
    provisioning.create_line(ctx, msisdn="79990000002", customer_id=owner,
                             tariff_code=SMART.code, services=["roaming", "caller_id"])
    # a second customer record on the same passport (seed 004: a dealer's registrations)
    other = provisioning.create_customer(ctx, full_name="Тестов И.",
                                         document_type=DocumentType.PASSPORT_RF,
                                         document_number=PASSPORT, document_key=KEY).id
    provisioning.create_line(ctx, msisdn="79990000003", customer_id=other,
                             tariff_code=SMART.code)

    assert ussd(ctx, "S1", "*111#") == UssdReply(
        "1 Баланс\n2 Обнови пакет\n3 Услуги на номере\n4 Номера на паспорте\n9 English",
        end=False)
    assert ussd(ctx, "S1", "*111#", "4") == UssdReply(
        "На ваш паспорт оформлено номеров: 3.\nНе ваш номер? Обратитесь в салон.", end=True)
    assert ussd(ctx, "S1", "*111#", "3") == UssdReply(
        "На номере нет подключённых услуг.", end=True)
    assert ussd(ctx, "S2", "*111#", "3", msisdn="79990000002") == UssdReply(
        "Услуги на номере:\ncaller_id\nroaming", end=True)
    assert ussd(ctx, "S1", "*111#", "1").text.startswith("Баланс: 600.00 руб.")
    assert ussd(ctx, "S1", "*111#", "2").text.startswith("Обновить пакет за 500.00 руб.?")
    assert ussd(ctx, "S1", "*111#", "9", "4", lang="ru") == UssdReply(
        "Numbers registered on your passport: 3.\n"
        "Not your number? Visit a shop with your passport.", end=True)


def test_invalid_input_and_unknown_numbers_never_crash(ctx: ServiceContext,
                                                       clock: ManualClock) -> None:
    line_used_100_minutes(ctx, clock)
    for junk in ("7", "", "1*2", "ё", "\x00", "9" * 500, "00"):
        reply = ussd(ctx, "S1", "*111#", junk, "junk")
        assert not reply.end and reply.text.startswith("Неверный ввод."), junk
        assert fits(reply.text, USSD_LIMITS)
    assert ussd(ctx, "S1", "*111#", msisdn="79001234567") == UssdReply(
        "Извините, ваш номер не обслуживается.", end=True)
    assert ussd(ctx, "S1", "*111#", msisdn="12") == UssdReply(
        "Извините, ваш номер не обслуживается.", end=True)
    assert ussd(ctx, "x" * 300, "*929#", "1").text == \
        "Сервис временно недоступен. Попробуйте позже."
