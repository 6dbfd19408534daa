"""Quality analytics under /api/v1/qa: phrase search across stored transcripts.

Who: QA specialists, supervisors and admins (others get 403 ``permission_denied``). A
query that cannot be read answers 422 ``bad_search_query``; the query language is in
:mod:`helpline.quality.search.query`.

The QA endpoints that return texts (findings, scorecards) answer in the caller's
language as the pages do (:data:`QaLanguage`): ``?lang=ru|en`` when given, else the
user's remembered choice (``/lang/{code}``), else the ``hl_lang`` cookie.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from helpline.domain.errors import PermissionDenied
from helpline.services import qa_search
from helpline.store.repositories import Account
from helpline.web.auth import CurrentAccount, ctx_of
from helpline.web.pages import ui_language

router = APIRouter(prefix="/api/v1/qa", tags=["qa"])


def _qa_reader(account: CurrentAccount) -> Account:
    if account.role not in qa_search.QA_READERS:
        raise PermissionDenied("QA specialists, supervisors and admins only")
    return account


QaReader = Annotated[Account, Depends(_qa_reader)]


def _qa_language(request: Request, account: CurrentAccount,
                 lang: Annotated[Literal["ru", "en"] | None, Query(description=(
                     "language of titles and messages (default: the user's choice, "
                     "then the hl_lang cookie)"))] = None) -> str:
    return lang or ui_language(request, account)


#: ru | en: ``?lang=`` first, then the page's rule (the user's choice, the cookie)
QaLanguage = Annotated[str, Depends(_qa_language)]


@router.get("/search")
def search(
    account: QaReader, request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    speaker: Literal["agent", "customer"] | None = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    channel: Literal["call", "chat"] | None = None,
    since: Annotated[str | None, Query(max_length=40, description=(
        "first day (2026-03-01) or an ISO time with its offset"))] = None,
    until: Annotated[str | None, Query(max_length=40, description=(
        "last day, included (or an ISO time with offset, excluded)"))] = None,
    limit: Annotated[int, Query(ge=1, le=qa_search.MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """Utterances matching ``q`` (word forms, "phrases", NEAR/n, -exclusions, OR), best
    first, with the contact, the time in the recording and a highlighted snippet."""
    filters = qa_search.SearchFilters(
        speaker=speaker, agent_id=agent, queue_id=queue, channel=channel,
        since=qa_search.parse_when(since, "since"), until=qa_search.parse_when(until, "until"))
    return qa_search.search(ctx_of(request), q, filters, limit).to_json()
