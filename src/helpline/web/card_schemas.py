"""Request bodies of the desk's single window (customer card, verification, actions)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from helpline.web.schemas import Strict

Msisdn = Field(default=None, min_length=5, max_length=32,
               description="The line looked at; default: the conversation's number")
Key = Field(default=None, min_length=1, max_length=120,
            description="Idempotency key (or the Idempotency-Key header)")
Reason = Field(default="", max_length=500)


class OnLine(Strict):
    msisdn: str | None = Msisdn


class DocumentIn(OnLine):
    document_number: str = Field(min_length=1, max_length=64,
                                 description="What the caller said, e.g. 4510 123456")


class CodeIssueIn(OnLine):
    language: Literal["ru", "en"] = "ru"


class CodeCheckIn(OnLine):
    code: str = Field(min_length=1, max_length=12)


class ChangeIn(OnLine):
    idempotency_key: str | None = Key
    reason: str = Reason


class ServiceIn(ChangeIn):
    service: str = Field(min_length=1, max_length=64)


class TariffChangeIn(ChangeIn):
    tariff_code: str = Field(min_length=1, max_length=64)


class RenewIn(ChangeIn):
    confirmed: bool = False


class ReasonIn(ChangeIn):
    reason: str = Field(min_length=1, max_length=500)


class ComplaintIn(ChangeIn):
    category: Literal["network", "service", "billing", "other"]
    description: str = Field(min_length=1, max_length=2000)


class StepOut(BaseModel):
    step: str
    outcome: str
    level: str
    audit_id: int
    attempts_left: int | None = None
    sent_to: str | None = None


class ActionOut(BaseModel):
    action: str
    msisdn: str
    level: str
    audit_id: int
    result: dict[str, Any]
    replayed: bool
    puk: str | None = Field(default=None, description="reveal-puk only; shown once")


class AuditOut(BaseModel):
    id: int
    at: str
    user_id: str
    role: str
    action: str
    outcome: str
    msisdn: str | None
    contact_id: str | None
    params: dict[str, str]
    verification_level: str
    reason: str
