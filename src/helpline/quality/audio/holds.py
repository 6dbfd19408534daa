"""Hold intervals from PBX events or from the contact's event log.

Events file (JSON), either a list of events or an object with the recording's start::

    [{"event": "Hold", "time": 65.0}, {"event": "Unhold", "time": 195.0}]

    {"recording_start": "2026-11-22T10:00:00+03:00",
     "events": [{"event": "Hold", "time": "2026-11-22T10:01:05+03:00"},
                {"event": "Unhold", "time": "2026-11-22T10:03:15+03:00"}]}

* ``event`` (or ``type``): ``Hold`` / ``Unhold``, case-insensitive. Also accepted:
  ``held``, ``contact_held``, ``MusicOnHoldStart`` for a hold and ``unheld``,
  ``resumed``, ``contact_resumed``, ``MusicOnHoldStop`` for its end (the Asterisk AMI
  events are ``Hold``/``Unhold`` and ``MusicOnHoldStart``/``MusicOnHoldStop``).
* ``time`` (or ``at``): seconds from the start of the recording (a number or a numeric
  string), or an ISO 8601 time with a UTC offset; ISO times need ``recording_start``
  (in the file, or given by the caller). Naive ISO times are refused.

Pairing is tolerant and every irregularity is reported in :attr:`HoldReport.problems`:
an ``Unhold`` without a ``Hold`` is ignored; a second ``Hold`` while on hold is ignored;
a ``Hold`` never released lasts until the end of the recording (``open_ended``); times
before the start or after the end of the recording are clipped to it.

From the platform's event log the holds are the contact's ``contact_held`` /
``contact_resumed`` events (:func:`holds_from_contact_events`); :class:`ContactEvents`
carries them with the recording's start until the recording's length is known
(:func:`helpline.quality.audio.analyze.hold_report`). The service that loads them is
:mod:`helpline.services.contact_holds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from helpline.quality.audio.errors import InvalidHoldEvents

HOLD_NAMES = frozenset({"hold", "held", "contact_held", "musiconholdstart", "on_hold"})
UNHOLD_NAMES = frozenset({"unhold", "unheld", "resumed", "contact_resumed",
                          "musiconholdstop", "off_hold"})


@dataclass(frozen=True)
class HoldEvent:
    kind: Literal["hold", "unhold"]
    time_s: float
    index: int = 0  # position in the source, for messages and stable ordering


@dataclass(frozen=True)
class Hold:
    start_s: float
    end_s: float
    open_ended: bool = False  # no Unhold: lasts to the end of the recording

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class HoldReport:
    holds: tuple[Hold, ...] = ()
    problems: tuple[str, ...] = ()
    source: str = "none"  # "none", "pbx_events", "contact_events"

    @property
    def total_s(self) -> float:
        return sum(h.duration_s for h in self.holds)


def parse_hold_events(data: Any, *,
                      recording_start: datetime | None = None) -> list[HoldEvent]:
    """Events from decoded JSON (see the module docstring for the format)."""
    if isinstance(data, dict):
        if "events" not in data:
            raise InvalidHoldEvents("hold events object needs an 'events' list")
        if recording_start is None and data.get("recording_start") is not None:
            recording_start = _parse_iso(data["recording_start"], "recording_start")
        data = data["events"]
    if not isinstance(data, list):
        raise InvalidHoldEvents("hold events must be a JSON list of {event, time} objects "
                                "or an object with 'events'")
    if recording_start is not None and recording_start.tzinfo is None:
        raise InvalidHoldEvents("recording_start must carry a UTC offset")
    events = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise InvalidHoldEvents(f"event #{i}: expected an object, got {type(item).__name__}")
        name = item.get("event", item.get("type", item.get("Event")))
        if not isinstance(name, str):
            raise InvalidHoldEvents(f"event #{i}: missing 'event' name")
        key = name.strip().lower()
        kind: Literal["hold", "unhold"]
        if key in HOLD_NAMES:
            kind = "hold"
        elif key in UNHOLD_NAMES:
            kind = "unhold"
        else:
            raise InvalidHoldEvents(f"event #{i}: unknown event {name!r} (expected Hold or "
                                    "Unhold)")
        raw_time = item.get("time", item.get("at"))
        events.append(HoldEvent(kind, _time_s(raw_time, i, recording_start), i))
    return events


def load_hold_events(path: Path | str, *,
                     recording_start: datetime | None = None) -> list[HoldEvent]:
    """Read and parse an events file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidHoldEvents(f"{path}: no such file") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidHoldEvents(f"{path}: not readable JSON ({error})") from error
    try:
        return parse_hold_events(data, recording_start=recording_start)
    except InvalidHoldEvents as error:
        raise InvalidHoldEvents(f"{path}: {error.message}") from error


