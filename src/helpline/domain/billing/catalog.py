"""Demo tariffs: those seed 002 lists for "renew package" (made-up fees) and a few without it.

Fees and rates are invented for demos and tests; daily fee = monthly fee / 30 rounded up.
"""

from __future__ import annotations

from helpline.domain.billing.tariffs import Tariff

# code, name, monthly fee (kopecks), minutes, sms, mb
_WITH_RENEWAL: tuple[tuple[str, str, int, int, int, int], ...] = (
    ("smart", "Smart", 55000, 500, 500, 15360),
    ("smart_mini", "Smart mini", 35000, 300, 300, 5120),
    ("maxi_smart", "MAXI Smart", 85000, 1000, 1000, 30720),
    ("maxi_top", "MAXI TOP", 120000, 2000, 2000, 51200),
    ("smart_light", "Smart light", 30000, 200, 200, 3072),
    ("smart_nonstop", "Smart Nonstop", 70000, 800, 800, 25600),
    ("smart_top", "Smart TOP", 150000, 3000, 3000, 61440),
    ("smart_plus", "Smart+", 60000, 600, 600, 20480),
    ("smart_bezlimitishche", "Smart Безлимитище", 65000, 500, 500, 102400),
    ("smile_plus", "Smile+", 40000, 400, 400, 10240),
    ("ultra", "Ultra", 290000, 5000, 5000, 102400),
    ("vip", "VIP", 250000, 4000, 4000, 81920),
    ("x", "X", 50000, 0, 0, 40960),
    ("nash_smart", "Наш Smart", 45000, 400, 400, 12288),
)

_WITHOUT_RENEWAL: tuple[tuple[str, str, int, int, int, int], ...] = (
    ("basic", "Базовый", 0, 0, 0, 0),
    ("super_daily", "Посуточный", 30000, 300, 300, 9000),
    ("home_internet", "Домашний интернет", 50000, 0, 0, 512000),
)


def _tariff(row: tuple[str, str, int, int, int, int], renew: bool) -> Tariff:
    code, name, fee, minutes, sms, mb = row
    return Tariff(
        code=code, name=name, monthly_fee_minor=fee, daily_fee_minor=-(-fee // 30),
        included_minutes=minutes, included_sms=sms, included_mb=mb,
        minute_rate_minor=250, sms_rate_minor=200, mb_rate_minor=100,
        renew_package_available=renew,
    )


def demo_tariffs() -> tuple[Tariff, ...]:
    """Seed 002's tariffs with "renew package", then a few without it."""
    return (
        *(_tariff(row, True) for row in _WITH_RENEWAL),
        *(_tariff(row, False) for row in _WITHOUT_RENEWAL),
    )
