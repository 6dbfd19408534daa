"""The customer-to-operator chat journey through real browsers and a real server:
login and status on the desk, pre-chat form, offer with countdown, accept, messages
and typing both ways, a server crash (SIGKILL) and restart with the customer
catching up on what was sent meanwhile, the supervisor board, wrap-up, close, rating.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser

CUSTOMER = "Пётр Иванов"
PHONE = "+7 900 123-45-67"
PHONE_STORED = "+79001234567"
AGENT = "Анна Смирнова"
RECONNECT_TIMEOUT = 25_000

M1 = "Здравствуйте! Не работает мобильный интернет."
R1 = "Здравствуйте. Меня зовут Анна. Сейчас проверю настройки."
M2 = "Спасибо, жду."
R2 = "Проверила: перезагрузите телефон, пожалуйста."
M3 = "Перезагрузил, всё работает!"
M_OFFLINE = "Алло, вы здесь?"


def _is_status_put(response: Any) -> bool:
    return (response.url.endswith("/api/v1/agents/me/status")
            and response.request.method == "PUT")


def chat_session(page: Page) -> dict[str, str]:
    """The customer's conversation id and token, as chat.js keeps them."""
    raw = page.evaluate("sessionStorage.getItem('hl_chat')")
    assert raw, "chat.js did not store the conversation in sessionStorage"
    conv: dict[str, str] = json.loads(raw)
    assert set(conv) >= {"id", "token"}
    return conv


def customer_messages(server: Server, conv: dict[str, str]) -> list[tuple[str, str]]:
    """(sender, body) of every stored message, through the customer's REST fallback."""
    resp = httpx.get(f"{server.base_url}/api/v1/chats/{conv['id']}/messages",
                     headers={"X-Chat-Token": conv["token"]}, timeout=10)
    assert resp.status_code == 200, resp.text
    items = resp.json()
    assert [m["seq"] for m in items] == sorted({m["seq"] for m in items}), "seq not unique"
    return [(m["sender"], m["body"]) for m in items]


def start_desk(context: BrowserContext, login: Callable[..., Page]) -> Page:
    desk = login(context, "anna")
    expect(desk).to_have_url(re.compile(r"/desk$"))
    expect(desk.locator("#who")).to_have_text(f"{AGENT} (agent)")
    expect(desk.locator("#no-contacts")).to_be_visible()
    # desk.js init() has finished once the wrap-up codes are loaded
    expect(desk.locator("#wrapup-code option")).to_have_count(9)
    expect(desk.locator("#status")).to_have_value("offline")
    with desk.expect_response(_is_status_put) as put:
        desk.select_option("#status", "available")
    assert put.value.status == 200
    expect(desk.locator("#status")).to_have_value("available")
    expect(desk.locator("#pane-error")).to_be_hidden()
    return desk


def start_chat(context: BrowserContext) -> Page:
    chat = context.new_page()
    chat.goto("/chat")
    expect(chat.locator("#prechat")).to_be_visible()
    expect(chat.locator("#conversation")).to_be_hidden()
    chat.fill("#pc-name", CUSTOMER)
    chat.fill("#pc-phone", PHONE)
    chat.select_option("#pc-topic", "mobile")
    chat.select_option("#pc-language", "ru")
    chat.click("#pc-start")
    expect(chat.locator("#conversation")).to_be_visible()
    expect(chat.locator("#prechat")).to_be_hidden()
    expect(chat.locator("#pc-error")).to_be_hidden()
    # an operator is available, so no "leave a message" notice; waiting or being offered
    expect(chat.locator("#chat-status")).to_have_attribute(
        "data-state", re.compile(r"^(queued|offered)$"))
    expect(chat.locator("#offline-notice")).to_be_hidden()
    return chat


