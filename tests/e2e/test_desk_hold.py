"""Hold and resume on the agent desk through a real browser: the operator puts the
accepted chat on hold with a reason, the pane shows «На удержании с HH:MM:SS» and the
list marks it; resuming clears both."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_chat_journey import accept_offer, chat_session, start_chat, start_desk

pytestmark = pytest.mark.browser


def test_hold_and_resume_on_the_desk(server: Server, new_context: Callable[[], BrowserContext],
                                     login: Callable[..., Page]) -> None:
    agent_ctx = new_context()
    desk = start_desk(agent_ctx, login)
    conv = chat_session(start_chat(new_context()))
    accept_offer(desk, conv["id"])
    item = desk.locator(f'#contacts li[data-contact-id="{conv["id"]}"]')
    expect(desk.locator("#pane-hold")).to_be_hidden()
    expect(desk.locator("#resume")).to_be_hidden()

    desk.fill("#hold-reason", "уточняю тариф")
    desk.click("#hold")
    expect(desk.locator("#pane-hold")).to_have_text(
        re.compile(r"^На удержании с \d\d:\d\d:\d\d$"))
    expect(desk.locator("#resume")).to_be_visible()
    expect(desk.locator("#hold")).to_be_hidden()
    expect(item.locator(".badge.on-hold")).to_have_text("на удержании")
    expect(desk.locator("#pane-error")).to_be_hidden()
    api = f"{server.base_url}/api/v1/contacts/{conv['id']}"
    held_since = agent_ctx.request.get(api).json()["held_since"]
    assert held_since is not None
    shown = desk.locator("#pane-hold").inner_text()[-8:]
    local = desk.evaluate("(iso) => new Date(iso).toTimeString().slice(0, 8)", held_since)
    assert shown == local  # the browser's local time of held_since

    desk.click("#resume")
    expect(desk.locator("#pane-hold")).to_be_hidden()
    expect(desk.locator("#hold")).to_be_visible()
    expect(item.locator(".badge.on-hold")).to_have_count(0)
    assert agent_ctx.request.get(api).json()["held_since"] is None
