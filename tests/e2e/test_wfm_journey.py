"""WFM through real browsers on the demo data: the supervisor opens /wfm, sees the
charts, the grid and Ivan's pending day off with its coverage effect, approves it and
the grid shows the day off; Anna opens "My schedule" and offers a weekend shift to Olga."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser


def test_supervisor_approves_time_off_and_operator_files_a_swap(
        server: Server, new_context: Callable[[], BrowserContext],
        login: Callable[..., Page]) -> None:
    board = login(new_context(), "sveta")
    expect(board).to_have_url(re.compile(r"/board$"))
    board.click("#wfm-link")
    expect(board).to_have_url(re.compile(r"/wfm$"))
    wfm = board
    expect(wfm.locator("#schedule-status")).to_have_attribute("data-status", "published")
    expect(wfm.locator("#grid tbody tr")).to_have_count(5)
    expect(wfm.locator("#grid thead th")).to_have_count(15)  # operator + 14 days
    for chart in ("#forecast-chart", "#coverage-chart"):
        wfm.wait_for_function(f"document.querySelector('{chart}').naturalWidth > 0")

    request = wfm.locator("#inbox tbody tr[data-kind='time_off']")
    expect(request).to_have_count(1)
    expect(request).to_contain_text("Иван Петров")
    expect(request.locator("td.effect")).to_contain_text("интервалов станут с нехваткой")
    ivan = request.get_attribute("data-author-id")
    day = request.get_attribute("data-days")
    cell = wfm.locator(f"#grid tr[data-agent-id='{ivan}'] td[data-day='{day}']")
    expect(cell).to_have_class(re.compile(r"\bshift\b"))
    expect(cell).to_have_text("09:00–17:00")

    with wfm.expect_response(lambda r: r.url.endswith("/approve")) as answer:
        request.locator("button.approve").click()
    assert answer.value.status == 200
    expect(cell).to_have_class(re.compile(r"\btime-off\b"))
    expect(cell).to_have_text("отгул")
    expect(wfm.locator("#inbox-empty")).to_be_visible()
    expect(wfm.locator("#adherence tbody tr").first).to_be_visible()

    # Anna offers one of her weekend shifts to Olga (who works weekdays only)
    desk = login(new_context(), "anna")
    desk.click("#my-schedule-link")
    expect(desk).to_have_url(re.compile(r"/desk/schedule$"))
    expect(desk.locator("#my-shifts tbody tr").first).to_be_visible()
    days = desk.locator("#swap-day option").evaluate_all("os => os.map(o => o.value)")
    weekend = next(d for d in days if date.fromisoformat(d).weekday() >= 5)
    desk.select_option("#swap-day", weekend)
    olga = desk.locator("#swap-peer option", has_text="Ольга Иванова").get_attribute("value")
    assert olga
    desk.select_option("#swap-peer", olga)
    desk.fill("#swap-note", "Семейный праздник")
    desk.click("#swap-submit")
    expect(desk.locator("#swap-result")).to_have_text("Заявка отправлена")
    filed = desk.locator("#my-requests tbody tr[data-kind='swap']")
    expect(filed).to_have_attribute("data-state", "pending")
    expect(filed).to_contain_text("Ольга Иванова")
    expect(filed).to_contain_text("ждёт согласия коллеги")
