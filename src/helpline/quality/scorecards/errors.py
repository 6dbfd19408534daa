"""Errors of the scorecards package; each has a stable ``error_id`` (see domain.errors)."""

from __future__ import annotations

from helpline.domain.errors import Conflict, NotFound, ValidationFailed


class TemplateInvalid(ValidationFailed):
    """A checklist template that does not follow the format."""

    error_id = "qa_template_invalid"


class TemplateNotFound(NotFound):
    """No template of that name (and version) is shipped or stored."""

    error_id = "qa_template_not_found"


class TemplateChanged(Conflict):
    """A template's body changed but its version did not: a changed template must be a
    new version, so that stored scorecards keep the checklist they were scored with."""

    error_id = "qa_template_changed"


class UnknownItem(NotFound):
    """The template has no item with that id."""

    error_id = "qa_unknown_item"


class OverrideInvalid(ValidationFailed):
    """An override without a comment, with a value outside passed/failed/not_applicable."""

    error_id = "qa_override_invalid"


class FindingInvalid(ValidationFailed):
    """A finding given to the auto-fill without a rule id or a boolean ``passed``."""

    error_id = "qa_finding_invalid"


class BadMonth(ValidationFailed):
    """A month that is not ``YYYY-MM``."""

    error_id = "qa_bad_month"


class SamplingInvalid(ValidationFailed):
    """A sampling plan with impossible numbers."""

    error_id = "qa_sampling_invalid"


class ScorecardNotFound(NotFound):
    """The contact has no scorecard (of that template) yet: score it first."""

    error_id = "qa_scorecard_not_found"


class ContactNotFound(NotFound):
    """Neither an analysis nor a transcript is stored under that contact."""

    error_id = "qa_contact_not_found"
