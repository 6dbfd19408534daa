"""Encoding of real-time notifications for PostgreSQL ``NOTIFY``."""

from __future__ import annotations

import json
from typing import Any

#: The one LISTEN/NOTIFY channel every app server listens on.
CHANNEL = "helpline_events"
#: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; keep a margin.
MAX_PAYLOAD_BYTES = 7900


def encode(payload: dict[str, Any]) -> str:
    """JSON text of one notification that fits ``MAX_PAYLOAD_BYTES``.
    Too big: the envelope without ``body``/``data`` and ``truncated: true``; clients
    re-fetch the full message by its sequence number."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text.encode()) <= MAX_PAYLOAD_BYTES:
        return text
    slim = {k: v for k, v in payload.items() if k not in ("body", "data")}
    slim["truncated"] = True
    return json.dumps(slim, ensure_ascii=False, separators=(",", ":"), default=str)


def batches(texts: list[str]) -> list[str]:
    """Pack encoded payloads into JSON arrays that fit one NOTIFY each."""
    packed: list[str] = []
    current: list[str] = []
    size = 2
    for text in texts:
        length = len(text.encode()) + 1
        if current and size + length > MAX_PAYLOAD_BYTES:
            packed.append("[" + ",".join(current) + "]")
            current, size = [], 2
        current.append(text)
        size += length
    if current:
        packed.append("[" + ",".join(current) + "]")
    return packed
