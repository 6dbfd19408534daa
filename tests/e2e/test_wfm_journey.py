"""WFM through real browsers on the demo data: the supervisor opens /wfm, sees the
charts, the grid and Ivan's pending day off with its coverage effect, approves it and
the grid shows the day off; Anna opens "My schedule" and offers a weekend shift to Olga.
The supervisor plans a draft from a history file on the page and sees it selected."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
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


def _history_file(path: Path, last_day: date, days: int = 15) -> Path:
    """15-minute call counts (naive times, the center's zone) ending on ``last_day``: a
    daytime hump, quieter weekends, Poisson noise."""
    rng = np.random.default_rng(7)
    first = datetime.combine(last_day - timedelta(days=days - 1), datetime.min.time())
    rows = ["timestamp,calls,aht"]
    for k in range(days * 96):
        at = first + timedelta(minutes=15 * k)
        hour = at.hour + at.minute / 60
        level = math.sin(math.pi * (hour - 8) / 12) if 8 <= hour < 20 else 0.0
        calls = int(rng.poisson(4 * level * (0.6 if at.weekday() >= 5 else 1.0)))
        rows.append(f"{at:%Y-%m-%d %H:%M},{calls},240")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_supervisor_plans_a_draft_from_a_history_file(
        server: Server, new_context: Callable[[], BrowserContext],
        login: Callable[..., Page], tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    history = _history_file(tmp_path / "calls.csv", today - timedelta(days=1))
    wfm = login(new_context(), "sveta")
    wfm.goto("/wfm")
    expect(wfm.locator("#schedule-status")).to_have_attribute("data-status", "published")
    published = wfm.locator("#schedule-select").input_value()

    wfm.set_input_files("#plan-history", str(history))
    wfm.fill("#plan-horizon", "7")
    wfm.fill("#plan-time-limit", "5")
    with wfm.expect_response(lambda r: r.url.endswith("/api/v1/wfm/plan"),
                             timeout=90_000) as answer:
        wfm.click("#plan-submit")
        expect(wfm.locator("#plan-working")).to_be_visible()
        expect(wfm.locator("#plan-submit")).to_be_disabled()
    assert answer.value.status == 201, answer.value.text()
    plan = answer.value.json()
    expect(wfm.locator("#plan-result")).to_be_visible()
    expect(wfm.locator("#plan-working")).to_be_hidden()
    scores = wfm.locator("#plan-scores tbody tr")
    expect(scores).to_have_count(len(plan["forecast"]["scores"]))
    chosen = wfm.locator("#plan-scores tbody tr.chosen")
    expect(chosen).to_have_attribute("data-model", plan["forecast"]["model"])
    expect(chosen).to_contain_text("выбрана")
    expect(wfm.locator("#plan-requirement-summary")).to_contain_text(
        f"пик, операторов {plan['requirement']['peak_agents']}")
    expect(wfm.locator("#plan-schedule-summary")).to_contain_text("Нарушения правил: 0")
    # the new draft is selected: its grid (the published schedule's five operators),
    # charts and the Publish button
    expect(wfm.locator("#schedule-select")).to_have_value(str(plan["schedule_id"]))
    assert str(plan["schedule_id"]) != published
    expect(wfm.locator("#schedule-status")).to_have_attribute("data-status", "draft")
    expect(wfm.locator("#publish-draft")).to_be_visible()
    expect(wfm.locator("#grid tbody tr")).to_have_count(5)
    expect(wfm.locator("#grid thead th")).to_have_count(8)  # operator + 7 days
    expect(wfm.locator("#grid td.shift").first).to_be_visible()
    wfm.wait_for_function("document.querySelector('#forecast-chart').naturalWidth > 0")
