"""Who is calling: a session cookie (pages) or an API bearer token (programs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from helpline.domain.agents import SUPERVISING_ROLES
from helpline.domain.errors import NotAuthenticated, PermissionDenied
from helpline.services import accounts
from helpline.services.context import ServiceContext
from helpline.store.repositories import Account


def ctx_of(conn: HTTPConnection) -> ServiceContext:
    ctx: ServiceContext = conn.app.state.container.ctx
    return ctx


def optional_account(conn: HTTPConnection) -> Account | None:
    ctx = ctx_of(conn)
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        agent_id = accounts.agent_for_token(ctx, header[7:].strip())
        if agent_id is None:
            raise NotAuthenticated("invalid API token")
        return accounts.account(ctx, agent_id)
    agent_id = conn.session.get("agent_id") if "session" in conn.scope else None
    return accounts.account(ctx, agent_id) if agent_id else None


def current_account(request: Request) -> Account:
    account = optional_account(request)
    if account is None:
        raise NotAuthenticated("sign in or send an API bearer token")
    return account


def supervisor_account(account: Annotated[Account, Depends(current_account)]) -> Account:
    if account.role not in SUPERVISING_ROLES:
        raise PermissionDenied("supervisors only")
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]
SupervisorAccount = Annotated[Account, Depends(supervisor_account)]
