"""One exception tree for the domain; every error carries a stable ``error_id``."""

from __future__ import annotations

from typing import Any


class HelplineError(Exception):
    """Base of all Helpline errors. ``error_id`` is stable and returned by the API."""

    error_id = "helpline_error"
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details


class InvalidTransition(HelplineError):
    error_id = "invalid_transition"
    http_status = 409


class OfferExpired(InvalidTransition):
    error_id = "offer_expired"


class AlreadyHeld(InvalidTransition):
    """Hold asked for a contact that is already on hold."""

    error_id = "contact_already_held"


class NotHeld(InvalidTransition):
    """Resume asked for a contact that is not on hold."""

    error_id = "contact_not_held"


class NotFound(HelplineError):
    error_id = "not_found"
    http_status = 404


class PermissionDenied(HelplineError):
    error_id = "permission_denied"
    http_status = 403


class NotAuthenticated(HelplineError):
    error_id = "not_authenticated"
    http_status = 401


class CapacityExceeded(HelplineError):
    error_id = "capacity_exceeded"
    http_status = 409


class ValidationFailed(HelplineError):
    error_id = "validation_failed"
    http_status = 422


class Conflict(HelplineError):
    error_id = "conflict"
    http_status = 409


class NaiveDatetime(ValidationFailed):
    error_id = "naive_datetime"