def holds_from_events(events: Iterable[HoldEvent], *, duration_s: float | None = None,
                      source: str = "pbx_events") -> HoldReport:
    """Pair Hold/Unhold events into intervals; report, never raise, on irregularities."""
    ordered = sorted(events, key=lambda e: (e.time_s, e.index))
    problems: list[str] = []
    holds: list[Hold] = []
    open_at: HoldEvent | None = None

    def clip(event: HoldEvent) -> float:
        t = event.time_s
        if t < 0:
            problems.append(f"{event.kind} #{event.index} at {t:.3f} s is before the "
                            "recording; clipped to 0")
            return 0.0
        if duration_s is not None and t > duration_s:
            problems.append(f"{event.kind} #{event.index} at {t:.3f} s is after the end "
                            f"({duration_s:.3f} s); clipped")
            return duration_s
        return t

    for event in ordered:
        if event.kind == "hold":
            if open_at is not None:
                problems.append(f"hold #{event.index} at {event.time_s:.3f} s while already "
                                f"on hold since {open_at.time_s:.3f} s; ignored")
                continue
            open_at = event
        else:
            if open_at is None:
                problems.append(f"unhold #{event.index} at {event.time_s:.3f} s without a "
                                "hold; ignored")
                continue
            holds.append(Hold(clip(open_at), clip(event)))
            open_at = None
    if open_at is not None:
        if duration_s is None:
            problems.append(f"hold #{open_at.index} at {open_at.time_s:.3f} s never ended "
                            "and the recording length is unknown; ignored")
        else:
            problems.append(f"hold #{open_at.index} at {open_at.time_s:.3f} s has no unhold; "
                            "counted to the end of the recording")
            start = clip(open_at)
            holds.append(Hold(start, duration_s, open_ended=True))
    return HoldReport(tuple(holds), tuple(problems), source)


@dataclass(frozen=True)
class ContactEvents:
    """A contact's hold events from the event log (objects with ``type`` and an aware
    ``at``) and when its recording started; paired by :func:`holds_from_contact_events`
    once the recording's length is known."""

    events: tuple[Any, ...]
    recording_start: datetime

    def report(self, duration_s: float | None = None) -> HoldReport:
        return holds_from_contact_events(self.events, recording_start=self.recording_start,
                                         duration_s=duration_s)


def holds_from_contact_events(events: Iterable[Any], *, recording_start: datetime,
                              duration_s: float | None = None) -> HoldReport:
    """Holds from a contact's event log: any objects with ``type`` (an enum or string
    named like ``contact_held`` / ``contact_resumed``) and a timezone-aware ``at``.
    Other event types are skipped."""
    if recording_start.tzinfo is None:
        raise InvalidHoldEvents("recording_start must carry a UTC offset")
    picked = []
    for i, event in enumerate(events):
        kind = str(getattr(event.type, "value", event.type)).lower()
        if kind not in HOLD_NAMES and kind not in UNHOLD_NAMES:
            continue
        at = event.at
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise InvalidHoldEvents(f"contact event #{i}: 'at' must be a timezone-aware "
                                    "datetime")
        picked.append(HoldEvent("hold" if kind in HOLD_NAMES else "unhold",
                                (at - recording_start).total_seconds(), i))
    return holds_from_events(picked, duration_s=duration_s, source="contact_events")


def subtract(intervals: Sequence[tuple[float, float]], holds: Sequence[Hold],
             ) -> list[tuple[float, float]]:
    """Parts of ``intervals`` outside every hold (both sorted or not; result sorted)."""
    cuts = sorted((h.start_s, h.end_s) for h in holds)
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        pieces = [(lo, hi)]
        for a, b in cuts:
            nxt = []
            for p, q in pieces:
                if b <= p or a >= q:
                    nxt.append((p, q))
                    continue
                if a > p:
                    nxt.append((p, a))
                if b < q:
                    nxt.append((b, q))
            pieces = nxt
        out.extend(pieces)
    return out


def overlap_s(lo: float, hi: float, holds: Sequence[Hold]) -> float:
    """Seconds of [lo, hi) covered by holds."""
    return sum(max(0.0, min(hi, h.end_s) - max(lo, h.start_s)) for h in holds)


def _time_s(raw: Any, index: int, recording_start: datetime | None) -> float:
    if isinstance(raw, bool) or raw is None:
        raise InvalidHoldEvents(f"event #{index}: missing 'time'")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return float(text)
        except ValueError:
            pass
        moment = _parse_iso(text, f"event #{index} time")
        if recording_start is None:
            raise InvalidHoldEvents(f"event #{index}: ISO time {text!r} needs the recording's "
                                    "start ('recording_start' in the file, or --start)")
        return (moment - recording_start).total_seconds()
    raise InvalidHoldEvents(f"event #{index}: 'time' must be seconds or an ISO 8601 time")


def _parse_iso(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise InvalidHoldEvents(f"{what}: expected an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidHoldEvents(f"{what}: {text!r} is neither seconds nor an ISO 8601 "
                                "time") from error
    if moment.tzinfo is None:
        raise InvalidHoldEvents(f"{what}: {text!r} has no UTC offset (add e.g. +03:00)")
    return moment
