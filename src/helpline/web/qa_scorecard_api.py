"""Scorecards under /api/v1/qa (issue 5 §5).

* ``GET  /api/v1/qa/contacts/{contact}/scorecard`` — the contact's scorecard (items with
  automatic, override and final values, the score); ``template`` / ``version`` pick one
  of several.
* ``POST /api/v1/qa/contacts/{contact}/scorecard`` — fill it from the stored findings
  (again: new automatic values, overrides kept); body ``{"template", "version"}``, both
  optional.
* ``POST /api/v1/qa/contacts/{contact}/scorecard/items/{item}`` — override an item:
  ``{"value": "passed|failed|not_applicable", "comment": "..."}``; audited.
* ``GET  /api/v1/qa/sample?month=2026-11&per_operator=7`` — the monthly sample per
  operator (a half that has ended is recorded the first time it is read).
* ``GET  /api/v1/qa/report?month=2026-11&agent=…&template=…`` — per-operator monthly
  report.

Who: QA specialists, supervisors and admins read; QA specialists and admins score and
override (others get 403 ``permission_denied``).

Item titles, the automatic values' reasons and the findings' notes are in the caller's
language: ``?lang=ru|en``, else the user's choice, else the ``hl_lang`` cookie.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from helpline.domain.errors import PermissionDenied
from helpline.services import qa_scorecards
from helpline.services.audit import Actor
from helpline.store.repositories import Account
from helpline.web.auth import ctx_of
from helpline.web.qa_api import QaLanguage, QaReader

router = APIRouter(prefix="/api/v1/qa", tags=["qa"])

Contact = Annotated[str, Path(min_length=1, max_length=200)]
TemplateName = Annotated[str | None, Query(max_length=100)]
Version = Annotated[int | None, Query(ge=1)]
MonthText = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
PerOperator = Annotated[int, Query(ge=1, le=100)]


def _qa_editor(account: QaReader) -> Account:
    if account.role not in qa_scorecards.QA_EDITORS:
        raise PermissionDenied("QA specialists and admins only")
    return account


QaEditor = Annotated[Account, Depends(_qa_editor)]


class ScoreBody(BaseModel):
    template: str | None = Field(default=None, max_length=100)
    version: int | None = Field(default=None, ge=1)


class OverrideBody(BaseModel):
    value: Literal["passed", "failed", "not_applicable"]
    comment: str = Field(max_length=2000)
    template: str | None = Field(default=None, max_length=100)
    version: int | None = Field(default=None, ge=1)


def _card(view: qa_scorecards.ScorecardView, account: Account, language: str,
          ) -> dict[str, Any]:
    return {**view.to_json(language),
            "can_override": account.role in qa_scorecards.QA_EDITORS}


@router.get("/contacts/{contact}/scorecard")
def get_scorecard(contact: Contact, account: QaReader, language: QaLanguage,
                  request: Request, template: TemplateName = None,
                  version: Version = None) -> dict[str, Any]:
    """The contact's scorecard (404 ``qa_scorecard_not_found`` before it is scored)."""
    view = qa_scorecards.get_scorecard(ctx_of(request), contact, template=template,
                                       version=version)
    return _card(view, account, language)


@router.post("/contacts/{contact}/scorecard")
def score(contact: Contact, account: QaEditor, language: QaLanguage, request: Request,
          body: ScoreBody | None = None) -> dict[str, Any]:
    """Fill the checklist from the contact's stored findings."""
    body = body or ScoreBody()
    view = qa_scorecards.score_contact(ctx_of(request), contact, template=body.template,
                                       version=body.version)
    return _card(view, account, language)


@router.post("/contacts/{contact}/scorecard/items/{item}")
def override(contact: Contact, item: Annotated[str, Path(max_length=64)],
             body: OverrideBody, account: QaEditor, language: QaLanguage,
             request: Request) -> dict[str, Any]:
    """Set an item's value with a comment; the automatic value stays beside it."""
    view = qa_scorecards.override_item(
        ctx_of(request), contact, item, body.value, body.comment,
        actor=Actor(account.id, account.role), template=body.template, version=body.version)
    return _card(view, account, language)


@router.get("/sample")
def sample(account: QaReader, request: Request, month: MonthText,
           per_operator: PerOperator = 7) -> dict[str, Any]:
    """N contacts per operator: ceil(N/2) from days 1-15, the rest from the second half."""
    return qa_scorecards.draw_sample(ctx_of(request), month,
                                     per_operator=per_operator).to_json()


@router.get("/report")
def report(account: QaReader, language: QaLanguage, request: Request, month: MonthText,
           agent: Annotated[str | None, Query(max_length=64)] = None,
           template: TemplateName = None,
           per_operator: PerOperator = 7) -> dict[str, Any]:
    """Per operator: sample, scores, items failed most, agreement auto vs final."""
    return qa_scorecards.monthly_report(ctx_of(request), month, agent_id=agent or None,
                                        template=template or None, per_operator=per_operator,
                                        language=language).to_json()
