"""The desk's single window under /api/v1/desk: customer card, verification, actions;
the audit log for supervisors (API and the /audit page).

Who: an agent only for contacts offered or assigned to them
(:func:`helpline.services.desk.check_can_see`), supervisors, QA and admins for all;
the audit log — supervisors and admins. Changing actions answer 201, and 200 when the
idempotency key was already used (the first result, nothing changed). Every action
answers with the id of its audit entry. Below the needed level: 403
``verification_required`` with ``details.needed`` / ``details.current``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import RedirectResponse

from helpline.domain.agents import Role
from helpline.domain.errors import PermissionDenied, ValidationFailed
from helpline.services import audit, customer_card, desk_actions, verification
from helpline.services.audit import Actor
from helpline.services.keys import document_key
from helpline.services.verification import CodeSender, SmsUnavailable, Subject
from helpline.store.repositories import Account
from helpline.web.auth import CurrentAccount, ctx_of
from helpline.web.card_schemas import (
    ActionOut,
    AuditOut,
    ChangeIn,
    CodeCheckIn,
    CodeIssueIn,
    ComplaintIn,
    DocumentIn,
    OnLine,
    ReasonIn,
    RenewIn,
    ServiceIn,
    StepOut,
    TariffChangeIn,
)
from helpline.web.pages import _account, render

api = APIRouter(prefix="/api/v1/desk", tags=["desk"])
pages = APIRouter(include_in_schema=False)
AUDIT_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                 max_length=120)]


def _auditor(account: CurrentAccount) -> Account:
    if account.role not in AUDIT_READERS:
        raise PermissionDenied("supervisors and admins only")
    return account


Auditor = Annotated[Account, Depends(_auditor)]


def _actor(account: Account) -> Actor:
    return Actor(account.id, account.role)


def _key(request: Request) -> bytes:
    return document_key(request.app.state.container.settings.secret_key)


def _subject(request: Request, account: Account, contact_id: str, body: OnLine) -> Subject:
    return verification.resolve(ctx_of(request), _actor(account), contact_id, body.msisdn)


def _idempotency(header: str | None, body: ChangeIn) -> str:
    if header is not None and body.idempotency_key is not None \
            and header != body.idempotency_key:
        raise ValidationFailed("Idempotency-Key header and body idempotency_key differ",
                               field="idempotency_key")
    key = header or body.idempotency_key
    if key is None:
        raise ValidationFailed("an idempotency key is required (Idempotency-Key header or "
                               "body idempotency_key)", field="idempotency_key")
    return key


def _code_sender(request: Request) -> CodeSender:
    """Tests put a fake on ``app.state.desk_code_sender``; demo mode logs the SMS."""
    sender: CodeSender | None = getattr(request.app.state, "desk_code_sender", None)
    if sender is not None:
        return sender
    if request.app.state.container.settings.demo:
        return verification.log_code_sender
    raise SmsUnavailable("no SMS gateway is configured for one-time codes")


def _action_out(response: Response, done: desk_actions.ActionResult,
                puk: str | None = None) -> ActionOut:
    response.status_code = 200 if done.replayed else 201
    return ActionOut(**done.to_json(), puk=puk)


# -- card and verification ---------------------------------------------------------------
@api.get("/contacts/{contact_id}/card")
def get_card(contact_id: str, account: CurrentAccount, request: Request,
             msisdn: Annotated[str | None, Query(min_length=5, max_length=32)] = None
             ) -> dict[str, Any]:
    """The customer card at the caller's verification level (sections above it are null)."""
    body = customer_card.card(ctx_of(request), _actor(account), contact_id, msisdn)
    body["catalogue"] = {"services": desk_actions.SERVICE_CATALOGUE,
                         "complaint_sla_hours": desk_actions.COMPLAINT_SLA_HOURS}
    return body


@api.post("/contacts/{contact_id}/verification/number")
def match_number(contact_id: str, body: OnLine, account: CurrentAccount,
                 request: Request) -> StepOut:
    subject = _subject(request, account, contact_id, body)
    return StepOut(**verification.match_number(ctx_of(request), _actor(account),
                                               subject).to_json())


@api.post("/contacts/{contact_id}/verification/document")
def verify_document(contact_id: str, body: DocumentIn, account: CurrentAccount,
                    request: Request) -> StepOut:
    subject = _subject(request, account, contact_id, body)
    done = verification.verify_document(ctx_of(request), _actor(account), subject,
                                        body.document_number, _key(request))
    return StepOut(**done.to_json())


@api.post("/contacts/{contact_id}/verification/code")
def issue_code(contact_id: str, body: CodeIssueIn, account: CurrentAccount,
               request: Request) -> StepOut:
    send = _code_sender(request)
    subject = _subject(request, account, contact_id, body)
    done = verification.issue_code(ctx_of(request), _actor(account), subject, _key(request),
                                   send, language=body.language)
    return StepOut(**done.to_json())


