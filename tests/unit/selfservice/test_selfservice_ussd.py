"""USSD menus over a fake backend: screens, paging with 00, invalid input, repeat flag.

The fake line: 1500.00 money, Smart, 200 minutes (20 carried over), 100 SMS, 8192 MB,
next charge 22.12.2026; the quote: 500.00 fee, 180 minutes carry over.
"""

from __future__ import annotations

from helpline.domain.billing import RefusalCode, RenewalRefusal, Unit
from helpline.domain.subscribers.gsm_text import USSD_LIMITS, fits
from helpline.services.selfservice.ussd import (
    UssdReply,
    UssdRequest,
    run_ussd,
    split_service_code,
)

from .fakes import MSISDN, FakeBackend, quote, view


def ask(backend: FakeBackend, code: str, *inputs: str, lang: str | None = "ru",
        session: str = "s1", msisdn: str = MSISDN) -> UssdReply:
    reply = run_ussd(backend, UssdRequest(session, code, msisdn, "25001", list(inputs)), lang)
    assert fits(reply.text, USSD_LIMITS), reply.text
    return reply


def test_split_service_code_takes_inputs_dialled_in_one_go() -> None:
    assert split_service_code("*929#") == ("*929#", [])
    assert split_service_code(" *111*4# ") == ("*111#", ["4"])
    assert split_service_code("*111*1*00#") == ("*111#", ["1", "00"])


def test_renew_confirmation_in_english_fits_one_gsm_screen() -> None:
    reply = ask(FakeBackend(), "*929#", lang="en")
    assert reply == UssdReply("Renew package for 500.00 RUB?\nNext charge: 22.12.2026\n"
                              "Carried over: 180 min\n1 Yes\n2 No", end=False)


def test_russian_confirmation_pages_with_00_and_options_work_on_every_page() -> None:
    backend = FakeBackend()
    first = ask(backend, "*929#")
    # 30 + 1 + 26 + 1 + 8 = 66 UCS-2 units; the carry-over line (25) would make 92
    assert first == UssdReply("Обновить пакет за 500.00 руб.?\nСлед. списание: 22.12.2026\n"
                              "00 Далее", end=False)
    assert ask(backend, "*929#", "00") == UssdReply(
        "Перейдут остатки: 180 мин\n1 Да\n2 Нет", end=False)
    done = ask(backend, "*929#", "1")  # "1" on the first page
    assert done == UssdReply("Пакет обновлён: списано 500.00 руб. Следующее списание "
                             "22.12.2026.", end=True)
    assert backend.renewals == [("s1", False)]


def test_no_ends_without_renewing() -> None:
    backend = FakeBackend()
    assert ask(backend, "*929#", "00", "2") == UssdReply("Пакет не обновлён. Спасибо!", True)
    assert backend.renewals == []


def test_repeat_warning_is_shown_remembered_and_makes_1_a_confirmation() -> None:
    backend = FakeBackend(quoted=quote(is_repeat=True, carried={}))
    first = ask(backend, "*929#", lang="en")
    assert first.text.startswith("Package renewed less than 10 minutes ago. A repeat charges "
                                 "the fee again.\nRenew package for 500.00 RUB?")
    assert "Nothing to carry over." in first.text
    assert backend.sessions == {"s1": True}
    ask(backend, "*929#", "1", lang="en")
    assert backend.renewals == [("s1", True)]


def test_1_without_a_shown_warning_is_not_a_confirmation() -> None:
    # dialled *929*1# in one go: no confirmation screen was shown in this session
    backend = FakeBackend(quoted=quote(is_repeat=True))
    ask(backend, "*929*1#")
    assert backend.renewals == [("s1", False)] and backend.sessions == {}


def test_refused_quote_ends_with_the_domain_message() -> None:
    backend = FakeBackend(quoted=RenewalRefusal(RefusalCode.DAILY_BILLING))
    assert ask(backend, "*929#") == UssdReply(
        "Пакет не обновлён: номер на посуточной оплате.", end=True)


