"""Typed mappings of workforce management (migration 0005), on the shared ``Base``.

* ``wfm_schedules`` — a stored schedule: horizon (start date, days, interval, time
  zone), the requirement per skill and interval, the contracts and the operators
  (skills, contract, unavailable days) as JSON in the format of
  :mod:`helpline.wfm.schedule.json_format`; ``draft`` / ``published`` / ``superseded``.
* ``wfm_shifts`` — one row per operator and day of a schedule: aware start and end,
  the minute offsets of the schedule's model and the breaks as JSON.
* ``wfm_forecast_points`` — an optional forecast attached to a schedule (the chart).
* ``wfm_requests`` — swap and time-off requests, one per author and client request id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.store.tables import Base, BigId


class WfmScheduleRow(Base):
    __tablename__ = "wfm_schedules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int]
    interval_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(String(64))
    #: skill -> agents needed per interval over the horizon
    requirement: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: ``contract_to_dict`` of each contract
    contracts: Mapped[list[Any]] = mapped_column(default=list)
    #: ``operator_to_dict`` of each operator (unavailable days grow with approved time off)
    operators: Mapped[list[Any]] = mapped_column(default=list)
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: draft | published | superseded
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime]
    published_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    published_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_wfm_schedules_status_start", "status", "start_date"),)


class WfmShiftRow(Base):
    __tablename__ = "wfm_shifts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("wfm_schedules.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    start_minute: Mapped[int]
    minutes: Mapped[int]
    #: [{"start_minute", "minutes", "kind"}]
    breaks: Mapped[list[Any]] = mapped_column(default=list)

    __table_args__ = (
        UniqueConstraint("schedule_id", "agent_id", "day", name="uq_wfm_shifts_agent_day"),
        Index("ix_wfm_shifts_agent_start", "agent_id", "start_at"),
        Index("ix_wfm_shifts_schedule_day", "schedule_id", "day"),
    )


class WfmForecastPointRow(Base):
    __tablename__ = "wfm_forecast_points"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("wfm_schedules.id", ondelete="CASCADE"), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    forecast: Mapped[float] = mapped_column(Float)
    lo: Mapped[float] = mapped_column(Float)
    hi: Mapped[float] = mapped_column(Float)


class WfmRequestRow(Base):
    __tablename__ = "wfm_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: the id the client chose: a repeat with it returns this request
    client_request_id: Mapped[str] = mapped_column(String(120))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("wfm_schedules.id", ondelete="CASCADE"))
    #: swap | time_off
    kind: Mapped[str] = mapped_column(String(16))
    #: pending | approved | refused | cancelled
    state: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    #: time off: the days asked; swap: the giver's day
    days: Mapped[list[Any]] = mapped_column(default=list)
    peer_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    #: swap: the receiver's day that goes back to the author (two-way swap)
    return_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    peer_consent: Mapped[bool | None]
    note: Mapped[str] = mapped_column(Text, default="")
    #: the coverage effect when it was filed (and when it was decided)
    effect: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("author_id", "client_request_id", name="uq_wfm_requests_client_id"),
        Index("ix_wfm_requests_state", "state", "created_at"),
        Index("ix_wfm_requests_schedule", "schedule_id", "state"),
        Index("ix_wfm_requests_peer", "peer_id", "state"),
    )
