"""Money in minor units (kopecks): plain ``int``, never ``float``.

Discounts are whole percents 0..100. The fee after a discount is rounded half up to
the kopeck: ``(fee_minor * (100 - percent) + 50) // 100`` — exact integer arithmetic.
"""

from __future__ import annotations

from helpline.domain.errors import ValidationFailed


def check_minor(value: object, name: str, *, allow_negative: bool = False) -> int:
    """Return ``value`` if it is an ``int`` amount (not bool/float); raise otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} must be an integer amount in minor units", field=name)
    if value < 0 and not allow_negative:
        raise ValidationFailed(f"{name} must not be negative", field=name, value=value)
    return value


def check_positive(value: object, name: str) -> int:
    """Return ``value`` if it is an ``int`` greater than zero."""
    amount = check_minor(value, name)
    if amount == 0:
        raise ValidationFailed(f"{name} must be greater than zero", field=name)
    return amount


def check_percent(value: object, name: str = "discount_percent") -> int:
    """Return ``value`` if it is a whole percent in 0..100."""
    percent = check_minor(value, name)
    if percent > 100:
        raise ValidationFailed(f"{name} must be between 0 and 100", field=name, value=value)
    return percent


def apply_discount(fee_minor: int, discount_percent: int) -> int:
    """Fee after a whole-percent discount, rounded half up to the kopeck.

    >>> apply_discount(1999, 15)   # 1699.15 -> 1699
    1699
    >>> apply_discount(1, 50)      # 0.5 -> 1 (half up)
    1
    """
    fee = check_minor(fee_minor, "fee_minor")
    percent = check_percent(discount_percent)
    return (fee * (100 - percent) + 50) // 100


def format_minor(amount_minor: int) -> str:
    """``12345`` -> ``"123.45"``; ``-5`` -> ``"-0.05"`` (for messages and screens)."""
    sign = "-" if amount_minor < 0 else ""
    whole, kopecks = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{kopecks:02d}"
