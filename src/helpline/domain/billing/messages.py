"""Short customer texts for the refusal codes, in Russian, English and Ukrainian.

Every text fits one Cyrillic USSD screen (80 UCS-2 characters) after the gateway's
``END `` prefix.
"""

from __future__ import annotations

from helpline.domain.billing.errors import RenewalRefused
from helpline.domain.billing.refusals import RefusalCode, RenewalRefusal

LANGUAGES = ("ru", "en", "uk")
DEFAULT_LANGUAGE = "ru"

REFUSAL_MESSAGES: dict[RefusalCode, dict[str, str]] = {
    RefusalCode.LINE_BLOCKED: {
        "ru": "Пакет не обновлён: номер заблокирован.",
        "en": "Package not renewed: the line is blocked.",
        "uk": "Пакет не оновлено: номер заблоковано.",
    },
    RefusalCode.SERVICE_UNAVAILABLE_ON_TARIFF: {
        "ru": "Услуга «Обнови пакет» недоступна на вашем тарифе.",
        "en": "Renew package is not available on your tariff.",
        "uk": "Послуга «Онови пакет» недоступна на вашому тарифі.",
    },
    RefusalCode.DAILY_BILLING: {
        "ru": "Пакет не обновлён: номер на посуточной оплате.",
        "en": "Package not renewed: the line is on daily billing.",
        "uk": "Пакет не оновлено: номер на щоденній оплаті.",
    },
    RefusalCode.UNPAID_PERIOD: {
        "ru": "Пакет не обновлён: период не оплачен. Повторите после ночного списания.",
        "en": "Package not renewed: the period is unpaid. Try after the nightly charge.",
        "uk": "Пакет не оновлено: період не оплачено. Спробуйте після нічного списання.",
    },
    RefusalCode.ZERO_FEE: {
        "ru": "Пакет не обновлён: ежемесячная плата равна нулю (скидка 100%).",
        "en": "Package not renewed: your monthly fee is zero (100% discount).",
        "uk": "Пакет не оновлено: щомісячна плата дорівнює нулю (знижка 100%).",
    },
    RefusalCode.CONFIRM_REPEAT: {
        "ru": "Пакет уже обновлён менее 10 минут назад. Повтор спишет плату снова.",
        "en": "Package renewed less than 10 minutes ago. A repeat charges the fee again.",
        "uk": "Пакет вже оновлено менше 10 хвилин тому. Повтор спише плату знову.",
    },
    RefusalCode.INSUFFICIENT_FUNDS: {
        "ru": "Недостаточно средств для обновления пакета. Пополните баланс.",
        "en": "Not enough money to renew the package. Please top up.",
        "uk": "Недостатньо коштів для оновлення пакета. Поповніть рахунок.",
    },
}


def normalize_language(language: str | None) -> str:
    """``"uk-UA"`` -> ``"uk"``; unknown or empty -> :data:`DEFAULT_LANGUAGE`."""
    tag = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return tag if tag in LANGUAGES else DEFAULT_LANGUAGE


def refusal_message(code: RefusalCode, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The customer text for ``code`` in ``language`` (Russian when unknown)."""
    return REFUSAL_MESSAGES[code][normalize_language(language)]


def refusal_error(refusal: RenewalRefusal, language: str | None = "en") -> RenewalRefused:
    """The exception an HTTP edge raises for ``refusal`` (stable ``code`` in details)."""
    details: dict[str, object] = {}
    if refusal.fee_minor is not None:
        details["fee_minor"] = refusal.fee_minor
    if refusal.money_minor is not None:
        details["money_minor"] = refusal.money_minor
    return RenewalRefused(refusal_message(refusal.code, language), code=refusal.code.value,
                          **details)
