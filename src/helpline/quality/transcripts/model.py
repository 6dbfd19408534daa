"""One transcript format for calls and chats.

A transcript is a list of utterances, each with a speaker (``agent`` or ``customer``), a
start and an end in seconds and the text. For a call the times are seconds from the start
of the recording; for a chat they are seconds from the first message and a message has no
duration (``end == start``).

The JSON form (``FORMAT``)::

    {"format": "helpline.transcript/1", "channel": "call", "language": "ru",
     "contact_id": "c-1",
     "utterances": [{"speaker": "agent", "start": 0.0, "end": 2.4,
                     "text": "Здравствуйте. Меня зовут Анна."}]}

``channel``, ``language`` and ``contact_id`` are optional (``call``, ``ru``, none).
Every validation error names the field that is wrong (``utterances[3].end``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from helpline.quality.transcripts.errors import TranscriptError

FORMAT = "helpline.transcript/1"
CHANNELS = ("call", "chat")


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class Utterance:
    speaker: Speaker
    start: float
    end: float
    text: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise TranscriptError("utterance times must be finite numbers")
        if self.start < 0:
            raise TranscriptError(f"utterance start {self.start} is negative")
        if self.end < self.start:
            raise TranscriptError(f"utterance end {self.end} is before its start {self.start}")

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker.value, "start": self.start, "end": self.end,
                "text": self.text}


@dataclass(frozen=True)
class Transcript:
    """Utterances ordered by start time (ties keep their given order)."""

    utterances: tuple[Utterance, ...]
    channel: str = "call"
    language: str = "ru"
    contact_id: str | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise TranscriptError(f"channel must be one of {', '.join(CHANNELS)}, "
                                  f"not {self.channel!r}", field="channel")
        for i in range(1, len(self.utterances)):
            if self.utterances[i].start < self.utterances[i - 1].start:
                raise TranscriptError("utterances must be ordered by start time "
                                      f"(utterances[{i}] starts before utterances[{i - 1}])",
                                      field=f"utterances[{i}].start")

    @classmethod
    def of(cls, utterances: Iterable[Utterance], *, channel: str = "call",
           language: str = "ru", contact_id: str | None = None) -> Transcript:
        """Build a transcript, ordering the utterances by start time (stable)."""
        ordered = sorted(utterances, key=lambda u: u.start)
        return cls(tuple(ordered), channel=channel, language=language, contact_id=contact_id)

    @property
    def duration_seconds(self) -> float:
        return max((u.end for u in self.utterances), default=0.0)

    def by(self, speaker: Speaker) -> tuple[Utterance, ...]:
        return tuple(u for u in self.utterances if u.speaker is speaker)

    def with_texts(self, texts: Sequence[str]) -> Transcript:
        """The same transcript with each utterance's text replaced (e.g. redacted)."""
        if len(texts) != len(self.utterances):
            raise TranscriptError("one text per utterance is needed")
        return Transcript(tuple(Utterance(u.speaker, u.start, u.end, t)
                                for u, t in zip(self.utterances, texts, strict=True)),
                          channel=self.channel, language=self.language,
                          contact_id=self.contact_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "channel": self.channel,
                                "language": self.language}
        if self.contact_id is not None:
            data["contact_id"] = self.contact_id
        data["utterances"] = [u.to_dict() for u in self.utterances]
        return data


# -- JSON ---------------------------------------------------------------------------------
def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TranscriptError(f"{where} must be a number of seconds, not {value!r}", field=where)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise TranscriptError(f"{where} must be a finite number >= 0, not {value!r}",
                              field=where)
    return number


def _utterance_from(item: object, index: int) -> Utterance:
    where = f"utterances[{index}]"
    if not isinstance(item, Mapping):
        raise TranscriptError(f"{where} must be an object", field=where)
    unknown = sorted(set(item) - {"speaker", "start", "end", "text"})
    if unknown:
        raise TranscriptError(f"{where} has unknown field(s): {', '.join(map(str, unknown))}",
                              field=where)
    for key in ("speaker", "start", "end", "text"):
        if key not in item:
            raise TranscriptError(f"{where}.{key} is missing", field=f"{where}.{key}")
    speaker = item["speaker"]
    if speaker not in {s.value for s in Speaker}:
        raise TranscriptError(f"{where}.speaker must be 'agent' or 'customer', not {speaker!r}",
                              field=f"{where}.speaker")
    start = _number(item["start"], f"{where}.start")
    end = _number(item["end"], f"{where}.end")
    if end < start:
        raise TranscriptError(f"{where}.end ({end}) is before its start ({start})",
                              field=f"{where}.end")
    text = item["text"]
    if not isinstance(text, str):
        raise TranscriptError(f"{where}.text must be a string", field=f"{where}.text")
    return Utterance(Speaker(speaker), start, end, text)


