"""Queue settings (service and CLI) and user administration through the CLI."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from helpline.cli import app
from helpline.domain.channels import Channel
from helpline.domain.errors import ValidationFailed
from helpline.services import accounts, chat, queue_admin
from helpline.services.context import ServiceContext
from tests.conftest import ManualClock
from tests.integration.helpers import add_agent, add_queue

MOSCOW = ZoneInfo("Europe/Moscow")


def test_closed_business_hours_turn_a_chat_into_a_message(ctx: ServiceContext,
                                                          clock: ManualClock) -> None:
    add_queue(ctx)
    add_agent(ctx, "weekday.only", status=None)
    hours = queue_admin.parse_business_hours("09:00-21:00", "0-4")
    queue_admin.save_queue(ctx, "mobile", {"business_hours": hours})
    clock.now = datetime(2026, 11, 22, 12, 0, tzinfo=MOSCOW)  # a Sunday
    sunday = chat.start_chat(ctx, name="A", phone="+79001234567", topic="mobile",
                             language="ru")
    assert sunday.offline_message is True
    clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=MOSCOW)  # Monday noon, agent logged in
    from helpline.domain.agents import AgentStatus
    from helpline.services import desk

    with ctx.uow() as uow:
        agent_id = uow.agents.account_by_username("weekday.only").id  # type: ignore[union-attr]
    desk.set_status(ctx, agent_id, AgentStatus.BREAK)
    monday = chat.start_chat(ctx, name="B", phone="+79001234567", topic="mobile",
                             language="ru")
    assert monday.offline_message is False


def test_invalid_queue_settings_change_nothing(ctx: ServiceContext) -> None:
    add_queue(ctx)
    before = queue_admin.list_queues(ctx)
    with pytest.raises(ValidationFailed):
        queue_admin.save_queue(ctx, "mobile", {"escalation": [{"after_seconds": 60},
                                                              {"after_seconds": 10}]})
    with pytest.raises(ValidationFailed):
        queue_admin.save_queue(ctx, "mobile", {"min_level": 101})
    with pytest.raises(ValidationFailed):
        queue_admin.save_queue(ctx, "mobile", {"color": "red"})
    with pytest.raises(ValidationFailed):
        queue_admin.parse_business_hours("9 to 5", None)
    assert queue_admin.list_queues(ctx) == before


def test_cli_creates_users_and_configures_queues(db_url: str, engine: object,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HELPLINE_DEMO", "1")
    runner = CliRunner()
    created = runner.invoke(app, ["users", "create", "olga", "--name", "Ольга",
                                  "--role", "senior", "--skill", "mobile=90",
                                  "--language", "ru", "--language", "en",
                                  "--capacity", "chat=2", "--shared-capacity"],
                            input="s3cret-pass\ns3cret-pass\n")
    assert created.exit_code == 0, created.output
    from helpline.bootstrap import build

    container = build()
    with container.ctx.uow() as uow:
        olga = uow.agents.get(uow.agents.account_by_username("olga").id)  # type: ignore[union-attr]
    container.close()
    assert olga.capacity[Channel.CHAT] == 2 and olga.capacity_shared is True
    assert olga.languages == frozenset({"ru", "en"}) and olga.skills == {"mobile": 90}
    duplicate = runner.invoke(app, ["users", "create", "olga", "--name", "x"],
                              input="s3cret-pass\ns3cret-pass\n")
    assert duplicate.exit_code == 1 and "conflict" in duplicate.output
    bad_skill = runner.invoke(app, ["users", "create", "petr", "--name", "П",
                                    "--skill", "mobile"], input="s3cret-pass\ns3cret-pass\n")
    assert bad_skill.exit_code != 0
    made = runner.invoke(app, ["queues", "set", "vip", "--create", "--skill", "mobile",
                               "--min-level", "70", "--hours", "08:00-20:00"])
    assert made.exit_code == 0, made.output
    bad = runner.invoke(app, ["queues", "set", "vip", "--escalation", "[not json"])
    assert bad.exit_code != 0
    listed = runner.invoke(app, ["queues", "list"])
    assert '"min_level": 70' in listed.output and '"opens": "08:00"' in listed.output
    token = runner.invoke(app, ["users", "token", "olga"])
    assert token.exit_code == 0 and token.output.strip().startswith("hl_")


def test_cli_refuses_default_secret_outside_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HELPLINE_DEMO", raising=False)
    monkeypatch.delenv("HELPLINE_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "HELPLINE_SECRET_KEY" in result.output


def test_passwords_are_hashed_and_checked(ctx: ServiceContext) -> None:
    add_agent(ctx, "hashy", status=None)
    with ctx.uow() as uow:
        account = uow.agents.account_by_username("hashy")
    assert account is not None and account.password_hash.startswith("$argon2id$")
    from helpline.domain.errors import NotAuthenticated

    with pytest.raises(NotAuthenticated):
        accounts.authenticate(ctx, "hashy", "wrong-password")
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(ctx, "nobody", "wrong-password")