def accept_offer(desk: Page, contact_id: str) -> None:
    item = desk.locator(f'#contacts li[data-contact-id="{contact_id}"]')
    expect(item).to_have_attribute("data-state", "offered")
    expect(item.locator("strong")).to_have_text(CUSTOMER)
    expect(item.locator(".badge")).to_have_text(" mobile · ru · offered")
    countdown = item.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^Входящий запрос: \d+ с осталось$"))
    left = int(re.findall(r"\d+", countdown.inner_text())[0])
    assert 1 <= left <= 20, f"offer countdown shows {left} s for a 20 s offer timeout"
    item.locator("button.accept").click()
    expect(item).to_have_attribute("data-state", "active")
    expect(item).to_have_class(re.compile(r"\bselected\b"))
    expect(desk.locator("#pane")).to_be_visible()
    expect(desk.locator("#pane-title")).to_have_text(f"{CUSTOMER} · {PHONE_STORED}")
    expect(desk.locator("#pane-state")).to_have_text("active")
    expect(desk.locator("#composer")).to_be_visible()


def test_chat_journey(server: Server, new_context: Callable[[], BrowserContext],
                      login: Callable[..., Page]) -> None:
    # 1. the operator signs in and gets ready
    agent_ctx = new_context()
    desk = start_desk(agent_ctx, login)
    me = agent_ctx.request.get(f"{server.base_url}/api/v1/me").json()
    assert me["username"] == "anna" and me["name"] == AGENT

    # 2. a customer starts a chat
    customer_ctx = new_context()
    chat = start_chat(customer_ctx)
    conv = chat_session(chat)

    # 3. the offer reaches the desk; the operator accepts; the customer sees who answered
    accept_offer(desk, conv["id"])
    expect(chat.locator("#chat-status")).to_have_text(f"Оператор: {AGENT}")
    expect(chat.locator("#chat-status")).to_have_attribute("data-state", "active")

    # 4. messages and typing indicators both ways
    chat.fill("#message-input", M1)
    expect(desk.locator("#typing")).to_be_visible()
    expect(desk.locator("#typing")).to_have_text("Клиент печатает…")
    chat.click("#send")
    expect(chat.locator("#message-input")).to_have_value("")
    expect(desk.locator("#messages .msg")).to_have_text([CUSTOMER + M1])
    expect(desk.locator("#typing")).to_be_hidden()

    desk.fill("#message-input", R1)
    expect(chat.locator("#typing")).to_be_visible()
    expect(chat.locator("#typing")).to_have_text(f"{AGENT} печатает…")
    desk.click("#send")
    expect(desk.locator("#messages .msg")).to_have_text([CUSTOMER + M1, "Вы" + R1])
    expect(chat.locator("#messages .msg")).to_have_text(["Вы" + M1, AGENT + R1])
    expect(chat.locator("#messages .msg").nth(1).locator(".who")).to_have_text(AGENT)
    expect(chat.locator("#typing")).to_be_hidden()

    # 5. the customer sends one more message and sees it stored (acknowledged, sequenced)
    chat.fill("#message-input", M2)
    chat.click("#send")
    mine = chat.locator("#messages .msg.mine").nth(1)
    expect(mine).to_contain_text(M2)
    expect(mine).to_have_attribute("data-seq", "3")
    expect(mine).not_to_have_class(re.compile(r"\bpending\b"))
    assert chat.evaluate("sessionStorage.getItem('hl_pending')") == "[]"
    expect(desk.locator("#messages .msg")).to_have_count(3)

    # ... then the server crashes. The customer's network stays down (its chat socket
    # is refused) until the operator's next reply is stored, so that reply is one the
    # page missed and must fetch with hello{last_seq} -- not race its reconnects.
    network_up = False

    def customer_socket(route: WebSocketRoute) -> None:
        if network_up:
            route.connect_to_server()
        else:
            route.close(code=4000, reason="network down")

    chat.route_web_socket(re.compile(r"/ws/chat/"), customer_socket)
    server.kill()
    expect(chat.locator("#conn")).to_have_text("Переподключение…")
    expect(desk.locator("#conn")).to_have_text("Переподключение…")
    # a message typed while disconnected waits as pending (kept in sessionStorage)
    chat.fill("#message-input", M_OFFLINE)
    chat.click("#send")
    offline = chat.locator("#messages .msg.mine").nth(2)
    expect(offline).to_contain_text(M_OFFLINE)
    expect(offline).to_have_class(re.compile(r"\bpending\b"))
    assert M_OFFLINE in chat.evaluate("sessionStorage.getItem('hl_pending')")

    # ... and comes back on the same port and database
    server.start()
    # the operator's session cookie is still valid: get an API token with it
    issued = agent_ctx.request.post(f"{server.base_url}/api/v1/auth/tokens",
                                    data={"name": "e2e"})
    assert issued.status == 201, issued.text()
    token = issued.json()["token"]
    sent = httpx.post(f"{server.base_url}/api/v1/contacts/{conv['id']}/messages",
                      json={"client_msg_id": "e2e-after-restart", "body": R2},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert sent.status_code == 201, sent.text
    assert sent.json()["seq"] == 4 and sent.json()["duplicate"] is False
    network_up = True

    # the customer's page reconnects, catches up on the reply it missed, delivers the
    # pending message once, and shows nothing twice
    expect(chat.locator("#conn")).to_have_text("", timeout=RECONNECT_TIMEOUT)
    expect(offline).not_to_have_class(re.compile(r"\bpending\b"), timeout=RECONNECT_TIMEOUT)
    expect(offline).to_have_attribute("data-seq", "5")
    expect(chat.locator('#messages .msg[data-sender="agent"]')).to_have_text(
        [AGENT + R1, AGENT + R2], timeout=RECONNECT_TIMEOUT)
    expect(chat.locator('#messages .msg[data-sender="customer"]')).to_have_text(
        ["Вы" + M1, "Вы" + M2, "Вы" + M_OFFLINE])
    assert chat.evaluate("sessionStorage.getItem('hl_pending')") == "[]"
    expect(chat.locator("#chat-status")).to_have_text(f"Оператор: {AGENT}")
    # the message acknowledged before the crash is stored, and nothing twice
    assert customer_messages(server, conv) == [
        ("customer", M1), ("agent", R1), ("customer", M2), ("agent", R2),
        ("customer", M_OFFLINE)]

    # the desk reconnects too: it shows the API-sent reply and new customer messages
    expect(desk.locator("#conn")).to_have_text("", timeout=RECONNECT_TIMEOUT)
    expect(desk.locator("#messages .msg")).to_have_text(
        [CUSTOMER + M1, "Вы" + R1, CUSTOMER + M2, "Вы" + R2, CUSTOMER + M_OFFLINE],
        timeout=RECONNECT_TIMEOUT)
    chat.fill("#message-input", M3)
    chat.click("#send")
    expect(desk.locator("#messages .msg")).to_have_text(
        [CUSTOMER + M1, "Вы" + R1, CUSTOMER + M2, "Вы" + R2, CUSTOMER + M_OFFLINE,
         CUSTOMER + M3])
    expect(chat.locator("#messages .msg").last).to_have_attribute("data-seq", "6")

    # 6. the supervisor's board shows the operator busy with this customer
    board = login(new_context(), "sveta")
    expect(board).to_have_url(re.compile(r"/board$"))
    expect(board.locator("#who")).to_have_text("Светлана Орлова (supervisor)")
    anna_row = board.locator(f'#agents tr[data-agent-id="{me["id"]}"]')
    expect(anna_row.locator("td").first).to_have_text(f"{AGENT} (agent)")
    expect(anna_row.locator("td.status")).to_have_text("Готов")
    expect(anna_row.locator("td.active")).to_have_text(f"{CUSTOMER} [mobile, active]")
    mobile = board.locator('#queues tr[data-queue-id="mobile"]')
    expect(mobile.locator("td").first).to_have_text("Мобильная связь")
    expect(mobile.locator("td.contacts-today")).to_have_text(re.compile(r"^[1-9]\d*$"))
    assert int(mobile.locator("td.contacts-today").inner_text()) >= 1
    expect(mobile.locator("td.waiting")).to_have_text("0")

    # the customer reloads the page: the conversation is restored from sessionStorage
    chat.reload()
    expect(chat.locator("#prechat")).to_be_hidden()
    expect(chat.locator("#conversation")).to_be_visible()
    expect(chat.locator("#chat-status")).to_have_text(f"Оператор: {AGENT}")
    expect(chat.locator("#messages .msg")).to_have_text(
        [re.compile(re.escape(body) + "$") for body in (M1, R1, M2, R2, M_OFFLINE, M3)])
    expect(chat.locator('#messages .msg[data-sender="customer"] .who')).to_have_text(
        ["Вы"] * 4)

    # 7. wrap-up with a reason, close; the customer rates the conversation
    desk.select_option("#wrapup-code", "resolved")
    desk.click("#wrapup")
    expect(desk.locator("#pane-state")).to_have_text("wrap_up")
    expect(desk.locator("#pane-error")).to_be_hidden()
    expect(chat.locator("#chat-status")).to_have_text(f"Разговор завершён · Оператор: {AGENT}")
    expect(chat.locator("#leave")).to_be_hidden()
    expect(chat.locator("#rating")).to_be_visible()
    expect(chat.locator("#rating .star")).to_have_count(5)
    expect(board.locator(f'#agents tr[data-agent-id="{me["id"]}"] td.active')).to_have_text(
        f"{CUSTOMER} [mobile, wrap_up]")

    desk.click("#close")
    expect(desk.locator(f'#contacts li[data-contact-id="{conv["id"]}"]')).to_have_count(0)
    expect(desk.locator("#pane")).to_be_hidden()
    expect(desk.locator("#no-contacts")).to_be_visible()
    expect(desk.locator("#pane-error")).to_be_hidden()

    chat.click("#star-5")
    expect(chat.locator("#rated")).to_be_visible()
    expect(chat.locator("#rated")).to_have_text("Спасибо за оценку!")
    expect(chat.locator("#rating")).to_be_hidden()
    state = httpx.get(f"{server.base_url}/api/v1/chats/{conv['id']}",
                      headers={"X-Chat-Token": conv["token"]}, timeout=10).json()
    assert state["state"] == "closed" and state["rating"] == 5
    assert state["agent_name"] == AGENT
    expect(board.locator(f'#agents tr[data-agent-id="{me["id"]}"] td.active')).to_have_text(
        "—")


def test_ended_conversation_hides_the_composers(
        server: Server, new_context: Callable[[], BrowserContext],
        login: Callable[..., Page]) -> None:
    desk = start_desk(new_context(), login)
    chat = start_chat(new_context())
    accept_offer(desk, chat_session(chat)["id"])
    expect(chat.locator("#composer")).to_be_visible()

    desk.click("#wrapup")
    expect(desk.locator("#pane-state")).to_have_text("wrap_up")
    expect(chat.locator("#chat-status")).to_have_attribute("data-state", "wrap_up")
    expect(chat.locator("#rating")).to_be_visible()
    # both forms are marked hidden by the scripts ...
    expect(chat.locator("#composer")).to_have_attribute("hidden", "")
    expect(desk.locator("#composer")).to_have_attribute("hidden", "")
    # ... and the stylesheet honours the attribute
    expect(chat.locator("#composer")).to_be_hidden(timeout=2_000)
    expect(desk.locator("#composer")).to_be_hidden(timeout=2_000)


def test_reload_keeps_the_operator_name_on_replayed_messages(
        server: Server, new_context: Callable[[], BrowserContext],
        login: Callable[..., Page]) -> None:
    desk = start_desk(new_context(), login)
    chat = start_chat(new_context())
    accept_offer(desk, chat_session(chat)["id"])
    desk.fill("#message-input", R1)
    desk.click("#send")
    expect(chat.locator("#messages .msg .who")).to_have_text([AGENT])

    chat.reload()
    expect(chat.locator("#chat-status")).to_have_text(f"Оператор: {AGENT}")
    expect(chat.locator("#messages .msg")).to_have_count(1)
    expect(chat.locator("#messages .msg .who")).to_have_text([AGENT], timeout=2_000)
