"""Agent desk use cases: status, accept/decline offers, hold/resume, transfer, wrap-up,
close.

Hold and resume are for the assigned agent only (like transfer, wrap-up and close: a
supervisor sees every contact but acts on none). They are idempotent for a retry, the
way setting the status one already has is a no-op: holding a contact this agent already
holds, or resuming one that is not held, returns it unchanged (no event, no
notification) instead of an error. Otherwise the domain decides (409
``invalid_transition`` outside ``active``, 403 ``permission_denied`` for another agent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from helpline.domain.agents import SUPERVISING_ROLES, Agent, AgentStatus
from helpline.domain.contacts import OPEN_STATES, Contact, ContactState
from helpline.domain.errors import NotFound, PermissionDenied, ValidationFailed
from helpline.services import routing
from helpline.services.context import ServiceContext
from helpline.store.tables import CannedReplyRow, ContactRow
from helpline.store.uow import UnitOfWork, with_retries

T = TypeVar("T")

#: Reason codes a contact can be wrapped up with.
WRAPUP_CODES = ("resolved", "info_given", "service_changed", "complaint", "callback",
                "transferred_elsewhere", "spam", "no_reply")


def _use_case(ctx: ServiceContext, fn: Callable[[UnitOfWork], T], *,
              then_dispatch: bool = True) -> T:
    def run() -> T:
        with ctx.uow() as uow:
            result = fn(uow)
            uow.commit()
            return result

    result = with_retries(run)
    if then_dispatch and ctx.auto_dispatch:
        routing.dispatch(ctx)
    return result


def set_status(ctx: ServiceContext, agent_id: str, status: AgentStatus) -> Agent:
    """Change an agent's status. Leaving ``available`` returns pending offers to
    their place in the queue (nothing is lost)."""
    if status == AgentStatus.NOT_READY:
        raise ValidationFailed("not_ready is set by the system after missed offers")

    def fn(uow: UnitOfWork) -> Agent:
        now = ctx.now()
        uow.contacts.lock_held_by(agent_id, [ContactState.OFFERED])  # lock order: contacts
        agent = uow.agents.get(agent_id, lock=True)
        if status != AgentStatus.AVAILABLE:
            # Read again under the agent lock: a dispatch on another server that held
            # the lock may have committed a new offer after the first read.
            for contact in uow.contacts.lock_held_by(agent_id, [ContactState.OFFERED]):
                contact.decline(agent_id, now)
        agent.set_status(status, now)
        return agent

    return _use_case(ctx, fn, then_dispatch=status == AgentStatus.AVAILABLE)


def _contact_and_agent(uow: UnitOfWork, contact_id: str, agent_id: str) -> tuple[Contact, Agent]:
    contact = uow.contacts.get(contact_id, lock=True)  # lock order: contact, then agent
    agent = uow.agents.get(agent_id, lock=True)
    return contact, agent


def accept(ctx: ServiceContext, agent_id: str, contact_id: str) -> Contact:
    def fn(uow: UnitOfWork) -> Contact:
        contact, agent = _contact_and_agent(uow, contact_id, agent_id)
        contact.accept(agent_id, ctx.now())
        agent.record_accepted()
        return contact

    return _use_case(ctx, fn, then_dispatch=False)


def decline(ctx: ServiceContext, agent_id: str, contact_id: str) -> Contact:
    def fn(uow: UnitOfWork) -> Contact:
        contact, agent = _contact_and_agent(uow, contact_id, agent_id)
        now = ctx.now()
        contact.decline(agent_id, now)
        agent.idle_since = now
        return contact

    return _use_case(ctx, fn)


def hold(ctx: ServiceContext, agent_id: str, contact_id: str,
         reason: str | None = None) -> Contact:
    """Put the agent's active contact on hold; ``contact_held`` is published after commit.
    A retry on a contact this agent already holds returns it unchanged (the first reason
    stays)."""
    def fn(uow: UnitOfWork) -> Contact:
        contact = uow.contacts.get(contact_id, lock=True)
        if not (contact.is_held and _still_with(contact, agent_id)):
            contact.hold(agent_id, ctx.now(), reason)
        return contact

    return _use_case(ctx, fn, then_dispatch=False)


def resume(ctx: ServiceContext, agent_id: str, contact_id: str) -> Contact:
    """Take the agent's contact off hold (``contact_resumed``). A retry on an active
    contact of this agent that is no longer held returns it unchanged."""
    def fn(uow: UnitOfWork) -> Contact:
        contact = uow.contacts.get(contact_id, lock=True)
        if contact.is_held or not _still_with(contact, agent_id):
            contact.resume(agent_id, ctx.now())
        return contact

    return _use_case(ctx, fn, then_dispatch=False)


def _still_with(contact: Contact, agent_id: str) -> bool:
    return contact.state == ContactState.ACTIVE and contact.agent_id == agent_id


def transfer(ctx: ServiceContext, agent_id: str, contact_id: str, *,
             queue_id: str | None = None, to_agent_id: str | None = None) -> Contact:
    """Send an active contact to another queue or reserve it for another operator;
    either way it keeps its original place (enqueue time)."""
    if (queue_id is None) == (to_agent_id is None):
        raise ValidationFailed("give exactly one of queue_id or to_agent_id")

    def fn(uow: UnitOfWork) -> Contact:
        contact, agent = _contact_and_agent(uow, contact_id, agent_id)
        now = ctx.now()
        if queue_id is not None:
            uow.queues.get(queue_id)  # raises NotFound
            contact.transfer_to_queue(agent_id, queue_id, now)
        else:
            assert to_agent_id is not None
            uow.agents.get(to_agent_id)  # raises NotFound
            contact.transfer_to_agent(agent_id, to_agent_id, now)
        agent.idle_since = now
        return contact

    return _use_case(ctx, fn)


def wrap_up(ctx: ServiceContext, agent_id: str, contact_id: str, code: str | None) -> Contact:
    if code is not None and code not in WRAPUP_CODES:
        raise ValidationFailed("unknown wrap-up code", allowed=list(WRAPUP_CODES))

    def fn(uow: UnitOfWork) -> Contact:
        contact = uow.contacts.get(contact_id, lock=True)
        contact.wrap_up(agent_id, ctx.now(), code)
        return contact

    return _use_case(ctx, fn, then_dispatch=False)


def close(ctx: ServiceContext, agent_id: str, contact_id: str, code: str | None) -> Contact:
    if code is not None and code not in WRAPUP_CODES:
        raise ValidationFailed("unknown wrap-up code", allowed=list(WRAPUP_CODES))

    def fn(uow: UnitOfWork) -> Contact:
        contact, agent = _contact_and_agent(uow, contact_id, agent_id)
        now = ctx.now()
        contact.close(agent_id, now, code)
        agent.idle_since = now
        return contact

    return _use_case(ctx, fn)


def visible_contacts(ctx: ServiceContext, agent_id: str) -> list[Contact]:
    """An agent sees only contacts offered or assigned to them; supervisors see all
    open contacts."""
    with ctx.uow() as uow:
        account = uow.agents.account(agent_id)
        if account is None:
            raise NotFound("no such agent", agent_id=agent_id)
        stmt = select(ContactRow).where(ContactRow.state.in_([s.value for s in OPEN_STATES]))
        if account.role not in SUPERVISING_ROLES:
            stmt = stmt.where(ContactRow.agent_id == agent_id,
                              ContactRow.state != ContactState.QUEUED.value)
        return uow.contacts.query(stmt.order_by(ContactRow.enqueued_at, ContactRow.id))


def check_can_see(ctx: ServiceContext, agent_id: str, contact_id: str) -> Contact:
    with ctx.uow() as uow:
        account = uow.agents.account(agent_id)
        contact = uow.contacts.get(contact_id)
        if account is None:
            raise NotFound("no such agent", agent_id=agent_id)
        if account.role in SUPERVISING_ROLES or contact.agent_id == agent_id:
            return contact
        raise PermissionDenied("this contact is not offered or assigned to you",
                               contact_id=contact_id)


def agent_directory(ctx: ServiceContext) -> list[dict[str, str]]:
    """Everyone's id, name, role and status (the desk's transfer list)."""
    with ctx.uow() as uow:
        return uow.agents.directory()


def queue_directory(ctx: ServiceContext) -> list[dict[str, str]]:
    with ctx.uow() as uow:
        return [{"id": r.id, "name": r.name, "name_ru": r.name_ru or r.name}
                for r in uow.queues.rows()]


def canned_replies(
    ctx: ServiceContext, agent_id: str, language: str | None
) -> list[dict[str, str]]:
    """Canned replies for the agent's role with ``[имя]``/``[name]`` filled in."""
    with ctx.uow() as uow:
        account = uow.agents.account(agent_id)
        if account is None:
            raise NotFound("no such agent", agent_id=agent_id)
        rows: list[CannedReplyRow] = uow.canned.for_role(account.role.value, language)
        name = account.display_name.split()[0]
        return [
            {"id": str(r.id), "kind": r.kind, "title": r.title, "language": r.language,
             "body": r.body.replace("[имя]", name).replace("[name]", name)}
            for r in rows
        ]
