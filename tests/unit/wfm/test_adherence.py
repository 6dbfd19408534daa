"""Adherence on hand-computed days.

The shift: Monday 2026-03-02 09:00–17:00 Moscow time (8 h = 28,800 s), a 15-minute
break at 11:00 and a 45-minute lunch at 13:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpline.domain.errors import NaiveDatetime
from helpline.wfm.adherence import (
    Period,
    PlannedBreak,
    PlannedShift,
    StatusChange,
    busy_periods,
    day_adherence,
)

MSK = ZoneInfo("Europe/Moscow")
DAY = date(2026, 3, 2)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, second, tzinfo=MSK)


SHIFT = PlannedShift("anna", DAY, at(9), at(17), (
    PlannedBreak(at(11), at(11, 15), "break"), PlannedBreak(at(13), at(13, 45), "lunch")))
EVENING = at(18)


def changes(*items: tuple[datetime, str]) -> list[StatusChange]:
    return [StatusChange(t, s) for t, s in items]


def test_one_minute_late_is_noticed() -> None:
    log = changes((at(9, 1), "available"), (at(11), "break"), (at(11, 15), "available"),
                  (at(13), "lunch"), (at(13, 45), "available"), (at(17), "offline"))
    day = day_adherence(SHIFT, "offline", log, [], EVENING)
    assert day.login_at == at(9, 1)
    assert (day.late, day.late_seconds, day.to_dict()["late_minutes"]) == (True, 60, 1)
    assert not day.early and day.logout_at is None  # logged out at 17:00 sharp
    assert day.overlong_pauses == ()
    assert [(p.kind, p.seconds) for p in day.pauses] == [("break", 900), ("lunch", 2700)]
    assert day.measured_seconds == 28_800
    assert day.out_of_adherence_seconds == 60
    assert day.adherence == pytest.approx(28_740 / 28_800)


def test_fifty_nine_seconds_is_not_late() -> None:
    log = changes((at(9, 0, 59), "available"))
    day = day_adherence(SHIFT, "offline", log, [], EVENING)
    assert not day.late and day.late_seconds == 59
    assert day.out_of_adherence_seconds == 59


def test_logged_in_before_the_start_is_not_late() -> None:
    log = changes((at(8, 50), "available"), (at(8, 55), "break"), (at(8, 58), "available"))
    day = day_adherence(SHIFT, "offline", log, [], EVENING)
    assert day.login_at == at(8, 50) and day.late_seconds == 0
    assert day.out_of_adherence_seconds == 0 and day.adherence == 1.0


def test_unscheduled_break_overlong_lunch_and_early_log_out() -> None:
    log = changes((at(8, 55), "available"),
                  (at(10), "break"), (at(10, 10), "available"),        # 10 min unscheduled
                  (at(11), "break"), (at(11, 15), "available"),        # as planned
                  (at(13), "lunch"), (at(14), "available"),            # 15 min over
                  (at(16, 30), "offline"))                             # 30 min early
    day = day_adherence(SHIFT, "offline", log, [], EVENING)
    assert not day.late
    assert day.logout_at == at(16, 30) and day.early and day.early_seconds == 1800
    assert [(p.kind, p.seconds, p.over_seconds) for p in day.pauses] == [
        ("break", 600, 0), ("break", 900, 0), ("lunch", 3600, 900)]
    assert [p.kind for p in day.overlong_pauses] == ["lunch"]
    assert day.out_of_adherence_seconds == (10 + 15 + 30) * 60
    assert day.adherence == pytest.approx((28_800 - 3_300) / 28_800)


def test_a_contact_counts_as_working_whatever_the_status() -> None:
    log = changes((at(9), "available"), (at(15), "break"), (at(15, 30), "available"))
    busy = [Period(at(14, 50), at(15, 10))]
    day = day_adherence(SHIFT, "offline", log, busy, EVENING)
    assert day.out_of_adherence_seconds == 20 * 60


def test_training_and_not_ready_are_out_of_adherence_but_scheduled_breaks_are_free() -> None:
    log = changes((at(9), "available"), (at(10), "training"), (at(10, 30), "available"),
                  (at(11), "offline"), (at(11, 15), "available"), (at(12), "not_ready"),
                  (at(12, 5), "available"))
    day = day_adherence(SHIFT, "offline", log, [], EVENING)
    # offline during the planned 11:00 break is in adherence
    assert day.out_of_adherence_seconds == (30 + 5) * 60
    assert not day.early


def test_absent_all_day() -> None:
    day = day_adherence(SHIFT, "offline", [], [], EVENING)
    assert day.absent and day.login_at is None and day.late_seconds == 28_800
    # the hour of planned breaks is in adherence, the other 7 hours are not
    assert day.out_of_adherence_seconds == 7 * 3600
    assert day.adherence == pytest.approx(1 / 8)


def test_a_shift_in_progress_is_measured_up_to_now() -> None:
    log = changes((at(9, 30), "available"))
    day = day_adherence(SHIFT, "offline", log, [], at(10))
    assert day.measured_seconds == 3600 and not day.absent
    assert day.late_seconds == 1800 and day.out_of_adherence_seconds == 1800
    assert day.adherence == 0.5
    before = day_adherence(SHIFT, "offline", [], [], at(8))
    assert before.measured_seconds == 0 and before.adherence is None and not before.late


def test_busy_periods_from_contact_events() -> None:
    events = [(at(10), "contact_accepted", "c1"), (at(10, 5), "contact_accepted", "c2"),
              (at(10, 20), "contact_closed", "c1"), (at(10, 30), "contact_transferred", "c2"),
              (at(11), "contact_accepted", "c3"), (at(11, 1), "message_sent", "c3")]
    assert busy_periods(events, at(12)) == [Period(at(10), at(10, 20)),
                                            Period(at(10, 5), at(10, 30)),
                                            Period(at(11), at(12))]


def test_naive_times_are_refused() -> None:
    naive = PlannedShift("anna", DAY, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 17))
    with pytest.raises(NaiveDatetime):
        day_adherence(naive, "offline", [], [], EVENING)
    assert EVENING - timedelta(hours=1) == at(17)