@api.post("/contacts/{contact_id}/verification/code/check")
def check_code(contact_id: str, body: CodeCheckIn, account: CurrentAccount,
               request: Request) -> StepOut:
    subject = _subject(request, account, contact_id, body)
    done = verification.enter_code(ctx_of(request), _actor(account), subject, body.code,
                                   _key(request))
    return StepOut(**done.to_json())


# -- actions ------------------------------------------------------------------------------
@api.post("/contacts/{contact_id}/actions/enable-service", status_code=201)
def enable_service(contact_id: str, body: ServiceIn, account: CurrentAccount,
                   request: Request, response: Response,
                   header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.set_service(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        body.service, enabled=True, key=_idempotency(header, body), reason=body.reason)
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/disable-service", status_code=201)
def disable_service(contact_id: str, body: ServiceIn, account: CurrentAccount,
                    request: Request, response: Response,
                    header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.set_service(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        body.service, enabled=False, key=_idempotency(header, body), reason=body.reason)
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/change-tariff", status_code=201)
def change_tariff(contact_id: str, body: TariffChangeIn, account: CurrentAccount,
                  request: Request, response: Response,
                  header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.change_tariff(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        body.tariff_code, key=_idempotency(header, body), reason=body.reason)
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/renew-package", status_code=201)
def renew_package(contact_id: str, body: RenewIn, account: CurrentAccount,
                  request: Request, response: Response,
                  header: IdempotencyHeader = None) -> ActionOut:
    """Renew on the customer's behalf (billing channel ``desk``); a billing refusal is
    a result with ``renewed: false`` and ``refusal``."""
    done = desk_actions.renew_package(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        key=_idempotency(header, body), reason=body.reason, confirmed=body.confirmed)
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/block-line", status_code=201)
def block_line(contact_id: str, body: ReasonIn, account: CurrentAccount, request: Request,
               response: Response, header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.block(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        reason=body.reason, key=_idempotency(header, body))
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/unblock-line", status_code=201)
def unblock_line(contact_id: str, body: ReasonIn, account: CurrentAccount,
                 request: Request, response: Response,
                 header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.unblock(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        reason=body.reason, key=_idempotency(header, body))
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/file-complaint", status_code=201)
def file_complaint(contact_id: str, body: ComplaintIn, account: CurrentAccount,
                   request: Request, response: Response,
                   header: IdempotencyHeader = None) -> ActionOut:
    done = desk_actions.file_complaint(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        category=body.category, description=body.description,
        key=_idempotency(header, body), reason=body.reason)
    return _action_out(response, done)


@api.post("/contacts/{contact_id}/actions/reveal-puk")
def reveal_puk(contact_id: str, body: ReasonIn, account: CurrentAccount,
               request: Request) -> ActionOut:
    """The PUK, for reading out once; the audit entry never contains it."""
    done, puk = desk_actions.reveal_puk(
        ctx_of(request), _actor(account), _subject(request, account, contact_id, body),
        reason=body.reason)
    return ActionOut(**done.to_json(), puk=puk)


# -- audit ------------------------------------------------------------------------------
@api.get("/audit")
def audit_log(account: Auditor, request: Request,
              msisdn: Annotated[str | None, Query(max_length=32)] = None,
              user_id: Annotated[str | None, Query(max_length=36)] = None,
              action: Annotated[str | None, Query(max_length=32)] = None,
              contact_id: Annotated[str | None, Query(max_length=36)] = None,
              date_from: date | None = None, date_to: date | None = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100,
              before_id: Annotated[int | None, Query(ge=1)] = None) -> list[AuditOut]:
    """The audit log, newest first (supervisors and admins). It cannot be edited."""
    found = audit.search(ctx_of(request), msisdn=msisdn or None, user_id=user_id or None,
                         action=action or None, contact_id=contact_id or None,
                         date_from=date_from, date_to=date_to, limit=limit,
                         before_id=before_id)
    return [AuditOut(**entry.to_json()) for entry in found]


@api.get("/complaints")
def complaints(account: Auditor, request: Request,
               queue: Annotated[str, Query(max_length=64)] = "tech",
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Open complaints of a technical queue, soonest due first (supervisors, admins)."""
    return desk_actions.open_complaints(ctx_of(request), queue=queue, limit=limit)


@pages.get("/audit")
def audit_page(request: Request) -> Any:
    account = _account(request)
    if account is None:
        return RedirectResponse("/login?next=" + quote("/audit"), status_code=303)
    if account.role not in AUDIT_READERS:
        response = render(request, "index.html", account)
        response.status_code = 403
        return response
    return render(request, "audit.html", account)


#: What ``web/app.py`` includes: the API and the page.
router = APIRouter()
router.include_router(api)
router.include_router(pages)
