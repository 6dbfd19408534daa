"""Sign-in by role and the UI language: a visitor's choice is kept in a cookie, a
signed-in user's choice is stored on the account and wins over the cookie."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, Server

pytestmark = pytest.mark.browser


def test_login_errors_and_role_landing(server: Server,
                                       new_context: Callable[[], BrowserContext],
                                       login: Callable[..., Page]) -> None:
    context = new_context()
    page = context.new_page()
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/login\?next=/desk$"))
    page.fill("#username", "anna")
    page.fill("#password", "not-the-password")
    with page.expect_response(lambda r: r.url.endswith("/login")
                              and r.request.method == "POST") as posted:
        page.click("#login-submit")
    assert posted.value.status == 401
    expect(page.locator("#login-error")).to_have_text("wrong username or password")
    expect(page.locator("#who")).to_have_count(0)

    page.fill("#username", "anna")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.locator("#who")).to_have_text("Анна Смирнова (agent)")
    # operators may not open the supervisor board
    response = page.goto("/board")
    assert response is not None and response.status == 403
    expect(page.locator("#agents")).to_have_count(0)

    board = login(new_context(), "sveta")
    expect(board).to_have_url(re.compile(r"/board$"))
    expect(board.locator("#queues tr[data-queue-id]")).to_have_count(3)
    expect(board.locator("#agents tr[data-agent-id]")).to_have_count(8)  # the demo users


def test_language_switch_is_remembered(server: Server,
                                       new_context: Callable[[], BrowserContext],
                                       login: Callable[..., Page]) -> None:
    # a visitor: Russian by default, English after /lang/en, kept in a cookie
    visitor = new_context().new_page()
    visitor.goto("/chat")
    expect(visitor.locator("html")).to_have_attribute("lang", "ru")
    expect(visitor.locator("h1")).to_have_text("Чат с оператором")
    visitor.click("#lang-en")
    expect(visitor).to_have_url(re.compile(r"/chat$"))
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.locator("h1")).to_have_text("Chat with an operator")
    expect(visitor.locator("#pc-start")).to_have_text("Start chat")
    visitor.reload()
    expect(visitor.locator("#pc-start")).to_have_text("Start chat")

    # an operator switches the desk to English
    agent_ctx = new_context()
    desk = login(agent_ctx, "anna")
    expect(desk).to_have_title("Рабочее место оператора")
    expect(desk.locator('#status option[value="available"]')).to_have_text("Готов")
    desk.click("#lang-en")
    expect(desk).to_have_url(re.compile(r"/desk$"))
    expect(desk).to_have_title("Agent desk")
    expect(desk.locator('#status option[value="available"]')).to_have_text("Available")
    expect(desk.locator("#logout")).to_have_text("Sign out")

    # signed out, then the visitor cookie set back to Russian ...
    desk.click("#logout")
    expect(desk).to_have_url(re.compile(r"/login$"))
    expect(desk.locator("#login-submit")).to_have_text("Sign in")
    desk.click("#lang-ru")
    expect(desk.locator("#login-submit")).to_have_text("Вход")
    # ... the account's own choice still wins after signing in again
    desk.fill("#username", "anna")
    desk.fill("#password", DEMO_PASSWORD)
    desk.click("#login-submit")
    expect(desk).to_have_url(re.compile(r"/desk$"))
    expect(desk).to_have_title("Agent desk")
    expect(desk.locator('#status option[value="available"]')).to_have_text("Available")
    assert agent_ctx.request.get(f"{server.base_url}/api/v1/me").json()["ui_language"] == "en"

    # and on another device (no cookies at all)
    elsewhere = login(new_context(), "anna")
    expect(elsewhere).to_have_title("Agent desk")
    expect(elsewhere.locator("#logout")).to_have_text("Sign out")
