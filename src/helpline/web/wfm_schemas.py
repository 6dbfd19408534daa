"""Request bodies of the WFM API (schedules, swap and time-off requests)."""

from __future__ import annotations

from datetime import date

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
