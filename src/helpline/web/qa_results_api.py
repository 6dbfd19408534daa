"""Analysed contacts under /api/v1/qa and the QA page /qa.

* ``GET /api/v1/qa/contacts`` — analysed contacts, newest first; filters ``agent``,
  ``channel``, ``since`` / ``until`` (days or ISO times with offset), ``rule`` (only
  contacts where that rule failed), ``passed``; ``limit`` / ``offset``.
* ``GET /api/v1/qa/contacts/{contact}`` — one contact: timeline, findings with evidence,
  the transcript (redacted unless ``HELPLINE_QA_REVEAL_ROLES`` names the caller's role);
  each finding's ``title`` and ``message`` in the caller's language (``?lang=ru|en``,
  else the user's choice), beside the stable ``rule``, ``kind``, ``message_key`` and
  ``params``.
* ``GET /api/v1/qa/contacts/{contact}/timeline.svg`` — the timeline as a picture.

Who: QA specialists, supervisors and admins (others get 403 ``permission_denied``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from helpline.domain.errors import HelplineError
from helpline.quality.transcripts.redaction import RevealPolicy
from helpline.services import qa_results, qa_search
from helpline.store.repositories import Account
from helpline.web.auth import ctx_of
from helpline.web.i18n import strings
from helpline.web.pages import _account, render, ui_language
from helpline.web.qa_api import QaLanguage, QaReader

api = APIRouter(prefix="/api/v1/qa", tags=["qa"])
pages = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
SCORECARD_JS = "qa_scorecard.js"
_TIMELINE_KEYS = ("title", "agent", "customer", "mixed", "hold", "late_hold", "silence",
                  "dead_air", "overtalk", "findings", "interrupter")

def _policy(request: Request) -> RevealPolicy:
    roles = request.app.state.container.settings.qa_reveal_roles
    return RevealPolicy.of(roles.split(","))


def timeline_labels(lang: str) -> dict[str, str]:
    t = strings(lang)
    return {key: t[f"qa_tl_{key}"] for key in _TIMELINE_KEYS}


@api.get("/contacts")
def contacts(
    account: QaReader, request: Request,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    channel: Literal["call", "chat"] | None = None,
    since: Annotated[str | None, Query(max_length=40, description=(
        "first day (2026-03-01) or an ISO time with its offset"))] = None,
    until: Annotated[str | None, Query(max_length=40, description=(
        "last day, included (or an ISO time with offset, excluded)"))] = None,
    rule: Annotated[str | None, Query(max_length=64, description=(
        "only contacts where this rule failed"))] = None,
    passed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=qa_results.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Analysed contacts, newest first, each with the rules it failed."""
    filters = qa_results.ListFilters(
        agent_id=agent or None, channel=channel, failed_rule=rule or None, passed=passed,
        since=qa_search.parse_when(since, "since"), until=qa_search.parse_when(until, "until"))
    return qa_results.list_contacts(ctx_of(request), filters, limit=limit, offset=offset)


@api.get("/contacts/{contact}")
def contact(contact: str, account: QaReader, language: QaLanguage,
            request: Request) -> dict[str, Any]:
    """Timeline, findings (with evidence; titles and messages in the caller's language)
    and transcript of one analysed contact."""
    return qa_results.contact(ctx_of(request), contact, role=account.role.value,
                              policy=_policy(request), language=language)


@api.get("/contacts/{contact}/timeline.svg", response_class=Response,
         responses={200: {"content": {"image/svg+xml": {}}}})
def timeline(contact: str, account: QaReader, language: QaLanguage,
             request: Request) -> Response:
    """Speech per side, holds, silences and dead air, over-talk and failed rules on a
    time axis."""
    svg = qa_results.timeline_svg(ctx_of(request), contact, timeline_labels(language),
                                  language)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-store"})


@pages.get("/qa")
def qa_page(request: Request,
            contact: Annotated[str | None, Query(max_length=200)] = None) -> Any:
    """Search, the analysed contacts and, with ``?contact=…``, one contact: its timeline
    (inline SVG drawn here), findings, transcript and the scorecard panel."""
    account: Account | None = _account(request)
    if account is None:
        target = "/qa" + (f"?contact={quote(contact)}" if contact else "")
        return RedirectResponse("/login?next=" + quote(target), status_code=303)
    if account.role not in qa_search.QA_READERS:
        response = render(request, "index.html", account)
        response.status_code = 403
        return response
    svg, missing = None, False
    if contact:
        language = ui_language(request, account)
        try:
            svg = qa_results.timeline_svg(ctx_of(request), contact,
                                          timeline_labels(language), language)
        except HelplineError:
            missing = True
    return render(request, "qa.html", account, contact=contact or "", timeline_svg=svg,
                  missing=missing, scorecard_js=(STATIC / SCORECARD_JS).exists())


#: What ``web/app.py`` includes: the API and the page.
router = APIRouter()
router.include_router(api)
router.include_router(pages)
