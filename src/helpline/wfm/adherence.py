"""Schedule adherence: the agent status log against the published shifts (issue 4 §5).

Per operator and shift (a shift belongs to the day it starts on):

* **working** — status ``available`` or ``after_call_work``, or busy on a contact (from
  ``contact_accepted`` to that agent's ``contact_closed`` or ``contact_transferred``),
  whatever the status says meanwhile;
* **on a pause** — status ``break`` or ``lunch`` and not busy on a contact;
* anything else (``offline``, ``training``, ``not_ready``) is not working.

* **Late log-in**: the first status other than ``offline`` at or after the shift start;
  late when it comes one minute or more after the start (seed 004: being one minute late
  is noticed). Already logged in at the start: not late. No log-in during a finished
  shift: ``absent``.
* **Early log-out**: offline at the end of a finished shift after having logged in; early
  by the time from the last switch to ``offline`` to the shift end, counted from one
  minute.
* **Overlong pause**: a continuous stretch of ``break`` (or ``lunch``) inside the shift
  longer than the longest scheduled break (lunch) of that shift, by one minute or more;
  with none scheduled every such stretch is overlong.
* **Out of adherence**: time inside the shift, outside its scheduled breaks, when the
  operator is not working. During a scheduled break any state is in adherence.
* **Adherence** = (measured time − out of adherence) / measured time, where measured time
  is the shift (breaks included) up to ``now``.

Pure: the caller passes the status changes and contact periods; all datetimes aware.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from helpline.domain.clock import check_aware

WORKING_STATUSES = frozenset({"available", "after_call_work"})
PAUSE_STATUSES = frozenset({"break", "lunch"})
OFFLINE = "offline"
#: Lateness, early leaving and overlong pauses count from this many seconds.
NOTICED_SECONDS = 60
BUSY_STARTS = frozenset({"contact_accepted"})
BUSY_ENDS = frozenset({"contact_closed", "contact_transferred"})


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: str


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PlannedBreak:
    start: datetime
    end: datetime
    kind: str = "break"


@dataclass(frozen=True)
class PlannedShift:
    operator_id: str
    day: date
    start: datetime
    end: datetime
    breaks: tuple[PlannedBreak, ...] = ()


@dataclass(frozen=True)
class Pause:
    """A continuous stretch of one pause status inside the shift."""

    kind: str
    start: datetime
    end: datetime
    allowed_seconds: int

    @property
    def seconds(self) -> int:
        return round((self.end - self.start).total_seconds())

    @property
    def over_seconds(self) -> int:
        return max(0, self.seconds - self.allowed_seconds)

    @property
    def overlong(self) -> bool:
        return self.over_seconds >= NOTICED_SECONDS

    def to_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
        start, end = (self.start, self.end) if tz is None else (
            self.start.astimezone(tz), self.end.astimezone(tz))
        return {"kind": self.kind, "start": start.isoformat(), "end": end.isoformat(),
                "seconds": self.seconds, "allowed_seconds": self.allowed_seconds,
                "over_seconds": self.over_seconds, "overlong": self.overlong}


@dataclass(frozen=True)
class DayAdherence:
    operator_id: str
    day: date
    shift_start: datetime
    shift_end: datetime
    #: the shift up to ``now`` (0 before it starts)
    measured_seconds: int
    login_at: datetime | None
    late_seconds: int
    logout_at: datetime | None
    early_seconds: int
    absent: bool
    pauses: tuple[Pause, ...]
    out_of_adherence_seconds: int

    @property
    def late(self) -> bool:
        return self.late_seconds >= NOTICED_SECONDS

    @property
    def early(self) -> bool:
        return self.early_seconds >= NOTICED_SECONDS

    @property
    def overlong_pauses(self) -> tuple[Pause, ...]:
        return tuple(p for p in self.pauses if p.overlong)

    @property
    def adherence(self) -> float | None:
        """Share of the measured time in adherence; ``None`` before the shift."""
        if self.measured_seconds <= 0:
            return None
        return (self.measured_seconds - self.out_of_adherence_seconds) / self.measured_seconds

    def to_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """JSON-ready; times shown in ``tz`` (default: as given)."""
        def iso(value: datetime | None) -> str | None:
            if value is None:
                return None
            return (value.astimezone(tz) if tz is not None else value).isoformat()

        adherence = self.adherence
        return {
            "operator_id": self.operator_id, "day": self.day.isoformat(),
            "shift_start": iso(self.shift_start), "shift_end": iso(self.shift_end),
            "measured_seconds": self.measured_seconds,
            "login_at": iso(self.login_at),
            "late": self.late, "late_seconds": self.late_seconds,
            "late_minutes": self.late_seconds // 60,
            "logout_at": iso(self.logout_at),
            "early": self.early, "early_seconds": self.early_seconds,
            "early_minutes": self.early_seconds // 60, "absent": self.absent,
            "pauses": [p.to_dict(tz) for p in self.pauses],
            "overlong_pauses": len(self.overlong_pauses),
            "out_of_adherence_seconds": self.out_of_adherence_seconds,
            "out_of_adherence_minutes": round(self.out_of_adherence_seconds / 60, 1),
            "adherence": None if adherence is None else round(adherence, 4),
        }


def busy_periods(events: Iterable[tuple[datetime, str, str | None]],
                 until: datetime) -> list[Period]:
    """One agent's contact periods from ``(at, type, contact_id)`` events, oldest first;
    a contact still open runs to ``until``."""
    open_at: dict[str, datetime] = {}
    out: list[Period] = []
    for at, kind, contact_id in sorted(events, key=lambda e: e[0]):
        if contact_id is None:
            continue
        if kind in BUSY_STARTS:
            open_at.setdefault(contact_id, at)
        elif kind in BUSY_ENDS and contact_id in open_at:
            out.append(Period(open_at.pop(contact_id), at))
    out.extend(Period(start, until) for start in open_at.values() if start < until)
    return sorted(out, key=lambda p: (p.start, p.end))


def _status_at(initial: str, changes: Sequence[StatusChange], at: datetime) -> str:
    """The status in force at ``at`` (a change at exactly ``at`` counts)."""
    status = initial
    for change in changes:
        if change.at > at:
            break
        status = change.status
    return status


def _in(periods: Iterable[Period | PlannedBreak], at: datetime) -> bool:
    return any(p.start <= at < p.end for p in periods)


def _seconds(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds()))


def _pauses(shift: PlannedShift, initial: str, changes: Sequence[StatusChange],
            until: datetime) -> tuple[Pause, ...]:
    allowed = {"break": 0, "lunch": 0}
    for b in shift.breaks:
        kind = "lunch" if b.kind == "lunch" else "break"
        allowed[kind] = max(allowed[kind], _seconds(b.end - b.start))
    out: list[Pause] = []
    status = _status_at(initial, changes, shift.start)
    since = shift.start
    for change in [c for c in changes if shift.start < c.at < until] + [
            StatusChange(until, "__end__")]:
        if change.status == status and change.status != "__end__":
            continue
        if status in PAUSE_STATUSES and change.at > since:
            out.append(Pause(status, since, change.at, allowed[status]))
        status, since = change.status, change.at
    return tuple(out)


def day_adherence(shift: PlannedShift, initial_status: str,
                  changes: Sequence[StatusChange], busy: Sequence[Period],
                  now: datetime) -> DayAdherence:
    """Adherence of one shift. ``changes`` are the operator's status changes oldest
    first; ``initial_status`` is the status before the first of them."""
    for value, name in ((shift.start, "shift.start"), (shift.end, "shift.end"), (now, "now")):
        check_aware(value, name)
    ordered = sorted(changes, key=lambda c: c.at)
    until = min(shift.end, now)
    measured = _seconds(until - shift.start)
    if measured == 0:
        return DayAdherence(shift.operator_id, shift.day, shift.start, shift.end, 0, None, 0,
                            None, 0, False, (), 0)

    # log-in: in at the start, or the first non-offline status after it
    login_at: datetime | None = None
    late_seconds = 0
    if _status_at(initial_status, ordered, shift.start) != OFFLINE:
        for change in reversed([c for c in ordered if c.at <= shift.start]):
            if change.status == OFFLINE:
                break
            login_at = change.at  # the start of the stretch logged in before the shift
        logged_in = True
    else:
        first = next((c for c in ordered if shift.start < c.at < until and c.status != OFFLINE),
                     None)
        logged_in = first is not None
        login_at = first.at if first else None
        late_seconds = _seconds((first.at if first else until) - shift.start)
    absent = not logged_in and now >= shift.end

    # log-out: offline at the end of a finished shift
    logout_at: datetime | None = None
    early_seconds = 0
    last_in_shift = [c for c in ordered if c.at < shift.end]
    if logged_in and now >= shift.end and last_in_shift and last_in_shift[-1].status == OFFLINE \
            and last_in_shift[-1].at > shift.start:
        logout_at = last_in_shift[-1].at
        early_seconds = _seconds(shift.end - logout_at)

    # out of adherence: walk the pieces between every change of any input
    cuts = {shift.start, until}
    cuts.update(c.at for c in ordered if shift.start < c.at < until)
    edges = [(p.start, p.end) for p in busy] + [(b.start, b.end) for b in shift.breaks]
    for edge in edges:
        cuts.update(t for t in edge if shift.start < t < until)
    points = sorted(cuts)
    ooa = 0.0
    for a, b in itertools.pairwise(points):
        if _in(shift.breaks, a):
            continue
        working = _in(busy, a) or _status_at(initial_status, ordered, a) in WORKING_STATUSES
        if not working:
            ooa += (b - a).total_seconds()

    return DayAdherence(shift.operator_id, shift.day, shift.start, shift.end, measured,
                        login_at, late_seconds, logout_at, early_seconds, absent,
                        _pauses(shift, initial_status, ordered, until), round(ooa))
