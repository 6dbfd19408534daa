"""Swap and time-off requests against published schedules (issue 4 §5).

* Filing: the client names the request with its own id; a repeat with the same id
  returns the first request (``replayed``) and changes nothing, the same id with other
  content is ``idempotency_conflict``. A swap that breaks a rule is refused at once
  (``swap_not_allowed``, nothing stored); shifts that already started cannot be swapped
  and days off cannot be asked for the past. The coverage effect is stored with it.
* The swap's receiver agrees or declines; the author may cancel while pending.
* A supervisor (or admin) approves or refuses with a reason. Approval locks the
  schedule row, checks the rules again on the current shifts and applies the change in
  the same transaction.
* Every transition (filed, answered, cancelled, approved, refused) is appended to the
  audit log (``action`` ``wfm_request_*``).
* The inbox recomputes the effect of each pending request on the current shifts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from helpline.domain.errors import (
    Conflict,
    HelplineError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.wfm_schedules import WFM_MANAGERS, run
from helpline.store.desk_tables import AuditRow
from helpline.store.uow import UnitOfWork
from helpline.store.wfm_repository import WfmRepository, schedule_end
from helpline.store.wfm_tables import WfmRequestRow, WfmScheduleRow
from helpline.wfm.schedule.json_format import operator_to_dict
from helpline.wfm.schedule.model import Problem, Schedule, Shift
from helpline.wfm.schedule.requests import (
    RequestKind,
    RequestState,
    ShiftRequest,
    Swap,
    apply_swap,
    apply_time_off,
    check_days,
    check_swap,
    shift_on,
    time_off_check,
)

MAX_NOTE = 500
MAX_CLIENT_ID = 120


class RequestIdConflict(Conflict):
    """A client request id reused for a different request."""

    error_id = "idempotency_conflict"


def check_client_request_id(value: str) -> str:
    if not value or len(value) > MAX_CLIENT_ID or not value.isprintable() or value != value.strip():
        raise ValidationFailed(f"request_id: 1..{MAX_CLIENT_ID} printable characters",
                               field="request_id")
    return value


def _note(text: str) -> str:
    note = " ".join(text.split())
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"note: at most {MAX_NOTE} characters", field="note")
    return note


def _domain(row: WfmRequestRow) -> ShiftRequest:
    return ShiftRequest(RequestKind(row.kind), row.author_id, RequestState(row.state),
                        row.peer_id, row.peer_consent, row.decided_by, row.reason)


def _audit(uow: UnitOfWork, *, user_id: str, role: str, action: str, row: WfmRequestRow,
           outcome: str, reason: str, now: datetime) -> None:
    params = {"request_id": str(row.id), "kind": row.kind, "schedule_id": str(row.schedule_id),
              "days": ",".join(row.days), "author_id": row.author_id}
    if row.peer_id:
        params["peer_id"] = row.peer_id
    if row.return_day:
        params["return_day"] = row.return_day.isoformat()
    uow.session.add(AuditRow(at=now, user_id=user_id, role=role[:16], action=action,
                             outcome=outcome, msisdn=None, contact_id=None, params=params,
                             verification_level="none", reason=reason))


def _names(repo: WfmRepository, rows: Iterable[WfmRequestRow]) -> dict[str, str]:
    ids: set[str] = set()
    for r in rows:
        ids.update(x for x in (r.author_id, r.peer_id, r.decided_by) if x)
    return repo.names(ids)


def view(row: WfmRequestRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id, "request_id": row.client_request_id, "schedule_id": row.schedule_id,
        "kind": row.kind, "state": row.state, "author_id": row.author_id,
        "author_name": names.get(row.author_id, row.author_id), "days": list(row.days),
        "peer_id": row.peer_id, "peer_name": names.get(row.peer_id) if row.peer_id else None,
        "return_day": row.return_day.isoformat() if row.return_day else None,
        "peer_consent": row.peer_consent, "note": row.note, "effect": row.effect,
        "decided_by": row.decided_by,
        "decided_by_name": names.get(row.decided_by) if row.decided_by else None,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reason": row.reason, "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat()}


def _result(uow: UnitOfWork, row: WfmRequestRow, replayed: bool) -> dict[str, Any]:
    out = view(row, _names(WfmRepository(uow.session), [row]))
    out["replayed"] = replayed
    return out


def _local_today(row: WfmScheduleRow, now: datetime) -> date:
    return now.astimezone(ZoneInfo(row.timezone)).date()


def _check_not_started(problem: Problem, shift: Shift | None, now: datetime) -> None:
    if shift is not None and problem.at(shift.start_minute) <= now:
        raise InvalidTransition("the shift has already started",
                                day=problem.day_date(shift.day).isoformat())


def _swap_of(row: WfmRequestRow) -> Swap:
    assert row.peer_id is not None
    return Swap(row.author_id, date.fromisoformat(row.days[0]), row.peer_id, row.return_day)


def _check_started(schedule: Schedule, swap: Swap, now: datetime) -> None:
    p = schedule.problem
    legs = [(swap.giver_id, swap.giver_day)]
    if swap.return_day is not None:
        legs.append((swap.receiver_id, swap.return_day))
    for who, day in legs:
        index = (day - p.start).days
        _check_not_started(p, shift_on(schedule.shifts, who, index), now)


def _file(ctx: ServiceContext, actor: Actor, client_request_id: str,
          same: Callable[[WfmRequestRow], bool],
          create: Callable[[UnitOfWork, WfmRepository, datetime], WfmRequestRow]
          ) -> dict[str, Any]:
    check_client_request_id(client_request_id)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        repo = WfmRepository(uow.session)
        first = repo.request_by_client_id(actor.user_id, client_request_id)
        if first is not None:
            if not same(first):
                raise RequestIdConflict("this request_id was used for another request",
                                        request_id=client_request_id)
            return _result(uow, first, True)
        now = ctx.now()
        row: WfmRequestRow = create(uow, repo, now)
        uow.session.add(row)
        uow.session.flush()
        _audit(uow, user_id=actor.user_id, role=actor.role.value, action="wfm_request_filed",
               row=row, outcome=row.state, reason=row.note, now=now)
        uow.commit()
        return _result(uow, row, False)

    try:
        return run(ctx, work)
    except IntegrityError:  # the same id filed at the same moment: the first one wins
        return run(ctx, work)


def _covering(repo: WfmRepository, days: Sequence[date]) -> WfmScheduleRow:
    row = repo.published_on(days[0])
    if row is None:
        raise NotFound("no published schedule covers this day", day=days[0].isoformat())
    for d in days:
        if not row.start_date <= d < schedule_end(row):
            raise ValidationFailed("the days belong to more than one schedule: file one "
                                   "request per schedule", field="days", day=d.isoformat())
    return row


def file_swap(ctx: ServiceContext, actor: Actor, *, client_request_id: str, day: date,
              peer_id: str, return_day: date | None = None, note: str = "") -> dict[str, Any]:
    """Offer the actor's shift on ``day`` to ``peer_id`` (and take theirs on
    ``return_day``). Refused at once when a rule breaks."""
    text = _note(note)
    swap = Swap(actor.user_id, day, peer_id, return_day)

    def same(row: WfmRequestRow) -> bool:
        return (row.kind == RequestKind.SWAP and row.days == [day.isoformat()]
                and row.peer_id == peer_id and row.return_day == return_day)

    def create(uow: UnitOfWork, repo: WfmRepository, now: datetime) -> WfmRequestRow:
        sch = _covering(repo, [day] if return_day is None else [day, return_day])
        schedule = repo.load(sch)
        check = check_swap(schedule, swap)
        _check_started(schedule, swap, now)
        if not check.allowed:
            apply_swap(schedule, swap)  # raises SwapNotAllowed with the violations
        return WfmRequestRow(
            client_request_id=client_request_id, schedule_id=sch.id, kind=RequestKind.SWAP,
            state=RequestState.PENDING, author_id=actor.user_id, days=[day.isoformat()],
            peer_id=peer_id, return_day=return_day, peer_consent=None, note=text,
            effect=check.effect.to_dict(schedule.problem), reason="", created_at=now,
            updated_at=now)

    return _file(ctx, actor, client_request_id, same, create)


def file_time_off(ctx: ServiceContext, actor: Actor, *, client_request_id: str,
                  days: Sequence[date], note: str = "") -> dict[str, Any]:
    """Ask for ``days`` off (one schedule's days, today or later)."""
    wanted = check_days(days)
    text = _note(note)
    listed = [d.isoformat() for d in wanted]

    def same(row: WfmRequestRow) -> bool:
        return row.kind == RequestKind.TIME_OFF and row.days == listed

    def create(uow: UnitOfWork, repo: WfmRepository, now: datetime) -> WfmRequestRow:
        sch = _covering(repo, wanted)
        if wanted[0] < _local_today(sch, now):
            raise ValidationFailed("days off cannot be asked for the past", field="days")
        pending = repo.requests(states=[RequestState.PENDING], schedule_id=sch.id,
                                involving=actor.user_id)
        for other in pending:
            if other.kind == RequestKind.TIME_OFF and other.author_id == actor.user_id \
                    and set(other.days) & set(listed):
                raise Conflict("a pending time-off request already asks for one of these "
                               "days", request_id=other.id)
        schedule = repo.load(sch)
        check = time_off_check(schedule, actor.user_id, wanted)
        return WfmRequestRow(
            client_request_id=client_request_id, schedule_id=sch.id,
            kind=RequestKind.TIME_OFF, state=RequestState.PENDING, author_id=actor.user_id,
            days=listed, peer_id=None, return_day=None, peer_consent=None, note=text,
            effect=check.effect.to_dict(schedule.problem), reason="", created_at=now,
            updated_at=now)

    return _file(ctx, actor, client_request_id, same, create)


Apply = Callable[[WfmRepository, WfmScheduleRow, WfmRequestRow, datetime], dict[str, Any]]


def _transition(ctx: ServiceContext, actor: Actor, request_id: int, action: str,
                step: Callable[[ShiftRequest], ShiftRequest],
                apply: Apply | None = None) -> dict[str, Any]:
    """Lock the schedule row then the request, move it with ``step`` (pure), apply the
    change with ``apply`` (approvals), record and audit. A repeat changes nothing."""
    def work(uow: UnitOfWork) -> dict[str, Any]:
        repo = WfmRepository(uow.session)
        schedule_id = repo.request(request_id).schedule_id
        sch = repo.schedule_row(schedule_id, lock=True)
        row = repo.request(request_id, lock=True)
        before = _domain(row)
        after: ShiftRequest = step(before)
        if after == before:
            return _result(uow, row, True)
        now = ctx.now()
        if apply is not None and after.state == RequestState.APPROVED:
            row.effect = apply(repo, sch, row, now)
        row.state = after.state.value
        row.peer_consent = after.peer_consent
        row.decided_by = after.decided_by
        row.reason = after.reason
        if after.state != RequestState.PENDING:
            row.decided_at = now
        row.updated_at = now
        _audit(uow, user_id=actor.user_id, role=actor.role.value, action=action, row=row,
               outcome=row.state, reason=row.reason, now=now)
        uow.commit()
        return _result(uow, row, False)

    return run(ctx, work)


def cancel(ctx: ServiceContext, actor: Actor, request_id: int) -> dict[str, Any]:
    """The author withdraws a pending request."""
    return _transition(ctx, actor, request_id, "wfm_request_cancelled",
                       lambda r: r.cancel(actor.user_id))


def answer(ctx: ServiceContext, actor: Actor, request_id: int, accept: bool) -> dict[str, Any]:
    """The swap's receiver agrees (the request waits for a supervisor) or declines."""
    return _transition(ctx, actor, request_id, "wfm_request_answered",
                       lambda r: r.answer(actor.user_id, accept))


def _approve(repo: WfmRepository, sch: WfmScheduleRow, row: WfmRequestRow,
             now: datetime) -> dict[str, Any]:
    """Apply an approved request to the locked schedule; its effect as decided."""
    if sch.status != "published":
        raise InvalidTransition(f"the schedule is {sch.status}", state=sch.status,
                                action="approve")
    schedule = repo.load(sch)
    p = schedule.problem
    if row.kind == RequestKind.SWAP:
        swap = _swap_of(row)
        _check_started(schedule, swap, now)
        _, check = apply_swap(schedule, swap)
        removed = [replace(moved, operator_id=owner) for owner, moved in check.moves]
        repo.replace_shifts(sch, p, removed, [moved for _, moved in check.moves])
        return check.effect.to_dict(p)
    days = [date.fromisoformat(d) for d in row.days]
    after, off = apply_time_off(schedule, row.author_id, days)
    repo.replace_shifts(sch, p, off.removed, [])
    repo.set_operators(sch, [operator_to_dict(o) for o in after.problem.operators])
    return off.effect.to_dict(p)


def decide(ctx: ServiceContext, actor: Actor, request_id: int, *, approve: bool,
           reason: str = "") -> dict[str, Any]:
    """A supervisor's approval (applies the change) or refusal (needs a reason)."""
    if actor.role not in WFM_MANAGERS:
        raise PermissionDenied("supervisors only")
    action = "wfm_request_approved" if approve else "wfm_request_refused"
    return _transition(ctx, actor, request_id, action,
                       lambda r: r.decide(actor.user_id, approve, reason), _approve)


def refuse_for_replaced(uow: UnitOfWork, schedule_id: int, new_id: int, actor: Actor | None,
                        now: datetime) -> None:
    """Refuse the pending requests of a schedule another one supersedes."""
    repo = WfmRepository(uow.session)
    for row in repo.requests(states=[RequestState.PENDING], schedule_id=schedule_id,
                             limit=10_000):
        row.state = RequestState.REFUSED.value
        row.reason = f"the schedule was replaced by #{new_id}"
        row.decided_by = actor.user_id if actor else None
        row.decided_at = now
        row.updated_at = now
        _audit(uow, user_id=actor.user_id if actor else "system",
               role=actor.role.value if actor else "system", action="wfm_request_refused",
               row=row, outcome=row.state, reason=row.reason, now=now)


# -- reading -------------------------------------------------------------------------------
def _live(schedule: Schedule, row: WfmRequestRow) -> dict[str, Any]:
    """The effect and rule violations of a pending request on the current shifts."""
    p = schedule.problem
    try:
        if row.kind == RequestKind.SWAP:
            swap = _swap_of(row)
            check = check_swap(schedule, swap)
            return {"effect": check.effect.to_dict(p),
                    "violations": [v.to_dict() for v in check.violations],
                    "shifts": [_shift_label(p, owner, s) for owner, s in check.moves]}
        off = time_off_check(schedule, row.author_id, [date.fromisoformat(d) for d in row.days])
        return {"effect": off.effect.to_dict(p), "violations": [],
                "shifts": [_shift_label(p, s.operator_id, s) for s in off.removed]}
    except HelplineError as error:
        return {"effect": None, "violations": [{"rule": error.error_id, "message": error.message}],
                "shifts": []}


def _shift_label(p: Problem, owner: str, s: Shift) -> dict[str, Any]:
    return {"agent_id": owner, "day": p.day_date(s.day).isoformat(),
            "start": p.at(s.start_minute).isoformat(), "end": p.at(s.end_minute).isoformat(),
            "label": f"{p.at(s.start_minute):%H:%M}–{p.at(s.end_minute):%H:%M}"}


def inbox(ctx: ServiceContext, *, states: Sequence[str] = ("pending",),
          schedule_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Requests for supervisors, newest first; pending ones with their live effect."""
    allowed = {s.value for s in RequestState}
    if not set(states) <= allowed:
        raise ValidationFailed("unknown request state", field="state", allowed=sorted(allowed))
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit must be 1..1000", field="limit")
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        rows = repo.requests(states=list(states), schedule_id=schedule_id, limit=limit)
        names = _names(repo, rows)
        schedules: dict[int, Schedule] = {}
        out = []
        for row in rows:
            item = view(row, names)
            if row.state == RequestState.PENDING:
                if row.schedule_id not in schedules:
                    schedules[row.schedule_id] = repo.load(repo.schedule_row(row.schedule_id))
                item["live"] = _live(schedules[row.schedule_id], row)
            out.append(item)
        return out


def mine(ctx: ServiceContext, agent_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """Requests the operator filed or was offered, newest first."""
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        rows = repo.requests(involving=agent_id, limit=limit)
        names = _names(repo, rows)
        return [view(r, names) for r in rows]


def get(ctx: ServiceContext, actor: Actor, request_id: int) -> dict[str, Any]:
    """One request: for its author, the colleague it names, and supervisors."""
    with ctx.uow() as uow:
        repo = WfmRepository(uow.session)
        row = repo.request(request_id)
        if actor.role not in WFM_MANAGERS and actor.user_id not in (row.author_id, row.peer_id):
            raise PermissionDenied("not your request")
        return view(row, _names(repo, [row]))
