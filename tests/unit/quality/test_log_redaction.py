"""Log lines lose personal data once the redaction filter is installed."""

from __future__ import annotations

import io
import logging

from helpline.quality.log_redaction import install_log_redaction


def test_card_and_phone_numbers_are_masked_in_log_lines() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("helpline")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        assert install_log_redaction() >= 1
        assert install_log_redaction() == 0  # idempotent
        logger.info("paid with %s, call back on %s", "4111 1111 1111 1111", "+7 916 123-45-67")
        line = stream.getvalue()
        assert "4111" not in line and "916" not in line
        assert "[card]" in line and "[phone]" in line
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
