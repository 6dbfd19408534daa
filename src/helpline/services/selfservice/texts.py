"""Self-service screen and SMS texts in Russian, English and Ukrainian (pure).

English stays inside the GSM 7-bit alphabet (plain ASCII: ``-`` not ``–``) so an English
screen gets the full 182 septets; Russian and Ukrainian are UCS-2 (80 units a screen).
Every function returns the full text; :mod:`.ussd` splits it into screens.
"""

from __future__ import annotations

from datetime import date

from helpline.domain.billing import BucketSource, RenewalQuote, Unit, format_minor
from helpline.domain.billing.messages import normalize_language
from helpline.services.billing_results import BalanceView

LANGUAGES = ("ru", "en", "uk")

_T: dict[str, dict[str, str]] = {
    "ru": {
        "currency": "руб.", "minutes": "мин", "sms": "SMS", "mb": "МБ",
        "more": "00 Далее", "invalid": "Неверный ввод.",
        "menu": "1 Баланс\n2 Обнови пакет\n3 Услуги на номере\n4 Номера на паспорте",
        "switch": "9 English",
        "confirm_fee": "Обновить пакет за {fee} {cur}?",
        "discount": " Скидка {pct}%.",
        "confirm_next": "След. списание: {next}",
        "carry": "Перейдут остатки: {units}",
        "carry_none": "Остатков для переноса нет.",
        "expire": "Сгорят прошлые переносы: {units}",
        "yes_no": "1 Да\n2 Нет",
        "cancelled": "Пакет не обновлён. Спасибо!",
        "balance": "Баланс: {money} {cur}",
        "tariff": "Тариф: {name}",
        "line_minutes": "Минуты: {n}", "line_sms": "SMS: {n}", "line_mb": "Интернет: {n} МБ",
        "carried_part": " (перенос {n})",
        "next_charge": "След. списание: {next}",
        "blocked": "Номер заблокирован.", "daily": "Посуточная оплата.",
        "services": "Услуги на номере:", "no_services": "На номере нет подключённых услуг.",
        "lines_count": "На ваш паспорт оформлено номеров: {n}.",
        "lines_hint": "Не ваш номер? Обратитесь в салон.",
        "unknown_code": "Неизвестная команда. Меню: *111#",
        "unknown_number": "Извините, ваш номер не обслуживается.",
        "failed": "Сервис временно недоступен. Попробуйте позже.",
        "too_long": "Слишком длинная сессия. Наберите команду заново.",
        "sms_help": "Обнови пакет: любое SMS на 9290. Баланс: SMS на 100 или *100#.",
    },
    "en": {
        "currency": "RUB", "minutes": "min", "sms": "SMS", "mb": "MB",
        "more": "00 More", "invalid": "Invalid choice.",
        "menu": "1 Balance\n2 Renew package\n3 Services on my line\n4 Numbers on my passport",
        "switch": "9 Russian",
        "confirm_fee": "Renew package for {fee} {cur}?",
        "discount": " Discount {pct}%.",
        "confirm_next": "Next charge: {next}",
        "carry": "Carried over: {units}",
        "carry_none": "Nothing to carry over.",
        "expire": "Earlier carry-over expires: {units}",
        "yes_no": "1 Yes\n2 No",
        "cancelled": "Package not renewed. Thank you!",
        "balance": "Balance: {money} {cur}",
        "tariff": "Tariff: {name}",
        "line_minutes": "Minutes: {n}", "line_sms": "SMS: {n}", "line_mb": "Internet: {n} MB",
        "carried_part": " (carried {n})",
        "next_charge": "Next charge: {next}",
        "blocked": "The line is blocked.", "daily": "Daily billing.",
        "services": "Services on your line:", "no_services": "No services on your line.",
        "lines_count": "Numbers registered on your passport: {n}.",
        "lines_hint": "Not your number? Visit a shop with your passport.",
        "unknown_code": "Unknown command. Menu: *111#",
        "unknown_number": "Sorry, this service is not available for your number.",
        "failed": "Service unavailable. Please try later.",
        "too_long": "Session too long. Please dial again.",
        "sms_help": "Renew package: any SMS to 9290. Balance: SMS to 100 or *100#.",
    },
    "uk": {
        "currency": "руб.", "minutes": "хв", "sms": "SMS", "mb": "МБ",
        "more": "00 Далі", "invalid": "Невірний вибір.",
        "menu": "1 Баланс\n2 Онови пакет\n3 Послуги на номері\n4 Номери на паспорті",
        "switch": "9 English",
        "confirm_fee": "Оновити пакет за {fee} {cur}?",
        "discount": " Знижка {pct}%.",
        "confirm_next": "Наст. списання: {next}",
        "carry": "Перейдуть залишки: {units}",
        "carry_none": "Залишків для перенесення немає.",
        "expire": "Згорять минулі перенесення: {units}",
        "yes_no": "1 Так\n2 Ні",
        "cancelled": "Пакет не оновлено. Дякуємо!",
        "balance": "Баланс: {money} {cur}",
        "tariff": "Тариф: {name}",
        "line_minutes": "Хвилини: {n}", "line_sms": "SMS: {n}", "line_mb": "Інтернет: {n} МБ",
        "carried_part": " (перенесено {n})",
        "next_charge": "Наст. списання: {next}",
        "blocked": "Номер заблоковано.", "daily": "Щоденна оплата.",
        "services": "Послуги на номері:", "no_services": "На номері немає послуг.",
        "lines_count": "На ваш паспорт оформлено номерів: {n}.",
        "lines_hint": "Не ваш номер? Зверніться до салону.",
        "unknown_code": "Невідома команда. Меню: *111#",
        "unknown_number": "Вибачте, ваш номер не обслуговується.",
        "failed": "Сервіс тимчасово недоступний. Спробуйте пізніше.",
        "too_long": "Задовга сесія. Наберіть команду знову.",
        "sms_help": "Онови пакет: будь-яке SMS на 9290. Баланс: SMS на 100 або *100#.",
    },
}


