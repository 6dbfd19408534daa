"""Quality analytics through a real browser on the demo data: the QA specialist goes from
the board to /qa, searches a phrase, opens the contact it was said in and sees the
timeline picture and the failed rules marked in the (redacted) transcript."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser


def test_qa_specialist_searches_and_opens_a_contact(
        server: Server, new_context: Callable[[], BrowserContext],
        login: Callable[..., Page]) -> None:
    page = login(new_context(), "vera")
    expect(page).to_have_url(re.compile(r"/board$"))
    page.click("#qa-link")
    expect(page).to_have_url(re.compile(r"/qa$"))
    expect(page.locator("#qa-contacts tbody tr")).to_have_count(3)
    expect(page.locator('#qa-contacts tr[data-contact="demo-call-0002"] td.result')
           ).to_contain_text("no_allo")

    page.fill("#qa-q", "минуточка")  # any form: «Минуточку» was said
    page.click("#qa-search-submit")
    hit = page.locator('#qa-hits li[data-contact="demo-call-0002"]')
    expect(hit).to_have_count(1)
    expect(hit.locator(".snippet mark")).to_have_text("Минуточку")
    hit.locator("a.hit-link").click()
    expect(page).to_have_url(re.compile(r"/qa\?contact=demo-call-0002#u-2$"))

    # the timeline: a picture drawn by the server, with the late hold and the dead air
    timeline = page.locator("#qa-timeline svg")
    expect(timeline).to_be_visible()
    expect(timeline.locator("rect.late-hold")).to_have_count(1)
    expect(timeline.locator("rect.dead-air")).to_have_count(1)
    expect(timeline.locator("rect.speech.agent")).to_have_count(5)
    expect(timeline).to_contain_text("Удержание")

    # the transcript: «Алло» marked as the failed rule it breaks, evidence in a tooltip
    first = page.locator("#qa-transcript li#u-0")
    expect(first).to_have_class(re.compile(r"\bfailed\b"))
    expect(first.locator('.finding-badge[data-rule="no_allo"]')).to_have_count(1)
    mark = first.locator("mark.failed-match")
    expect(mark).to_have_text("Алло")
    expect(mark).to_have_attribute("title", re.compile("Алло"))
    expect(page.locator('#qa-findings tr.fail[data-rule="no_allo"]')).to_have_count(1)
    expect(page.locator('#qa-findings tr.ok[data-rule="no_time_of_day_greeting"]')
           ).to_have_count(1)
    # Vera reads Russian: the findings' titles and messages are Russian too
    allo = page.locator('#qa-findings tr.fail[data-rule="no_allo"]')
    expect(allo.locator("td.title")).to_have_text("Не употреблять слово «Алло»")
    expect(allo.locator("td.message")).to_have_text("прозвучало запрещённое «Алло»")
    expect(page.locator('#qa-findings tr.fail[data-rule="no_long_silence"] td.message')
           ).to_have_text("тишина в эфире 14,5 с без удержания (норматив — до 10 с)")
    # the card number the operator repeated is masked everywhere on the page
    expect(page.locator("#qa-transcript li#u-2 .text")).to_have_text("Карта [card]? Минуточку.")
    assert "4276" not in page.content()
    expect(page.locator("#scorecard")).to_have_attribute("data-contact-id", "demo-call-0002")

    # in English, the same findings in English
    page.goto(f"{server.base_url}/lang/en?next=/qa%3Fcontact%3Ddemo-call-0002")
    allo = page.locator('#qa-findings tr.fail[data-rule="no_allo"]')
    expect(allo.locator("td.title")).to_have_text("Never say «Алло»")
    expect(allo.locator("td.message")).to_have_text("forbidden «Алло» said")
    expect(page.locator("#qa-timeline svg")).to_contain_text("Hold")
