"""Every error leaves as ``{"error_id", "message", "details"}`` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpline.domain.errors import HelplineError

log = logging.getLogger(__name__)

_HTTP_IDS = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied",
             404: "not_found", 405: "method_not_allowed", 409: "conflict",
             413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_failed",
             429: "rate_limited"}


def error_body(error_id: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error_id": error_id, "message": message, "details": details or {}}


def install(app: FastAPI) -> None:
    @app.exception_handler(HelplineError)
    async def _domain(_: Request, error: HelplineError) -> JSONResponse:
        return JSONResponse(error_body(error.error_id, error.message, error.details),
                            status_code=error.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
                     "type": e.get("type", "")} for e in error.errors()]
        return JSONResponse(error_body("validation_failed", "request is not valid",
                                       {"errors": problems}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        error_id = _HTTP_IDS.get(error.status_code, "http_error")
        return JSONResponse(error_body(error_id, str(error.detail)),
                            status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        return JSONResponse(error_body("internal_error", "internal error"), status_code=500)
