"""What ``helpline qa ingest`` reads: a transcript (:mod:`helpline.quality.transcripts.model`)
and the facts about its contact that the transcript format does not carry.

One JSON object per file: the transcript format (``format``, ``channel``, ``language``,
``contact_id``, ``utterances``) plus, optionally::

    "recording":  "2026-03-02/0001.wav"   the contact's name when there is no contact_id
    "agent_id":   "anna"                  the operator (id or username, as the source has it)
    "queue":      "mobile"
    "started_at": "2026-03-02T10:15:00+03:00"   with its UTC offset

The contact is named by ``contact_id``, else ``recording``, else the file's name without
its extension. A missing ``started_at`` means "when it is ingested" (the caller says so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from helpline.quality.transcripts.errors import TranscriptError
from helpline.quality.transcripts.model import Transcript, transcript_from_dict

CONTACT_FIELDS = ("recording", "agent_id", "queue", "started_at")
MAX_REF = 200
MAX_ID = 64


@dataclass(frozen=True)
class ContactTranscript:
    contact_ref: str
    transcript: Transcript
    started_at: datetime | None = None
    agent_id: str | None = None
    queue_id: str | None = None


def _text(data: Mapping[str, object], key: str, most: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > most:
        raise TranscriptError(f"{key} must be a non-empty string of at most {most} "
                              "characters", field=key)
    return value.strip()


def contact_transcript_from_dict(data: object, *, fallback_ref: str | None = None
                                 ) -> ContactTranscript:
    if not isinstance(data, Mapping):
        raise TranscriptError("a transcript must be a JSON object")
    transcript = transcript_from_dict({k: v for k, v in data.items() if k not in CONTACT_FIELDS})
    started_at: datetime | None = None
    raw = data.get("started_at")
    if raw is not None:
        try:
            started_at = datetime.fromisoformat(str(raw))
        except ValueError as error:
            raise TranscriptError(f"started_at {raw!r} is not ISO 8601",
                                  field="started_at") from error
        if started_at.tzinfo is None:
            raise TranscriptError("started_at needs its UTC offset "
                                  "(e.g. 2026-03-02T10:15:00+03:00)", field="started_at")
    ref = transcript.contact_id or _text(data, "recording", MAX_REF) or fallback_ref
    if not ref:
        raise TranscriptError("name the contact: contact_id or recording", field="contact_id")
    if len(ref) > MAX_REF:
        raise TranscriptError(f"the contact's name is longer than {MAX_REF} characters",
                              field="contact_id")
    return ContactTranscript(ref, transcript, started_at, _text(data, "agent_id", MAX_ID),
                             _text(data, "queue", MAX_ID))


def read_contact_transcript(path: Path) -> ContactTranscript:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TranscriptError(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TranscriptError(f"{path} is not JSON: {error}") from error
    try:
        return contact_transcript_from_dict(data, fallback_ref=path.stem)
    except TranscriptError as error:
        raise TranscriptError(f"{path}: {error.message}", **error.details) from error