def transcript_from_dict(data: object) -> Transcript:
    """Validate a decoded JSON document and build the transcript."""
    if not isinstance(data, Mapping):
        raise TranscriptError("a transcript must be a JSON object")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise TranscriptError(f"unknown transcript format {fmt!r} (expected {FORMAT!r})",
                              field="format")
    unknown = sorted(set(data) - {"format", "channel", "language", "contact_id", "utterances"})
    if unknown:
        raise TranscriptError(f"unknown field(s): {', '.join(map(str, unknown))}")
    items = data.get("utterances")
    if not isinstance(items, list):
        raise TranscriptError("utterances must be a list", field="utterances")
    channel = data.get("channel", "call")
    language = data.get("language", "ru")
    contact_id = data.get("contact_id")
    if not isinstance(channel, str) or channel not in CHANNELS:
        raise TranscriptError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}",
                              field="channel")
    if not isinstance(language, str) or not language:
        raise TranscriptError("language must be a language code such as 'ru'", field="language")
    if contact_id is not None and not isinstance(contact_id, str):
        raise TranscriptError("contact_id must be a string", field="contact_id")
    utterances = [_utterance_from(item, i) for i, item in enumerate(items)]
    return Transcript.of(utterances, channel=channel, language=language, contact_id=contact_id)


def loads_transcript(text: str) -> Transcript:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TranscriptError(f"not valid JSON: {error.msg} at line {error.lineno} "
                              f"column {error.colno}") from error
    return transcript_from_dict(data)


def dumps_transcript(transcript: Transcript) -> str:
    return json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2)


def read_transcript(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TranscriptError(f"cannot read {path}: {error.strerror}") from error
    try:
        return loads_transcript(text)
    except TranscriptError as error:
        raise TranscriptError(f"{path}: {error.message}", **error.details) from error


def write_transcript(path: Path, transcript: Transcript) -> None:
    path.write_text(dumps_transcript(transcript) + "\n", encoding="utf-8")


# -- chats --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatMessage:
    """One web-chat message as the platform stores it (``messages`` table)."""

    sender: str  # customer | agent | system
    body: str
    sent_at: datetime


def _field(message: object, *names: str) -> object:
    for name in names:
        if isinstance(message, Mapping):
            if name in message:
                return message[name]
        elif hasattr(message, name):
            return getattr(message, name)
    raise TranscriptError(f"a chat message needs one of: {', '.join(names)}")


def chat_message_from(message: object) -> ChatMessage:
    """Accept a :class:`ChatMessage`, a stored row (``sender``, ``body``, ``created_at``),
    a service ``StoredMessage`` or its payload (``at`` as ISO text) or a plain mapping."""
    if isinstance(message, ChatMessage):
        return message
    sender = _field(message, "sender", "role")
    body = _field(message, "body", "text")
    at = _field(message, "sent_at", "created_at", "at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError as error:
            raise TranscriptError(f"message time {at!r} is not ISO 8601") from error
    if not isinstance(at, datetime):
        raise TranscriptError("message time must be a datetime or ISO 8601 text")
    if at.tzinfo is None:
        raise TranscriptError("message time must be timezone-aware")
    if not isinstance(sender, str) or not isinstance(body, str):
        raise TranscriptError("message sender and body must be strings")
    return ChatMessage(sender, body, at)


def transcript_from_chat(messages: Iterable[object], *, language: str = "ru",
                         contact_id: str | None = None) -> Transcript:
    """Convert a chat's messages into a transcript: times are seconds from the first
    message (system messages included in that origin), ``end == start``; system messages
    (``sender == "system"``) are left out; messages are ordered by time, ties by input order."""
    converted = [chat_message_from(m) for m in messages]
    for message in converted:
        if message.sender not in ("agent", "customer", "system"):
            raise TranscriptError(f"unknown chat sender {message.sender!r}")
    if not converted:
        return Transcript((), channel="chat", language=language, contact_id=contact_id)
    origin = min(m.sent_at for m in converted)
    utterances = []
    for message in converted:
        if message.sender == "system":
            continue
        offset = (message.sent_at - origin).total_seconds()
        utterances.append(Utterance(Speaker(message.sender), offset, offset, message.body))
    return Transcript.of(utterances, channel="chat", language=language, contact_id=contact_id)
