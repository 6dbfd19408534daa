"""Errors of the subscriber domain; each ``error_id`` is stable and returned by the API."""

from __future__ import annotations

from helpline.domain.errors import HelplineError, PermissionDenied, ValidationFailed


class InvalidMsisdn(ValidationFailed):
    """A phone number that is not a Russian (+7) or Belarusian (+375) number."""

    error_id = "invalid_msisdn"


class InvalidDocument(ValidationFailed):
    """An identity document number of the wrong shape (e.g. a passport without 10 digits)."""

    error_id = "invalid_document"


class NotGsm7(ValidationFailed):
    """Septets were asked for a text that needs UCS-2."""

    error_id = "not_gsm7"


class VerificationRequired(PermissionDenied):
    """The caller's verification level is below what the desk action needs (403)."""

    error_id = "verification_required"


class VerificationLocked(HelplineError):
    """Too many failed document checks or one-time codes in this conversation."""

    error_id = "verification_locked"
    http_status = 429
