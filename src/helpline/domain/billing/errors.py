"""Billing errors: subclasses of :class:`HelplineError` with stable ``error_id`` values."""

from __future__ import annotations

from typing import Any

from helpline.domain.errors import HelplineError


class BillingError(HelplineError):
    """Base of the billing errors."""

    error_id = "billing_error"
    http_status = 409


class InsufficientFunds(BillingError):
    """The money balance cannot pay for an operation; money never goes below zero."""

    error_id = "insufficient_funds"
    http_status = 409


class LineBlocked(BillingError):
    """The operation needs an active line."""

    error_id = "line_blocked"
    http_status = 409


class IdempotencyConflict(BillingError):
    """An idempotency key was reused for a different operation."""

    error_id = "idempotency_conflict"
    http_status = 409


class LedgerMismatch(BillingError):
    """The money balance differs from the sum of the ledger (a broken invariant)."""

    error_id = "ledger_mismatch"
    http_status = 500


class RenewalRefused(BillingError):
    """"Renew package" was refused; ``code`` is the stable refusal code."""

    error_id = "renewal_refused"
    http_status = 409

    def __init__(self, message: str, *, code: str, **details: Any) -> None:
        super().__init__(message, code=code, **details)
        self.code = code
