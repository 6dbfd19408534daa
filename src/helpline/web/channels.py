"""Gateway webhooks: ``POST /channels/ussd`` and ``POST /channels/sms``.

Called by the operator's USSD/SMS gateway, not by signed-in users: the header
``X-Gateway-Token`` must equal ``HELPLINE_GATEWAY_TOKEN``. Without a configured token
the endpoints are open only in demo mode (``HELPLINE_DEMO=1``) and refuse otherwise.

USSD follows the Africa's Talking convention: form fields ``sessionId``,
``serviceCode``, ``phoneNumber``, ``networkCode``, ``text`` (inputs joined by ``*``),
optional ``language``; the answer is ``text/plain`` ``CON <screen>`` or ``END <screen>``.
SMS: ``from``, ``to``, ``text``, ``message_id`` (or ``id``), optional ``language``, as a
form or JSON; the answer is JSON with the queued reply.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from helpline.domain.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from helpline.services.selfservice import (
    InboundSms,
    StoreSmsSender,
    UssdRequest,
    handle_sms,
    handle_ussd,
)
from helpline.services.selfservice.texts import text
from helpline.web.auth import ctx_of

log = logging.getLogger(__name__)
MAX_FIELD = 2000


class GatewaySettings(BaseSettings):
    """``HELPLINE_GATEWAY_TOKEN`` and ``HELPLINE_SELFSERVICE_LANGUAGE`` (default ``ru``)."""

    model_config = SettingsConfigDict(env_prefix="HELPLINE_", extra="ignore")

    gateway_token: str = ""
    selfservice_language: str = "ru"


def gateway_settings(request: Request) -> GatewaySettings:
    """Read from the environment on first use; tests may set ``app.state.gateway``."""
    found = getattr(request.app.state, "gateway", None)
    if not isinstance(found, GatewaySettings):
        found = request.app.state.gateway = GatewaySettings()
    return found


Gateway = Annotated[GatewaySettings, Depends(gateway_settings)]


def check_gateway(request: Request, gateway: Gateway) -> None:
    """The shared secret, compared in constant time (see the module docstring)."""
    if not gateway.gateway_token:
        if request.app.state.container.settings.demo:
            return
        raise PermissionDenied("set HELPLINE_GATEWAY_TOKEN to accept gateway requests")
    given = request.headers.get("x-gateway-token", "")
    if not hmac.compare_digest(given.encode(), gateway.gateway_token.encode()):
        raise NotAuthenticated("missing or wrong X-Gateway-Token")


router = APIRouter(prefix="/channels", tags=["channels"],
                   dependencies=[Depends(check_gateway)])


def _field(data: Any, *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if value is not None:
            return value if isinstance(value, str) else str(value)
    return None


@router.post("/ussd", response_class=PlainTextResponse)
async def ussd(request: Request, gateway: Gateway) -> PlainTextResponse:
    """One USSD step: ``CON``/``END`` + the screen (malformed requests get 400 ``END``)."""
    try:
        form: Any = await request.form()
    except Exception:  # a body that is not a form at all
        form = {}
    fields = {k: _field(form, k) for k in ("sessionId", "serviceCode", "phoneNumber",
                                            "networkCode", "text", "language")}
    language = fields["language"] or gateway.selfservice_language
    if not (fields["sessionId"] and fields["serviceCode"] and fields["phoneNumber"]) \
            or any(len(v) > MAX_FIELD for v in fields.values() if v):
        return PlainTextResponse("END " + text("failed", language), status_code=400)
    typed = fields["text"] or ""
    call = UssdRequest(session_id=fields["sessionId"] or "", msisdn=fields["phoneNumber"] or "",
                       service_code=fields["serviceCode"] or "",
                       network_code=fields["networkCode"] or "",
                       inputs=typed.split("*") if typed else [])
    try:
        reply = await run_in_threadpool(handle_ussd, ctx_of(request), call, language)
    except Exception:
        log.exception("USSD request failed")
        return PlainTextResponse("END " + text("failed", language), status_code=503)
    return PlainTextResponse(("END " if reply.end else "CON ") + reply.text)


async def _payload(request: Request) -> Any:
    if "json" in request.headers.get("content-type", ""):
        try:
            return await request.json()
        except ValueError as error:
            raise ValidationFailed("body is not valid JSON") from error
    try:
        return await request.form()
    except Exception as error:
        raise ValidationFailed("body is not a valid form") from error


@router.post("/sms")
async def sms(request: Request, gateway: Gateway) -> dict[str, Any]:
    """An inbound SMS; answers with the reply queued in ``sms_outbox``."""
    data = await _payload(request)
    if not hasattr(data, "get"):
        raise ValidationFailed("expected an object with from, to, text, message_id")
    message_id, sender, to = (_field(data, "message_id", "id"), _field(data, "from"),
                              _field(data, "to"))
    missing = [n for n, v in (("message_id", message_id), ("from", sender), ("to", to)) if not v]
    if missing:
        raise ValidationFailed("missing fields: " + ", ".join(missing), fields=missing)
    inbound = InboundSms(message_id or "", sender or "", to or "", _field(data, "text") or "")
    ctx = ctx_of(request)
    reply = await run_in_threadpool(handle_sms, ctx, inbound, StoreSmsSender(ctx),
                                    _field(data, "language") or gateway.selfservice_language)
    return {"message_id": reply.message_id, "reply": reply.text, "outbox_id": reply.outbox_id,
            "duplicate": reply.duplicate, "outcome": reply.outcome}
