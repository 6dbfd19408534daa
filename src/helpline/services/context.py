"""What every use case needs: a unit-of-work factory and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from helpline.domain.clock import utcnow
from helpline.services.standing import StandingCache
from helpline.store.async_messages import AsyncMessageStore
from helpline.store.uow import Publish, UnitOfWork


@dataclass
class ServiceContext:
    session_factory: sessionmaker[Session]
    publish: Publish | None = None
    clock: Callable[[], datetime] = utcnow
    #: Local zone of the contact center: "today" and business hours use it.
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    #: Dispatch right after a change; tests may switch it off to drive routing by hand.
    auto_dispatch: bool = True
    #: Per-process cache of waiting lines for customers' place and wait estimate.
    standing: StandingCache = field(default_factory=StandingCache)
    #: PostgreSQL: the chat message hot path on the event loop (see chat.post_message_async).
    async_messages: AsyncMessageStore | None = None

    def uow(self, *, autocommit: bool = False) -> UnitOfWork:
        """A unit of work; ``autocommit`` for use cases that are a single statement."""
        return UnitOfWork(self.session_factory, self.publish, autocommit=autocommit)

    @property
    def dialect(self) -> str:
        """The database: ``postgresql`` or ``sqlite``."""
        name: str = self.session_factory.kw["bind"].dialect.name
        return name

    def now(self) -> datetime:
        return self.clock()

