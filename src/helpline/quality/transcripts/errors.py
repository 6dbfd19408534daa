"""Errors of the transcripts package; each has a stable ``error_id``."""

from __future__ import annotations

from helpline.domain.errors import HelplineError, ValidationFailed


class TranscriptError(ValidationFailed):
    """A transcript (or a hold list) that does not follow the format."""

    error_id = "transcript_invalid"


class RulesConfigError(ValidationFailed):
    """A rulebook file that does not follow the format."""

    error_id = "qa_rules_invalid"


class UnknownRole(ValidationFailed):
    """The operator role has no greeting in the rulebook."""

    error_id = "qa_unknown_role"


class RecognizerUnavailable(HelplineError):
    """The speech recogniser cannot run (library not installed, model folder missing)."""

    error_id = "recognizer_unavailable"
    http_status = 503
