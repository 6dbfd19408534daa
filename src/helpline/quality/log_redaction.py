"""Personal data never reaches the logs: every handler of the root logger and of
uvicorn's loggers masks card, passport and phone numbers in each record
(:class:`helpline.quality.transcripts.redaction.RedactingLogFilter`)."""

from __future__ import annotations

import logging

from helpline.quality.transcripts.redaction import RedactingLogFilter

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "helpline")


def install_log_redaction() -> int:
    """Attach one shared filter to every handler not filtered yet; returns how many."""
    shared = RedactingLogFilter()
    added = 0
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingLogFilter) for f in handler.filters):
                handler.addFilter(shared)
                added += 1
    return added
