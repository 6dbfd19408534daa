"""Request bodies of the WFM API (schedules, swap and time-off requests)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from helpline.web.schemas import Strict

RequestId = Field(min_length=1, max_length=120, pattern=r"^\S(.*\S)?$",
                  description="Chosen by the client; a repeat returns the first request")
Note = Field(default="", max_length=500)


class SwapIn(Strict):
    request_id: str = RequestId
    day: date = Field(description="the day of your shift you offer")
    peer_id: str = Field(min_length=1, max_length=36, description="the colleague (agent id)")
    return_day: date | None = Field(default=None, description="two-way swap: the colleague's "
                                    "shift of this day comes to you")
    note: str = Note


class TimeOffIn(Strict):
    request_id: str = RequestId
    days: list[date] = Field(min_length=1, max_length=14)
    note: str = Note


class AnswerIn(Strict):
    accept: bool


class ApproveIn(Strict):
    reason: str = Field(default="", max_length=500)


class RefuseIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class PublishIn(Strict):
    replace: bool = Field(default=False, description="supersede overlapping published "
                          "schedules")


#: An uploaded history CSV: a year of 15-minute rows is about 1.3 MB.
MAX_HISTORY_CSV = 5_000_000


class PlanIn(Strict):
    """Plan a draft schedule from a history of contacts (see docs/wfm.md)."""

    history_csv: str = Field(min_length=1, max_length=MAX_HISTORY_CSV,
                             description="CSV text, the formats of `helpline wfm forecast "
                             "--input` (timestamp, count, optional aht)")
    horizon_days: int = Field(default=7, ge=1, le=28)
    operators: list[dict[str, Any]] | None = Field(
        default=None, min_length=1, max_length=2000,
        description="operators as in `helpline wfm schedule --operators`; default: the "
        "published schedule's")
    contracts: list[dict[str, Any]] | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    skill: str | None = Field(default=None, min_length=1, max_length=64,
                              description="the requirement's skill; default: the skill "
                              "most operators have")
    channel: Literal["call", "chat"] = "call"
    target_sl: float = Field(default=0.8, gt=0, lt=1)
    target_seconds: float = Field(default=20.0, gt=0, le=3600)
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    chats_per_agent: int = Field(default=3, ge=1, le=10)
    aht_seconds: float | None = Field(default=None, gt=0, le=7200,
                                      description="where the history has no AHT")
    interval_minutes: Literal[15, 30] = 15
    time_limit_seconds: float = Field(default=30.0, ge=5, le=120)
    margin: float = Field(default=0.015, ge=0, le=0.2)
    pick: bool = False
    name: str = Field(default="", max_length=200)
