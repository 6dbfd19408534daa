"""Users, passwords (Argon2id), session logins and API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from helpline.domain.agents import Agent, AgentStatus, Role, check_capacity, check_skill_levels
from helpline.domain.channels import Channel
from helpline.domain.errors import Conflict, NotAuthenticated, ValidationFailed
from helpline.services.context import ServiceContext
from helpline.store.repositories import Account
from helpline.store.tables import ApiTokenRow

_hasher = PasswordHasher()
UI_LANGUAGES = ("ru", "en")


def create_user(ctx: ServiceContext, *, username: str, password: str, display_name: str,
                role: Role, skills: Mapping[str, int] | None = None,
                languages: tuple[str, ...] = ("ru",), ui_language: str = "ru",
                capacity: Mapping[Channel, int] | None = None,
                capacity_shared: bool = False) -> str:
    username = username.strip().lower()
    if not 3 <= len(username) <= 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise ValidationFailed("username: 3..64 letters, digits, '.' or '_'", field="username")
    if len(password) < 8:
        raise ValidationFailed("password must have at least 8 characters", field="password")
    if ui_language not in UI_LANGUAGES:
        raise ValidationFailed("ui language must be ru or en", field="ui_language")
    now = ctx.now()
    agent = Agent(id=str(uuid.uuid4()), name=display_name.strip() or username, role=role,
                  status=AgentStatus.OFFLINE, status_since=now, idle_since=now,
                  skills=check_skill_levels(skills or {}), languages=frozenset(languages),
                  capacity=check_capacity(capacity or {}), capacity_shared=capacity_shared)
    with ctx.uow() as uow:
        if uow.agents.account_by_username(username) is not None:
            raise Conflict("username is taken", username=username)
        uow.agents.add(agent, username=username, password_hash=_hasher.hash(password),
                       ui_language=ui_language, created_at=now)
        try:
            uow.commit()
        except IntegrityError as error:
            raise Conflict("username is taken", username=username) from error
    return agent.id


def authenticate(ctx: ServiceContext, username: str, password: str) -> Account:
    with ctx.uow() as uow:
        account = uow.agents.account_by_username(username.strip().lower())
        if account is None:
            _hasher.hash(password)  # same cost whether or not the user exists
            raise NotAuthenticated("wrong username or password")
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError) as error:
            raise NotAuthenticated("wrong username or password") from error
        if _hasher.check_needs_rehash(account.password_hash):
            uow.agents.set_password_hash(account.id, _hasher.hash(password))
            uow.commit()
        return account


def account(ctx: ServiceContext, agent_id: str) -> Account | None:
    with ctx.uow() as uow:
        return uow.agents.account(agent_id)


def create_token(ctx: ServiceContext, agent_id: str, name: str) -> str:
    """Issue an API bearer token; only its SHA-256 is stored."""
    token = "hl_" + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        uow.tokens.add(ApiTokenRow(id=str(uuid.uuid4()), agent_id=agent_id, name=name[:100],
                                   token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                   created_at=ctx.now()))
        uow.commit()
    return token


def agent_for_token(ctx: ServiceContext, token: str) -> str | None:
    with ctx.uow() as uow:
        return uow.tokens.agent_for(hashlib.sha256(token.encode()).hexdigest())


def set_ui_language(ctx: ServiceContext, agent_id: str, language: str) -> None:
    if language not in UI_LANGUAGES:
        raise ValidationFailed("ui language must be ru or en", field="language")
    with ctx.uow() as uow:
        uow.agents.set_ui_language(agent_id, language)
        uow.commit()