def language_of(language: str | None) -> str:
    """``ru`` / ``en`` / ``uk``; anything else is Russian (the subscribers' default)."""
    return normalize_language(language)


def text(key: str, language: str, **values: object) -> str:
    return _T[language_of(language)][key].format(**values)


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _units(amounts: dict[Unit, int], language: str) -> str:
    return ", ".join(f"{amounts[unit]} {text(unit.value, language)}"
                     for unit in Unit if amounts.get(unit))


def main_menu(language: str) -> str:
    return f"{text('menu', language)}\n{text('switch', language)}"


def confirmation(quote: RenewalQuote, language: str, *, discount_percent: int = 0,
                 repeat_warning: str = "") -> str:
    """The ``*929#`` confirmation: fee after discount, next charge, what carries over."""
    fee = text("confirm_fee", language, fee=format_minor(quote.fee_minor),
               cur=text("currency", language))
    if discount_percent:
        fee += text("discount", language, pct=discount_percent)
    parts = [repeat_warning] if repeat_warning else []
    parts += [fee, text("confirm_next", language, next=_day(quote.next_charge_date))]
    carried = _units(quote.carried_over, language)
    parts.append(text("carry", language, units=carried) if carried
                 else text("carry_none", language))
    expiring = _units(quote.expired_carried_over, language)
    if expiring:
        parts.append(text("expire", language, units=expiring))
    parts.append(text("yes_no", language))
    return "\n".join(parts)


def _remainder_lines(view: BalanceView, language: str) -> list[str]:
    lines = []
    for unit, key in ((Unit.MINUTES, "line_minutes"), (Unit.SMS, "line_sms"),
                      (Unit.MB, "line_mb")):
        line = text(key, language, n=view.remaining(unit))
        carried = sum(p.amount for p in view.packages
                      if p.unit is unit and p.source is BucketSource.CARRIED_OVER)
        if carried:
            line += text("carried_part", language, n=carried)
        lines.append(line)
    return lines


def balance(view: BalanceView, language: str) -> str:
    """``*100#``: money, tariff, package remainders, next charge, block or daily mode."""
    lines = [text("balance", language, money=format_minor(view.money_minor),
                  cur=text("currency", language)),
             text("tariff", language, name=view.tariff_name),
             *_remainder_lines(view, language),
             text("next_charge", language, next=_day(view.next_charge_date))]
    if view.status != "active":
        lines.append(text("blocked", language))
    elif view.billing_mode == "daily":
        lines.append(text("daily", language))
    return "\n".join(lines)


def services(view: BalanceView, language: str) -> str:
    if not view.services:
        return text("no_services", language)
    return "\n".join([text("services", language), *view.services])


def lines_on_document(count: int, language: str) -> str:
    return f"{text('lines_count', language, n=count)}\n{text('lines_hint', language)}"


def sms_balance(view: BalanceView, language: str) -> str:
    """The balance as one SMS (a long SMS is sent in parts by the SMSC)."""
    return " ".join(balance(view, language).split("\n"))
