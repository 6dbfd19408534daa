"""HTML pages: customer chat, agent desk, supervisor board, login, language switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from helpline.domain.agents import SUPERVISING_ROLES
from helpline.domain.errors import HelplineError
from helpline.services import accounts
from helpline.store.repositories import Account
from helpline.web.auth import ctx_of, optional_account
from helpline.web.i18n import LANGUAGES, strings

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LANG_COOKIE = "hl_lang"


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def ui_language(request: Request, account: Account | None) -> str:
    if account is not None:
        return account.ui_language
    lang = request.cookies.get(LANG_COOKIE, "ru")
    return lang if lang in LANGUAGES else "ru"


def render(request: Request, name: str, account: Account | None, **extra: Any) -> HTMLResponse:
    lang = ui_language(request, account)
    t = strings(lang)
    return templates.TemplateResponse(request, name, {
        "t": t, "t_json": json.dumps(t, ensure_ascii=False), "lang": lang,
        "account": account, "path": request.url.path, **extra})


def _account(request: Request) -> Account | None:
    try:
        return optional_account(request)
    except HelplineError:
        return None


@router.get("/")
def home(request: Request) -> HTMLResponse:
    return render(request, "index.html", _account(request))


@router.get("/chat")
def chat_page(request: Request) -> HTMLResponse:
    return render(request, "chat.html", _account(request))


@router.get("/login")
def login_page(request: Request, next: str = "/desk") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
def login_submit(request: Request, username: Annotated[str, Form(max_length=64)],
                 password: Annotated[str, Form(max_length=256)],
                 next: Annotated[str, Form(max_length=200)] = "/desk") -> Response:
    try:
        account = accounts.authenticate(ctx_of(request), username, password)
    except HelplineError as error:
        response = render(request, "login.html", None, next=_safe_next(next),
                          error=error.message)
        response.status_code = 401
        return response
    request.session.clear()
    request.session["agent_id"] = account.id
    target = _safe_next(next)
    if target == "/desk" and account.role in SUPERVISING_ROLES:
        target = "/board"
    return RedirectResponse(target, status_code=303)


@router.get("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/desk")
def desk_page(request: Request) -> Response:
    account = _account(request)
    if account is None:
        return RedirectResponse("/login?next=" + quote("/desk"), status_code=303)
    return render(request, "desk.html", account)


@router.get("/board")
def board_page(request: Request) -> Response:
    account = _account(request)
    if account is None:
        return RedirectResponse("/login?next=" + quote("/board"), status_code=303)
    if account.role not in SUPERVISING_ROLES:
        response = render(request, "index.html", account)
        response.status_code = 403
        return response
    return render(request, "board.html", account)


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str = "/") -> RedirectResponse:
    """Switch the UI language; remembered per user (and in a cookie for visitors)."""
    lang = code if code in LANGUAGES else "ru"
    account = _account(request)
    if account is not None:
        accounts.set_ui_language(ctx_of(request), account.id, lang)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
