"""Create and configure queues; every change is validated by the domain ``Queue``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from helpline.domain.errors import Conflict, ValidationFailed
from helpline.services.context import ServiceContext
from helpline.store.repositories import queue_from_row
from helpline.store.tables import QueueRow

_EDITABLE = ("name", "name_ru", "skill", "min_level", "require_language",
             "offer_timeout_seconds", "max_missed_offers", "redo_after_seconds", "aht_seconds",
             "sl_threshold_seconds", "escalation", "business_hours")


@dataclass
class QueueChange:
    values: dict[str, Any] = field(default_factory=dict)


def parse_business_hours(spec: str | None, weekdays: str | None) -> dict[str, Any] | None:
    """``"09:00-21:00"`` and ``"0-4"`` (Mon–Fri) → stored form; ``"24/7"`` → None."""
    if spec is None or spec in ("", "24/7"):
        return None
    opens, sep, closes = spec.partition("-")
    try:
        time.fromisoformat(opens)
        time.fromisoformat(closes)
    except ValueError as error:
        raise ValidationFailed("business hours look like 09:00-21:00", value=spec) from error
    if not sep:
        raise ValidationFailed("business hours look like 09:00-21:00", value=spec)
    days = list(range(7))
    if weekdays:
        first, _, last = weekdays.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValidationFailed("weekdays look like 0-4 (0 = Monday)", value=weekdays)
        days = list(range(int(first), int(last or first) + 1))
        if not days or days[0] < 0 or days[-1] > 6:
            raise ValidationFailed("weekdays are 0..6", value=weekdays)
    return {"opens": opens, "closes": closes, "weekdays": days}


def describe(row: QueueRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("id", *_EDITABLE)}


def list_queues(ctx: ServiceContext) -> list[dict[str, Any]]:
    with ctx.uow() as uow:
        return [describe(r) for r in uow.queues.rows()]


def save_queue(ctx: ServiceContext, queue_id: str, values: dict[str, Any], *,
               create: bool = False) -> dict[str, Any]:
    """Create (``create=True``) or update a queue; invalid settings change nothing."""
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed("unknown queue settings", settings=sorted(unknown))
    with ctx.uow() as uow:
        existing = uow.session.get(QueueRow, queue_id)
        if create and existing is not None:
            raise Conflict("queue exists", queue_id=queue_id)
        if create:
            if not queue_id.replace("_", "").isalnum() or len(queue_id) > 64:
                raise ValidationFailed("queue id: letters, digits, '_'", queue_id=queue_id)
            row = QueueRow(id=queue_id, name=queue_id, name_ru="", skill=queue_id, min_level=1,
                           require_language=True, sl_threshold_seconds={},
                           offer_timeout_seconds=20, max_missed_offers=2,
                           redo_after_seconds=60, escalation=[], business_hours=None,
                           aht_seconds=300)
            uow.queues.add(row)
        else:
            row = uow.queues.row(queue_id)
        for name, value in values.items():
            setattr(row, name, value)
        try:
            queue_from_row(row)  # domain validation (levels, timeouts, escalation order)
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationFailed(f"invalid queue settings: {error}") from error
        uow.commit()
        return describe(row)
