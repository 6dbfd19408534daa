"""Pure billing: tariffs, line billing fields, balances, ledger, rating, charges, renewal.

No I/O, no framework: functions take the state and the time (timezone-aware
``now``, ``datetime.date`` days) and return new frozen values. Money is in minor
units (``int`` kopecks).
"""

from helpline.domain.billing.accounts import (
    Account,
    Posted,
    grant_bonus_money,
    grant_bonus_package,
    open_account,
    refund,
    top_up,
)
from helpline.domain.billing.balances import (
    Balances,
    BucketSource,
    Consumption,
    PackageBucket,
)
from helpline.domain.billing.charging import (
    ChargeOutcome,
    ChargeResult,
    daily_fee_minor,
    monthly_fee_minor,
    run_periodic_charge,
)
from helpline.domain.billing.errors import (
    BillingError,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerMismatch,
    LineBlocked,
    RenewalRefused,
)
from helpline.domain.billing.ledger import (
    EntryKind,
    Ledger,
    LedgerEntry,
    check_ledger_invariant,
)
from helpline.domain.billing.lines import (
    NON_PAYMENT,
    BillingMode,
    Line,
    LineStatus,
    block_line,
    lift_block,
)
from helpline.domain.billing.messages import refusal_error, refusal_message
from helpline.domain.billing.money import apply_discount, format_minor
from helpline.domain.billing.rating import Rated, rate_usage
from helpline.domain.billing.receipts import RenewalReceipt
from helpline.domain.billing.refusals import CHECK_ORDER, RefusalCode, RenewalRefusal
from helpline.domain.billing.renewal import (
    REPEAT_WINDOW,
    RenewalDone,
    RenewalOutcome,
    RenewalQuote,
    quote_renewal,
    renew_package,
)
from helpline.domain.billing.tariffs import Tariff, Unit

__all__ = [
    "CHECK_ORDER",
    "NON_PAYMENT",
    "REPEAT_WINDOW",
    "Account",
    "Balances",
    "BillingError",
    "BillingMode",
    "BucketSource",
    "ChargeOutcome",
    "ChargeResult",
    "Consumption",
    "EntryKind",
    "IdempotencyConflict",
    "InsufficientFunds",
    "Ledger",
    "LedgerEntry",
    "LedgerMismatch",
    "Line",
    "LineBlocked",
    "LineStatus",
    "PackageBucket",
    "Posted",
    "Rated",
    "RefusalCode",
    "RenewalDone",
    "RenewalOutcome",
    "RenewalQuote",
    "RenewalReceipt",
    "RenewalRefusal",
    "RenewalRefused",
    "Tariff",
    "Unit",
    "apply_discount",
    "block_line",
    "check_ledger_invariant",
    "daily_fee_minor",
    "format_minor",
    "grant_bonus_money",
    "grant_bonus_package",
    "lift_block",
    "monthly_fee_minor",
    "open_account",
    "quote_renewal",
    "rate_usage",
    "refund",
    "refusal_error",
    "refusal_message",
    "renew_package",
    "run_periodic_charge",
    "top_up",
]
