"""Read the event log (for reports, KPIs and the API)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from helpline.domain.clock import check_aware
from helpline.services.context import ServiceContext


def query(ctx: ServiceContext, *, since: datetime | None = None, until: datetime | None = None,
          contact_id: str | None = None, agent_id: str | None = None,
          queue_id: str | None = None, types: Sequence[str] = (), after_id: int = 0,
          limit: int = 1000) -> list[dict[str, Any]]:
    """Events oldest first; page with ``after_id``."""
    if since is not None:
        check_aware(since, "since")
    if until is not None:
        check_aware(until, "until")
    with ctx.uow() as uow:
        rows = uow.events.query(since=since, until=until, contact_id=contact_id,
                                agent_id=agent_id, queue_id=queue_id, types=types,
                                after_id=after_id, limit=limit)
        return [{"id": r.id, "at": r.at.isoformat(), "type": r.type,
                 "contact_id": r.contact_id, "agent_id": r.agent_id, "queue_id": r.queue_id,
                 "data": r.data} for r in rows]
