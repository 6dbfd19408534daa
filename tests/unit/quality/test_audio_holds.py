"""Hold events: the JSON format, ISO times, tolerant pairing with a report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpline.quality.audio.errors import InvalidHoldEvents
from helpline.quality.audio.holds import (
    Hold,
    HoldEvent,
    holds_from_contact_events,
    holds_from_events,
    load_hold_events,
    parse_hold_events,
    subtract,
)

MSK = timezone(timedelta(hours=3))
START = datetime(2026, 11, 22, 10, 0, tzinfo=MSK)


def test_seconds_and_numeric_strings() -> None:
    events = parse_hold_events([{"event": "Hold", "time": 65}, {"event": "unhold",
                                                                "time": "195.5"}])
    report = holds_from_events(events, duration_s=300)
    assert report.holds == (Hold(65.0, 195.5),)
    assert report.problems == () and report.total_s == 130.5


def test_iso_times_with_recording_start_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ev.json"
    path.write_text(json.dumps({
        "recording_start": "2026-11-22T10:00:00+03:00",
        "events": [{"event": "Hold", "time": "2026-11-22T07:01:05Z"},
                   {"type": "Unhold", "at": "2026-11-22T10:03:15+03:00"}]}), encoding="utf-8")
    report = holds_from_events(load_hold_events(path), duration_s=600)
    assert report.holds == (Hold(65.0, 195.0),)


def test_iso_times_need_a_start_and_an_offset() -> None:
    with pytest.raises(InvalidHoldEvents, match="recording's start"):
        parse_hold_events([{"event": "Hold", "time": "2026-11-22T10:01:05+03:00"}])
    with pytest.raises(InvalidHoldEvents, match="no UTC offset"):
        parse_hold_events([{"event": "Hold", "time": "2026-11-22T10:01:05"}],
                          recording_start=START)
    ok = parse_hold_events([{"event": "Hold", "time": "2026-11-22T10:01:05+03:00"}],
                           recording_start=START)
    assert ok == [HoldEvent("hold", 65.0, 0)]


@pytest.mark.parametrize(("data", "message"), [
    ({"no": "events"}, "'events'"),
    ("Hold", "JSON list"),
    ([{"event": "Transfer", "time": 1}], "unknown event 'Transfer'"),
    ([{"time": 1}], "missing 'event'"),
    ([{"event": "Hold"}], "missing 'time'"),
    ([{"event": "Hold", "time": [1]}], "seconds or an ISO"),
    ([3], "expected an object"),
])
def test_bad_files_are_explained(data: object, message: str) -> None:
    with pytest.raises(InvalidHoldEvents, match=message):
        parse_hold_events(data)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "ev.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(InvalidHoldEvents, match="not readable JSON"):
        load_hold_events(path)
    with pytest.raises(InvalidHoldEvents, match="no such file"):
        load_hold_events(tmp_path / "none.json")


def test_unmatched_events_are_reported_not_fatal() -> None:
    events = [HoldEvent("unhold", 5.0, 0), HoldEvent("hold", 10.0, 1),
              HoldEvent("hold", 20.0, 2), HoldEvent("unhold", 40.0, 3),
              HoldEvent("hold", 100.0, 4)]
    report = holds_from_events(events, duration_s=150.0)
    assert report.holds == (Hold(10.0, 40.0), Hold(100.0, 150.0, open_ended=True))
    text = " | ".join(report.problems)
    assert "unhold #0 at 5.000 s without a hold" in text
    assert "hold #2 at 20.000 s while already on hold" in text
    assert "hold #4 at 100.000 s has no unhold" in text
    # without the recording length an open hold cannot be closed
    assert holds_from_events(events[-1:]).holds == ()


def test_times_outside_the_recording_are_clipped() -> None:
    report = holds_from_events([HoldEvent("hold", -2.0), HoldEvent("unhold", 70.0, 1)],
                               duration_s=60.0)
    assert report.holds == (Hold(0.0, 60.0),)
    assert len(report.problems) == 2


@dataclass
class _Event:  # the shape of helpline.domain.events.Event
    type: str
    at: datetime


def test_holds_from_the_contacts_event_log() -> None:
    log = [_Event("contact_accepted", START), _Event("contact_held", START + timedelta(
        seconds=30)), _Event("contact_resumed", START + timedelta(seconds=200))]
    report = holds_from_contact_events(log, recording_start=START.astimezone(UTC))
    assert report.holds == (Hold(30.0, 200.0),) and report.source == "contact_events"
    with pytest.raises(InvalidHoldEvents, match="timezone-aware"):
        holds_from_contact_events([_Event("contact_held", datetime(2026, 1, 1))],
                                  recording_start=START)


def test_subtract_holds_from_intervals() -> None:
    holds = [Hold(10.0, 20.0), Hold(30.0, 35.0)]
    assert subtract([(0.0, 40.0)], holds) == [(0.0, 10.0), (20.0, 30.0), (35.0, 40.0)]
    assert subtract([(12.0, 18.0)], holds) == []
