"""Publishing, swap and time-off requests and adherence through the services, on SQLite
and PostgreSQL (the schedule of :mod:`tests.integration.wfm_helpers`)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpline.domain.agents import AgentStatus
from helpline.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from helpline.services import desk, wfm_adherence, wfm_requests, wfm_schedules
from helpline.services.context import ServiceContext
from helpline.services.wfm_schedules import ForecastPoint, UnknownOperators
from helpline.store.desk_tables import AuditRow
from helpline.store.wfm_tables import WfmRequestRow, WfmScheduleRow, WfmShiftRow
from helpline.wfm.schedule.model import Shift
from helpline.wfm.schedule.requests import SwapNotAllowed
from tests.conftest import ManualClock
from tests.integration.wfm_helpers import BEFORE, DAY0, DAY1, DAY2, START, schedule, team


def _count(ctx: ServiceContext, table: type) -> int:
    with ctx.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def _cells(ctx: ServiceContext, schedule_id: int) -> set[tuple[str, str, str]]:
    detail = wfm_schedules.schedule_detail(ctx, schedule_id)
    return {(s["agent_id"], s["day"], s["label"]) for s in detail["shifts"]}


def test_night_shift_from_the_evening_before_is_not_stored(ctx: ServiceContext,
                                                          clock: ManualClock) -> None:
    clock.now = BEFORE
    team(ctx)
    base = schedule()
    carry_in = Shift("anna", -1, -4 * 60, 12 * 60)  # 20:00 the evening before, to 08:00
    done = wfm_schedules.publish(ctx, replace(base, shifts=(*base.shifts, carry_in)))
    assert (done.shifts, done.evening_before_dropped) == (len(base.shifts), 1)
    assert done.to_json()["evening_before_dropped"] == 1


def test_publish_resolves_usernames_and_is_all_or_nothing(ctx: ServiceContext,
                                                         clock: ManualClock) -> None:
    clock.now = BEFORE
    t = team(ctx)
    forecast = [ForecastPoint(datetime(2026, 3, 2, 5, tzinfo=UTC) + timedelta(hours=i),
                              10.0 + i, 8.0, 14.0 + i) for i in range(3)]
    done = wfm_schedules.publish(ctx, schedule(), name="Week 10", forecast=forecast,
                                 actor=t.actor("sveta"))
    assert (done.status, done.shifts, done.operators, done.forecast_points) == (
        "published", 4, 4, 3)
    assert _cells(ctx, done.schedule_id) == {
        (t.anna, "2026-03-02", "08:00–20:00"), (t.anna, "2026-03-03", "08:00–20:00"),
        (t.boris, "2026-03-04", "08:00–20:00"), (t.olga, "2026-03-02", "10:00–18:00")}
    detail = wfm_schedules.schedule_detail(ctx, done.schedule_id)
    assert [o["name"] for o in detail["operators"]] == ["Anna", "Boris", "Ivan", "Olga"]
    # mobile 08-20 on three days: covered except Anna's lunch hours on days 0 (Olga is
    # there) and 1 (nobody): one short interval, and Boris's lunch on day 2
    assert detail["coverage"]["deficit_agent_intervals"] == 2
    series = wfm_schedules.forecast_series(ctx, done.schedule_id)
    assert series[0] == {"interval_start": "2026-03-02T08:00:00+03:00", "forecast": 10.0,
                         "lo": 8.0, "hi": 14.0}
    with ctx.uow() as uow:
        row = uow.session.scalars(select(WfmShiftRow).where(
            WfmShiftRow.agent_id == t.olga)).one()
        assert row.start_at == datetime(2026, 3, 2, 7, tzinfo=UTC)  # 10:00 Moscow, aware

    # an operator who is not an agent: refused by name, nothing written
    bad = schedule({"anna": "anna", "boris": "boris", "ivan": "ghost", "olga": "nobody"},
                   start=date(2026, 4, 1))
    before = (_count(ctx, WfmScheduleRow), _count(ctx, WfmShiftRow))
    with pytest.raises(UnknownOperators) as unknown:
        wfm_schedules.publish(ctx, bad)
    assert unknown.value.details["operators"] == ["ghost", "nobody"]
    assert "ghost, nobody" in unknown.value.message
    # overlapping a published schedule: refused, then superseded with replace
    with pytest.raises(Conflict) as overlap:
        wfm_schedules.publish(ctx, schedule(start=DAY2))
    assert overlap.value.details["schedule_ids"] == [done.schedule_id]
    assert (_count(ctx, WfmScheduleRow), _count(ctx, WfmShiftRow)) == before
    pending = wfm_requests.file_time_off(ctx, t.actor("boris"), client_request_id="b-1",
                                         days=[DAY2])
    again = wfm_schedules.publish(ctx, schedule(start=DAY2), replace_published=True,
                                  actor=t.actor("sveta"))
    assert again.superseded == (done.schedule_id,)
    replaced = wfm_requests.get(ctx, t.actor("boris"), pending["id"])
    assert replaced["state"] == "refused"
    assert replaced["reason"] == f"the schedule was replaced by #{again.schedule_id}"
    statuses = {s["id"]: s["status"] for s in wfm_schedules.list_schedules(ctx)}
    assert statuses == {done.schedule_id: "superseded", again.schedule_id: "published"}


def test_time_off_shows_the_effect_then_approval_removes_the_shift(
        ctx: ServiceContext, clock: ManualClock) -> None:
    clock.now = BEFORE
    t = team(ctx)
    sid = wfm_schedules.publish(ctx, schedule()).schedule_id
    filed = wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-1",
                                       days=[DAY1], note="  dentist  ")
    assert (filed["state"], filed["kind"], filed["replayed"], filed["note"]) == (
        "pending", "time_off", False, "dentist")
    # day 1: Anna alone 08-20 with a lunch hour already short: 11 more hours short
    assert filed["effect"]["short_intervals_added"] == 11
    assert filed["effect"]["short_periods"][0]["start"] == "2026-03-03T08:00:00+03:00"

    repeat = wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-1",
                                        days=[DAY1])
    assert repeat["replayed"] and repeat["id"] == filed["id"]
    with pytest.raises(Conflict) as reused:
        wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-1",
                                   days=[DAY2])
    assert reused.value.error_id == "idempotency_conflict"
    with pytest.raises(Conflict):  # the same day asked twice
        wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-2",
                                   days=[DAY1, DAY2])
    with pytest.raises(NotFound):
        wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-3",
                                   days=[date(2026, 3, 1)])  # no schedule covers it
    assert _count(ctx, WfmRequestRow) == 1

    inbox = wfm_requests.inbox(ctx)
    assert [r["id"] for r in inbox] == [filed["id"]]
    assert inbox[0]["live"]["effect"]["deficit_added_agent_intervals"] == 11
    assert inbox[0]["live"]["shifts"][0]["label"] == "08:00–20:00"

    with pytest.raises(PermissionDenied):
        wfm_requests.decide(ctx, t.actor("boris"), filed["id"], approve=True)
    with pytest.raises(ValidationFailed):
        wfm_requests.decide(ctx, t.actor("sveta"), filed["id"], approve=False, reason=" ")
    approved = wfm_requests.decide(ctx, t.actor("sveta"), filed["id"], approve=True)
    assert approved["state"] == "approved" and approved["decided_by"] == t.sveta
    assert (t.anna, "2026-03-03", "08:00–20:00") not in _cells(ctx, sid)
    anna = next(o for o in wfm_schedules.schedule_detail(ctx, sid)["operators"]
                if o["id"] == t.anna)
    assert anna["unavailable"] == ["2026-03-03"]
    again = wfm_requests.decide(ctx, t.actor("sveta"), filed["id"], approve=True)
    assert again["replayed"] and again["decided_at"] == approved["decided_at"]
    with pytest.raises(InvalidTransition):
        wfm_requests.cancel(ctx, t.actor("anna"), filed["id"])
    with ctx.uow() as uow:
        audit = uow.session.scalars(select(AuditRow).where(
            AuditRow.action.like("wfm_request_%"), AuditRow.user_id.in_([t.anna, t.sveta]))
            .order_by(AuditRow.id)).all()
        assert [(a.action, a.outcome) for a in audit] == [
            ("wfm_request_filed", "pending"), ("wfm_request_approved", "approved")]
        assert audit[1].params["request_id"] == str(filed["id"])


def test_swap_needs_the_rules_the_colleague_and_a_supervisor(ctx: ServiceContext,
                                                            clock: ManualClock) -> None:
    clock.now = BEFORE
    t = team(ctx)
    sid = wfm_schedules.publish(ctx, schedule()).schedule_id
    with pytest.raises(SwapNotAllowed) as refused:  # Ivan has no mobile
        wfm_requests.file_swap(ctx, t.actor("anna"), client_request_id="s-0", day=DAY1,
                               peer_id=t.ivan)
    assert {v["rule"] for v in refused.value.details["violations"]} == {"skills", "coverage"}
    assert _count(ctx, WfmRequestRow) == 0

    filed = wfm_requests.file_swap(ctx, t.actor("anna"), client_request_id="s-1", day=DAY1,
                                   peer_id=t.boris)
    assert filed["state"] == "pending" and filed["peer_consent"] is None
    with pytest.raises(InvalidTransition):  # Boris has not agreed yet
        wfm_requests.decide(ctx, t.actor("sveta"), filed["id"], approve=True)
    with pytest.raises(PermissionDenied):
        wfm_requests.answer(ctx, t.actor("olga"), filed["id"], True)
    with pytest.raises(PermissionDenied):
        wfm_requests.get(ctx, t.actor("olga"), filed["id"])
    assert wfm_requests.get(ctx, t.actor("boris"), filed["id"])["id"] == filed["id"]
    agreed = wfm_requests.answer(ctx, t.actor("boris"), filed["id"], True)
    assert agreed["peer_consent"] is True and agreed["state"] == "pending"
    assert [r["id"] for r in wfm_requests.mine(ctx, t.boris)] == [filed["id"]]
    done = wfm_requests.decide(ctx, t.actor("sveta"), filed["id"], approve=True,
                               reason="ok")
    assert done["state"] == "approved"
    cells = _cells(ctx, sid)
    assert (t.boris, "2026-03-03", "08:00–20:00") in cells
    assert (t.anna, "2026-03-03", "08:00–20:00") not in cells

    # Olga offers day 0 to Anna, who already works that day: refused at once
    with pytest.raises(SwapNotAllowed):
        wfm_requests.file_swap(ctx, t.actor("olga"), client_request_id="s-2", day=DAY0,
                               peer_id=t.anna)
    # a two-way exchange between Boris (day 1 now) and Anna (day 0): rest breaks for
    # nobody (each keeps one shift, 12 h apart at least)
    two_way = wfm_requests.file_swap(ctx, t.actor("boris"), client_request_id="s-3",
                                     day=DAY2, peer_id=t.anna, return_day=DAY0)
    declined = wfm_requests.answer(ctx, t.actor("anna"), two_way["id"], False)
    assert (declined["state"], declined["decided_by"]) == ("refused", t.anna)
    with pytest.raises(InvalidTransition):
        wfm_requests.decide(ctx, t.actor("sveta"), two_way["id"], approve=True)


def test_a_schedule_change_is_checked_again_at_approval(ctx: ServiceContext,
                                                      clock: ManualClock) -> None:
    clock.now = BEFORE
    t = team(ctx)
    wfm_schedules.publish(ctx, schedule())
    swap = wfm_requests.file_swap(ctx, t.actor("anna"), client_request_id="s-1", day=DAY1,
                                  peer_id=t.boris)
    wfm_requests.answer(ctx, t.actor("boris"), swap["id"], True)
    off = wfm_requests.file_time_off(ctx, t.actor("anna"), client_request_id="off-1",
                                     days=[DAY1])
    wfm_requests.decide(ctx, t.actor("sveta"), off["id"], approve=True)
    live = next(r for r in wfm_requests.inbox(ctx) if r["id"] == swap["id"])["live"]
    assert [v["rule"] for v in live["violations"]] == ["no_shift"]
    with pytest.raises(SwapNotAllowed):
        wfm_requests.decide(ctx, t.actor("sveta"), swap["id"], approve=True)
    refused = wfm_requests.decide(ctx, t.actor("sveta"), swap["id"], approve=False,
                                  reason="Anna is off that day")
    assert refused["state"] == "refused" and refused["reason"] == "Anna is off that day"
    # a shift that has started cannot be swapped
    clock.now = datetime(2026, 3, 2, 6, tzinfo=UTC)  # 09:00 Moscow, day 0
    with pytest.raises(InvalidTransition):
        wfm_requests.file_swap(ctx, t.actor("anna"), client_request_id="s-late", day=DAY0,
                               peer_id=t.boris)
    cancelled = wfm_requests.file_time_off(ctx, t.actor("boris"), client_request_id="b-1",
                                           days=[DAY2])
    with pytest.raises(PermissionDenied):
        wfm_requests.cancel(ctx, t.actor("anna"), cancelled["id"])
    assert wfm_requests.cancel(ctx, t.actor("boris"), cancelled["id"])["state"] == "cancelled"
    clock.now += timedelta(days=1)
    with pytest.raises(ValidationFailed):  # Monday is past on Tuesday
        wfm_requests.file_time_off(ctx, t.actor("boris"), client_request_id="b-0",
                                   days=[DAY0])


def test_adherence_reads_the_status_log(ctx: ServiceContext, clock: ManualClock) -> None:
    clock.now = BEFORE
    t = team(ctx)
    wfm_schedules.publish(ctx, schedule())
    msk = timedelta(hours=3)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, 2, hour, minute, tzinfo=UTC) - msk

    clock.now = at(8, 1)  # Anna starts at 08:00: one minute late
    desk.set_status(ctx, t.anna, AgentStatus.AVAILABLE)
    clock.now = at(9, 55)  # Olga logs in early
    desk.set_status(ctx, t.olga, AgentStatus.AVAILABLE)
    clock.now = at(15)
    desk.set_status(ctx, t.olga, AgentStatus.BREAK)
    clock.now = at(15, 20)
    desk.set_status(ctx, t.olga, AgentStatus.AVAILABLE)
    clock.now = at(17, 30)  # leaves half an hour early
    desk.set_status(ctx, t.olga, AgentStatus.OFFLINE)
    clock.now = at(21)
    rows = {r["name"]: r for r in wfm_adherence.adherence(ctx, DAY0)}
    anna, olga = rows["Anna"], rows["Olga"]
    assert (anna["late"], anna["late_minutes"], anna["out_of_adherence_seconds"]) == (
        True, 1, 60)
    assert anna["login_at"] == "2026-03-02T08:01:00+03:00"
    assert (olga["late"], olga["early"], olga["early_minutes"]) == (False, True, 30)
    # an unscheduled 20-minute break (no short break planned: overlong by 20) + 30 min early
    assert olga["overlong_pauses"] == 1
    assert olga["out_of_adherence_seconds"] == 50 * 60
    assert olga["adherence"] == pytest.approx(1 - 50 / 480, abs=1e-4)
    assert [r["name"] for r in wfm_adherence.adherence(ctx, DAY0, t.olga)] == ["Olga"]
    assert wfm_adherence.adherence(ctx, START - timedelta(days=1)) == []


def test_concurrent_approvals_of_one_shift_move_it_once(ctx: ServiceContext,
                                                       clock: ManualClock) -> None:
    """Anna offers her day-1 shift to Boris and to Olga; both agree; two supervisors
    approve at the same moment: the schedule row lock lets one win, the other finds
    the shift gone."""
    clock.now = BEFORE
    t = team(ctx)
    sid = wfm_schedules.publish(ctx, schedule()).schedule_id
    offers = []
    for key, peer, name in (("to-boris", t.boris, "boris"), ("to-olga", t.olga, "olga")):
        offer = wfm_requests.file_swap(ctx, t.actor("anna"), client_request_id=key, day=DAY1,
                                       peer_id=peer)
        wfm_requests.answer(ctx, t.actor(name), offer["id"], True)
        offers.append(offer["id"])
    barrier = threading.Barrier(2)

    def approve(request_id: int) -> str:
        barrier.wait()
        try:
            return str(wfm_requests.decide(ctx, t.actor("sveta"), request_id,
                                           approve=True)["state"])
        except SwapNotAllowed as error:
            return str(error.details["violations"][0]["rule"])

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(approve, offers))
    assert outcomes == ["approved", "no_shift"]
    day1 = [c for c in _cells(ctx, sid) if c[1] == "2026-03-03"]
    assert len(day1) == 1 and day1[0][0] in (t.boris, t.olga)
