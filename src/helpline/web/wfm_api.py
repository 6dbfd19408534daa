"""Workforce management under /api/v1/wfm, the WFM page (/wfm) and "My schedule"
(/desk/schedule).

Who: ``/me/...`` — any signed-in user, about themselves only (their shifts, the requests
they filed or were offered); everything else — supervisors and admins. Filing answers
201, and 200 with ``replayed: true`` when the client's ``request_id`` was already used
(the first request, nothing changed). A swap that breaks a rule: 409
``swap_not_allowed`` with ``details.violations``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from helpline.domain.errors import PermissionDenied
from helpline.services import wfm_adherence, wfm_planning, wfm_requests, wfm_schedules
from helpline.services.audit import Actor
from helpline.services.wfm_schedules import WFM_MANAGERS
from helpline.store.repositories import Account
from helpline.web.auth import CurrentAccount, ctx_of
from helpline.web.i18n import strings
from helpline.web.pages import _account, render, ui_language
from helpline.web.wfm_schemas import (
    AnswerIn,
    ApproveIn,
    PlanIn,
    PublishIn,
    RefuseIn,
    SwapIn,
    TimeOffIn,
)
from helpline.wfm.page_charts import coverage_svg, forecast_svg

api = APIRouter(prefix="/api/v1/wfm", tags=["wfm"])
pages = APIRouter(include_in_schema=False)
SVG = "image/svg+xml"
States = Literal["pending", "approved", "refused", "cancelled"]


def _manager(account: CurrentAccount) -> Account:
    if account.role not in WFM_MANAGERS:
        raise PermissionDenied("supervisors and admins only")
    return account


Manager = Annotated[Account, Depends(_manager)]


def _actor(account: Account) -> Actor:
    return Actor(account.id, account.role)


def _filed(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    response.status_code = 200 if result["replayed"] else 201
    return result


# -- operators: about themselves -------------------------------------------------------------
@api.get("/me/shifts")
def my_shifts(account: CurrentAccount, request: Request, date_from: date | None = None,
              date_to: date | None = None) -> dict[str, Any]:
    """Your published shifts (default: today and 13 days on), days off, colleagues."""
    return wfm_schedules.my_shifts(ctx_of(request), account.id, date_from, date_to)


@api.get("/me/requests")
def my_requests(account: CurrentAccount, request: Request) -> list[dict[str, Any]]:
    """Requests you filed or a colleague offered you, newest first."""
    return wfm_requests.mine(ctx_of(request), account.id)


@api.post("/me/requests/swap", status_code=201)
def file_swap(body: SwapIn, account: CurrentAccount, request: Request,
              response: Response) -> dict[str, Any]:
    """Offer your shift on ``day`` to a colleague (two-way with ``return_day``)."""
    return _filed(response, wfm_requests.file_swap(
        ctx_of(request), _actor(account), client_request_id=body.request_id, day=body.day,
        peer_id=body.peer_id, return_day=body.return_day, note=body.note))


@api.post("/me/requests/time-off", status_code=201)
def file_time_off(body: TimeOffIn, account: CurrentAccount, request: Request,
                  response: Response) -> dict[str, Any]:
    """Ask for days off; the coverage effect is computed and kept with the request."""
    return _filed(response, wfm_requests.file_time_off(
        ctx_of(request), _actor(account), client_request_id=body.request_id, days=body.days,
        note=body.note))


@api.post("/me/requests/{request_id}/cancel")
def cancel_request(request_id: int, account: CurrentAccount, request: Request
                   ) -> dict[str, Any]:
    """Withdraw your pending request."""
    return wfm_requests.cancel(ctx_of(request), _actor(account), request_id)


@api.post("/me/requests/{request_id}/answer")
def answer_request(request_id: int, body: AnswerIn, account: CurrentAccount,
                   request: Request) -> dict[str, Any]:
    """Agree to (or decline) a swap a colleague offered you."""
    return wfm_requests.answer(ctx_of(request), _actor(account), request_id, body.accept)


@api.get("/me/adherence")
def my_adherence(account: CurrentAccount, request: Request, day: date | None = None
                 ) -> list[dict[str, Any]]:
    """Your adherence on ``day`` (default today)."""
    ctx = ctx_of(request)
    on = day or ctx.now().astimezone(ctx.timezone).date()
    return wfm_adherence.adherence(ctx, on, account.id)


@api.get("/requests/{request_id}")
def get_request(request_id: int, account: CurrentAccount, request: Request) -> dict[str, Any]:
    """One request: its author, the colleague it names, supervisors."""
    return wfm_requests.get(ctx_of(request), _actor(account), request_id)


# -- supervisors ----------------------------------------------------------------------------
@api.get("/schedules")
def list_schedules(account: Manager, request: Request) -> list[dict[str, Any]]:
    return wfm_schedules.list_schedules(ctx_of(request))


@api.get("/schedules/{schedule_id}")
def schedule_detail(schedule_id: int, account: Manager, request: Request) -> dict[str, Any]:
    """Operators, days and shifts (the grid) with the coverage summary."""
    return wfm_schedules.schedule_detail(ctx_of(request), schedule_id)


@api.post("/schedules/{schedule_id}/publish")
def publish_schedule(schedule_id: int, body: PublishIn, account: Manager,
                     request: Request) -> dict[str, Any]:
    """Publish a draft."""
    return wfm_schedules.publish_draft(ctx_of(request), schedule_id, _actor(account),
                                       replace_published=body.replace).to_json()


@api.post("/plan", status_code=201)
def plan(body: PlanIn, account: Manager, request: Request) -> dict[str, Any]:
    """Forecast from a history CSV, staff it, schedule the operators (default: the
    published schedule's) and store the result as a draft (201): its id and the forecast,
    requirement and schedule summaries. Takes a few seconds plus the solver's time."""
    return wfm_planning.plan(ctx_of(request), actor=_actor(account), **body.model_dump())


@api.get("/schedules/{schedule_id}/coverage")
def coverage(schedule_id: int, account: Manager, request: Request,
             skill: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    """Requirement, served and scheduled agents per interval (all skills, or one)."""
    return wfm_schedules.coverage_series(ctx_of(request), schedule_id, skill or None)


@api.get("/schedules/{schedule_id}/coverage.svg")
def coverage_chart(schedule_id: int, account: Manager, request: Request,
                   skill: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    t = strings(ui_language(request, account))
    data = wfm_schedules.coverage_series(ctx_of(request), schedule_id, skill or None)
    svg = coverage_svg(datetime.fromisoformat(data["start"]), data["interval_minutes"],
                       data["need"], data["scheduled"], served=data["served"],
                       title=t["wfm_coverage_chart"] + (f": {skill}" if skill else ""),
                       legend=t["wfm_coverage_legend"])
    return Response(svg, media_type=SVG, headers={"Cache-Control": "no-store"})


@api.get("/schedules/{schedule_id}/forecast")
def forecast(schedule_id: int, account: Manager, request: Request) -> list[dict[str, Any]]:
    """The forecast attached when the schedule was published (may be empty)."""
    return wfm_schedules.forecast_series(ctx_of(request), schedule_id)


@api.get("/schedules/{schedule_id}/forecast.svg")
def forecast_chart(schedule_id: int, account: Manager, request: Request) -> Response:
    t = strings(ui_language(request, account))
    points = [(datetime.fromisoformat(p["interval_start"]), p["forecast"], p["lo"], p["hi"])
              for p in wfm_schedules.forecast_series(ctx_of(request), schedule_id)]
    svg = forecast_svg(points, title=t["wfm_forecast_chart"] if points
                       else t["wfm_no_forecast"], legend=t["wfm_forecast_legend"])
    return Response(svg, media_type=SVG, headers={"Cache-Control": "no-store"})


@api.get("/requests")
def inbox(account: Manager, request: Request,
          state: Annotated[list[States] | None, Query()] = None,
          schedule_id: int | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Requests newest first (default: pending); pending ones carry ``live``: the
    coverage effect and rule violations on the current shifts."""
    return wfm_requests.inbox(ctx_of(request), states=state or ["pending"],
                              schedule_id=schedule_id, limit=limit)


@api.post("/requests/{request_id}/approve")
def approve(request_id: int, body: ApproveIn, account: Manager, request: Request
            ) -> dict[str, Any]:
    """Approve: the swap or the days off are applied to the schedule at once."""
    return wfm_requests.decide(ctx_of(request), _actor(account), request_id, approve=True,
                               reason=body.reason)


@api.post("/requests/{request_id}/refuse")
def refuse(request_id: int, body: RefuseIn, account: Manager, request: Request
           ) -> dict[str, Any]:
    return wfm_requests.decide(ctx_of(request), _actor(account), request_id, approve=False,
                               reason=body.reason)


@api.get("/adherence")
def adherence(account: Manager, request: Request, day: date | None = None,
              agent_id: Annotated[str | None, Query(max_length=36)] = None
              ) -> list[dict[str, Any]]:
    """Adherence per operator on ``day`` (default today), as of now."""
    ctx = ctx_of(request)
    on = day or ctx.now().astimezone(ctx.timezone).date()
    return wfm_adherence.adherence(ctx, on, agent_id or None)


# -- pages ----------------------------------------------------------------------------------
@pages.get("/wfm")
def wfm_page(request: Request) -> Any:
    account = _account(request)
    if account is None:
        return RedirectResponse("/login?next=" + quote("/wfm"), status_code=303)
    if account.role not in WFM_MANAGERS:
        response = render(request, "index.html", account)
        response.status_code = 403
        return response
    ctx = ctx_of(request)
    return render(request, "wfm.html", account,
                  schedule_id=wfm_schedules.current_schedule_id(ctx),
                  today=ctx.now().astimezone(ctx.timezone).date().isoformat())


@pages.get("/desk/schedule")
def my_schedule_page(request: Request) -> Any:
    account = _account(request)
    if account is None:
        return RedirectResponse("/login?next=" + quote("/desk/schedule"), status_code=303)
    return render(request, "my_schedule.html", account)


#: What ``web/app.py`` includes: the API and the pages.
router = APIRouter()
router.include_router(api)
router.include_router(pages)
