"""Hold intervals given to the rules engine: from PBX events or from the audio analysis.

Accepted JSON shapes (times in seconds from the start of the recording / transcript):

* a list of pairs: ``[[12.0, 40.5], [80, 95]]``;
* a list of objects: ``[{"start": 12.0, "end": 40.5}]``;
* PBX events, as a list or under ``"events"``:
  ``[{"event": "Hold", "time": 12.0}, {"event": "Unhold", "time": 40.5}]`` (``type`` may
  stand for ``event`` and ``at`` for ``time``; Asterisk's ``MusicOnHoldStart`` /
  ``MusicOnHoldStop`` are understood too). A hold left open ends at ``end_seconds`` when it
  is given, otherwise it is an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpline.quality.transcripts.errors import TranscriptError

_HOLD_EVENTS = frozenset({"hold", "musiconholdstart", "held", "contact_held"})
_UNHOLD_EVENTS = frozenset({"unhold", "musiconholdstop", "resumed", "contact_resumed"})


@dataclass(frozen=True)
class HoldInterval:
    start: float
    end: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise TranscriptError("hold times must be finite")
        if self.start < 0 or self.end < self.start:
            raise TranscriptError(f"hold [{self.start}, {self.end}] is not a valid interval")

    @property
    def duration_seconds(self) -> float:
        return self.end - self.start


def _seconds(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TranscriptError(f"{where} must be a number of seconds, not {value!r}")
    return float(value)


def _events_to_holds(events: Sequence[object], end_seconds: float | None) -> list[HoldInterval]:
    parsed: list[tuple[float, int, str]] = []
    for i, item in enumerate(events):
        if not isinstance(item, Mapping):
            raise TranscriptError(f"events[{i}] must be an object")
        name = item.get("event", item.get("type"))
        if not isinstance(name, str):
            raise TranscriptError(f"events[{i}] needs an 'event' name (Hold or Unhold)")
        key = name.replace("_", "").replace("-", "").lower()
        if key not in _HOLD_EVENTS | _UNHOLD_EVENTS:
            continue  # other PBX events are not about holds
        time = _seconds(item.get("time", item.get("at")), f"events[{i}].time")
        parsed.append((time, i, "hold" if key in _HOLD_EVENTS else "unhold"))
    parsed.sort()
    holds: list[HoldInterval] = []
    opened: float | None = None
    for time, _i, kind in parsed:
        if kind == "hold" and opened is None:
            opened = time
        elif kind == "unhold" and opened is not None:
            holds.append(HoldInterval(opened, time))
            opened = None
        # a repeated Hold or a stray Unhold changes nothing
    if opened is not None:
        if end_seconds is None:
            raise TranscriptError(f"the hold started at {opened} s has no Unhold event")
        holds.append(HoldInterval(opened, max(opened, end_seconds)))
    return holds


def parse_holds(data: object, *, end_seconds: float | None = None) -> tuple[HoldInterval, ...]:
    """Holds from decoded JSON (see the module doc), ordered by start."""
    if isinstance(data, Mapping):
        if "events" in data:
            data = data["events"]
        elif "holds" in data:
            data = data["holds"]
        else:
            raise TranscriptError("a holds object needs 'events' or 'holds'")
    if not isinstance(data, list):
        raise TranscriptError("holds must be a JSON list")
    if data and isinstance(data[0], Mapping) and ("event" in data[0] or "type" in data[0]):
        holds = _events_to_holds(data, end_seconds)
    else:
        holds = []
        for i, item in enumerate(data):
            if isinstance(item, Mapping):
                start, end = item.get("start"), item.get("end")
            elif isinstance(item, list) and len(item) == 2:
                start, end = item
            else:
                raise TranscriptError(f"holds[{i}] must be [start, end] or "
                                      "{'start': s, 'end': e}")
            holds.append(HoldInterval(_seconds(start, f"holds[{i}].start"),
                                      _seconds(end, f"holds[{i}].end")))
    return tuple(sorted(holds, key=lambda h: (h.start, h.end)))
