"""The one composition root: builds engine, services context, hub and bus."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from helpline.realtime.bus import LocalBus, PostgresBus, libpq_dsn
from helpline.realtime.hub import Hub
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.store.async_messages import AsyncMessageStore
from helpline.store.database import is_sqlite, make_engine, make_session_factory


@dataclass
class Container:
    settings: Settings
    engine: Engine
    ctx: ServiceContext
    hub: Hub
    bus: LocalBus | PostgresBus

    def close(self) -> None:
        self.bus.close()
        self.engine.dispose()


def build(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    settings.check()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    hub = Hub()
    use_pg = settings.realtime == "postgres" or (
        settings.realtime == "auto" and not is_sqlite(settings.database_url))
    bus: LocalBus | PostgresBus = (
        PostgresBus(hub, libpq_dsn(settings.database_url)) if use_pg else LocalBus(hub))
    ctx = ServiceContext(session_factory=make_session_factory(engine),
                         timezone=ZoneInfo(settings.timezone))
    ctx.publish = bus.publish  # after each commit
    if not is_sqlite(settings.database_url):
        ctx.async_messages = AsyncMessageStore(libpq_dsn(settings.database_url),
                                               size=max(2, settings.db_pool_size // 4))
    return Container(settings=settings, engine=engine, ctx=ctx, hub=hub, bus=bus)