def test_discount_and_expiring_carry_over_are_on_the_confirmation() -> None:
    backend = FakeBackend(balance=view(discount_percent=15),
                          quoted=quote(fee_minor=42500, expired={Unit.SMS: 7}))
    assert ask(backend, "*929#", lang="en").text == (
        "Renew package for 425.00 RUB? Discount 15%.\nNext charge: 22.12.2026\n"
        "Carried over: 180 min\nEarlier carry-over expires: 7 SMS\n1 Yes\n2 No")


def test_balance_in_two_pages_and_end_on_the_last() -> None:
    backend = FakeBackend()
    first = ask(backend, "*100#")
    assert first == UssdReply("Баланс: 1500.00 руб.\nТариф: Smart\nМинуты: 200 (перенос 20)"
                              "\nSMS: 100\n00 Далее", end=False)
    assert ask(backend, "*100#", "00") == UssdReply(
        "Интернет: 8192 МБ\nСлед. списание: 22.12.2026", end=True)


def test_main_menu_items_and_language_switch() -> None:
    backend = FakeBackend(balance=view(services=("roaming", "caller_id")), lines=10)
    assert ask(backend, "*111#").text == ("1 Баланс\n2 Обнови пакет\n3 Услуги на номере\n"
                                          "4 Номера на паспорте\n9 English")
    assert ask(backend, "*111#", "3") == UssdReply("Услуги на номере:\nroaming\ncaller_id",
                                                   end=True)
    assert ask(backend, "*111#", "4") == UssdReply(
        "На ваш паспорт оформлено номеров: 10.\nНе ваш номер? Обратитесь в салон.", end=True)
    assert ask(backend, "*111#", "9").text == (
        "1 Balance\n2 Renew package\n3 Services on my line\n4 Numbers on my passport\n"
        "9 Russian")
    assert ask(backend, "*111#", "9", "1").text.startswith("Balance: 1500.00 RUB\n")
    assert ask(backend, "*111#", "2", lang="en").text.startswith("Renew package for 500.00")


def test_invalid_input_shows_an_error_and_the_same_menu_then_goes_on() -> None:
    backend = FakeBackend()
    wrong = ask(backend, "*111#", "7", lang="en")
    assert wrong == UssdReply("Invalid choice.\n1 Balance\n2 Renew package\n3 Services on my "
                              "line\n4 Numbers on my passport\n9 Russian", end=False)
    assert ask(backend, "*111#", "7", "abc", "", "1", lang="en").text.startswith("Balance:")
    # 00 on a screen without a next page is invalid too
    assert ask(backend, "*929#", "00", "00").text.startswith("Неверный ввод.")


def test_inputs_after_end_are_ignored_and_do_not_renew_twice() -> None:
    backend = FakeBackend()
    assert ask(backend, "*929#", "1", "1", "2").end
    assert backend.renewals == [("s1", False)]


def test_unknown_numbers_codes_and_junk_end_politely() -> None:
    assert ask(FakeBackend(balance=None), "*111#") == UssdReply(
        "Извините, ваш номер не обслуживается.", end=True)
    assert ask(FakeBackend(), "*111#", msisdn="not a number").end
    assert ask(FakeBackend(), "*555#") == UssdReply("Неизвестная команда. Меню: *111#", True)
    assert ask(FakeBackend(), "", lang="xx").text == "Неизвестная команда. Меню: *111#"
    assert ask(FakeBackend(), "*111#", *["1"] * 41).text.startswith("Слишком длинная")


def test_a_repeated_final_request_shows_the_sessions_result_without_renewing_again() -> None:
    backend = FakeBackend()
    first = ask(backend, "*929#", "1")
    backend.quoted = RenewalRefusal(RefusalCode.INSUFFICIENT_FUNDS)  # money went down
    assert ask(backend, "*929#", "1") == first
    assert ask(backend, "*929#") == first  # the session is done
    assert backend.renewals == [("s1", False)]
