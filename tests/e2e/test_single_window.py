"""The single window through real browsers: a customer of the demo writes from her own
number, the agent sees the card beside the chat at "number matched", verifies the
passport the caller names, reveals the PUK once, and the supervisor's audit page shows
the reveal with the line masked and without the code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_chat_journey import start_desk

pytestmark = pytest.mark.browser

PHONE = "+7 916 123-45-67"  # Мария Соколова's line in the demo data
MSISDN = "79161234567"
PASSPORT = "4612 654321"


def start_chat_from(context: BrowserContext, phone: str) -> Page:
    chat = context.new_page()
    chat.goto("/chat")
    chat.fill("#pc-name", "Мария")
    chat.fill("#pc-phone", phone)
    chat.select_option("#pc-topic", "mobile")
    chat.select_option("#pc-language", "ru")
    chat.click("#pc-start")
    expect(chat.locator("#conversation")).to_be_visible()
    return chat


def test_verify_reveal_puk_and_audit(server: Server, new_context: Callable[[], BrowserContext],
                                     login: Callable[..., Page]) -> None:
    desk = start_desk(new_context(), login)
    start_chat_from(new_context(), PHONE)

    offer = desk.locator("#contacts li[data-state='offered']")
    offer.locator("button.accept").click()
    expect(desk.locator("#pane-state")).to_have_text("active")

    # the card beside the conversation: the chat's number is the holder's line
    expect(desk.locator("#card")).to_be_visible()
    expect(desk.locator("#card-holder-name")).to_have_text("Мария Соколова")
    expect(desk.locator("#card-level")).to_have_attribute("data-level", "number_matched")
    expect(desk.locator("#card-level")).to_have_text("номер совпал")
    expect(desk.locator("#card-money")).to_be_visible()
    reveal = desk.locator("#reveal-puk")
    expect(reveal).to_be_disabled()
    expect(reveal).to_have_attribute("title", "Нужен уровень: документ проверен")
    expect(desk.locator("#block-line")).to_be_disabled()

    # a wrong passport first, then the right one
    desk.fill("#document-number", "4612 000000")
    desk.click("#verify-document")
    expect(desk.locator("#verify-result")).to_have_text("Не совпадает")
    expect(desk.locator("#card-level")).to_have_attribute("data-level", "number_matched")
    desk.fill("#document-number", PASSPORT)
    desk.click("#verify-document")
    expect(desk.locator("#verify-result")).to_have_text("Документ подтверждён")
    expect(desk.locator("#card-level")).to_have_attribute("data-level", "document_verified")
    expect(desk.locator("#card-lines")).to_have_attribute("data-count", "2")
    expect(reveal).to_be_enabled()

    # reveal the PUK once
    desk.fill("#action-reason", "Новая SIM-карта")
    with desk.expect_response(lambda r: r.url.endswith("/actions/reveal-puk")) as answer:
        reveal.click()
    assert answer.value.status == 200
    body = answer.value.json()
    puk, audit_id = body["puk"], body["audit_id"]
    expect(desk.locator("#puk-box")).to_be_visible()
    expect(desk.locator("#puk-value")).to_have_text(puk)
    assert re.fullmatch(r"\d{8}", puk)

    # the supervisor finds it in the audit log, masked, without the code
    board = login(new_context(), "sveta")
    expect(board).to_have_url(re.compile(r"/board$"))
    board.click("#audit-link")
    expect(board).to_have_url(re.compile(r"/audit$"))
    row = board.locator(f"#audit tr[data-audit-id='{audit_id}']")
    expect(row).to_have_attribute("data-action", "reveal_puk")
    expect(row).to_have_attribute("data-outcome", "done")
    expect(row).to_contain_text("Анна Смирнова")
    expect(row).to_contain_text(MSISDN)
    expect(row).to_contain_text("line_msisdn=7916*****67")
    expect(row).to_contain_text("документ проверен")
    expect(row).to_contain_text("Новая SIM-карта")
    verified = board.locator("#audit tr[data-action='verify_document']")
    expect(verified).to_have_count(2)
    assert puk not in board.locator("#audit").inner_text()

    # filters: by line and by user
    board.fill("#f-msisdn", "+7 999 000-00-00")
    board.click("#f-submit")
    expect(board.locator("#audit tbody tr")).to_have_count(0)
    board.fill("#f-msisdn", PHONE)
    board.click("#f-submit")
    expect(row).to_be_visible()
