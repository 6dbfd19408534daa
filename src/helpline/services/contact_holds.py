"""A contact's holds from the event log, for quality analysis (issue 5: "hold intervals
come from PBX events or from the contact's events").

The agent desk records ``contact_held`` / ``contact_resumed`` (an implicit resume when
the contact is wrapped up, transferred or left by the customer while held, so intervals
are closed). :func:`load` reads them, oldest first, and :class:`ContactHolds` turns them
into what the two analyses take:

* :meth:`ContactHolds.for_recording` -> :class:`ContactEvents` for the audio analysis
  (paired by :func:`~helpline.quality.audio.holds.holds_from_contact_events` once the
  recording's length is known); :meth:`ContactHolds.report` when it is known already;
* :meth:`ContactHolds.intervals` -> the rules engine's ``HoldInterval`` list.

Times become seconds from the recording's (or transcript's) start. That start defaults to
when the contact was first answered (``answered_at``, the first ``contact_accepted``):
a call recording starts when the agent answers (Asterisk's MixMonitor on the bridge). A
recording of another leg, or one started at ringing, needs its own start. A contact never
answered has no default start (``validation_failed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed
from helpline.domain.events import Event, EventType
from helpline.quality.audio.holds import ContactEvents, HoldReport
from helpline.quality.contact_analysis import rule_holds
from helpline.quality.transcripts.holds import HoldInterval
from helpline.services.context import ServiceContext
from helpline.store.uow import UnitOfWork

HOLD_EVENT_TYPES = (EventType.CONTACT_HELD.value, EventType.CONTACT_RESUMED.value)
_PAGE = 1000


@dataclass(frozen=True)
class ContactHolds:
    """One contact's hold events (log order) and what QA needs to name it."""

    contact_id: str
    agent_id: str | None
    queue_id: str
    answered_at: datetime | None
    held_since: datetime | None  # still on hold at loading time
    events: tuple[Event, ...]

    def recording_start(self, given: datetime | None = None) -> datetime:
        """``given`` (timezone-aware) or when the contact was first answered."""
        if given is not None:
            return check_aware(given, "recording_start")
        if self.answered_at is None:
            raise ValidationFailed("the contact was never answered: give the recording's "
                                   "start", contact_id=self.contact_id, field="recording_start")
        return self.answered_at

    def for_recording(self, recording_start: datetime | None = None) -> ContactEvents:
        return ContactEvents(self.events, self.recording_start(recording_start))

    def report(self, *, recording_start: datetime | None = None,
               duration_s: float | None = None) -> HoldReport:
        """Paired holds in seconds from the start (source ``contact_events``): a hold
        still open lasts to ``duration_s`` (dropped, with a problem, without it); times
        outside the recording are clipped, each irregularity is in ``problems``."""
        return self.for_recording(recording_start).report(duration_s)

    def intervals(self, *, start: datetime | None = None,
                  end_seconds: float | None = None) -> tuple[HoldInterval, ...]:
        """The holds as the transcript rules engine takes them."""
        return rule_holds(self.report(recording_start=start, duration_s=end_seconds))


def load(ctx: ServiceContext, contact_id: str) -> ContactHolds:
    """The contact (``not_found`` when unknown) and its hold events from the log."""
    with ctx.uow() as uow:
        return read(uow, contact_id)


def read(uow: UnitOfWork, contact_id: str) -> ContactHolds:
    """:func:`load` inside a unit of work the caller already has open."""
    contact = uow.contacts.get(contact_id)
    events: list[Event] = []
    after = 0
    while True:
        rows = uow.events.query(contact_id=contact_id, types=HOLD_EVENT_TYPES,
                                after_id=after, limit=_PAGE)
        events.extend(Event(EventType(r.type), r.at, contact_id=r.contact_id,
                            agent_id=r.agent_id, queue_id=r.queue_id, data=dict(r.data or {}))
                      for r in rows)
        if len(rows) < _PAGE:
            break
        after = rows[-1].id
    return ContactHolds(contact.id, contact.agent_id, contact.queue_id, contact.answered_at,
                        contact.held_since, tuple(events))
