"""The QA API speaks the caller's language for findings, the timeline's tooltips and the
scorecard: Russian for a Russian request, English for an English one (``?lang=``, else
the user's choice), with the same stable keys and numbers; findings stored before the
catalogue still render. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.services.context import ServiceContext
from helpline.services.qa_demo import seed_qa
from helpline.settings import Settings
from helpline.store.qa_tables import QaFindingRow
from helpline.web.app import create_app
from tests.integration.helpers import add_agent
from tests.integration.test_api import login

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
QUOTED = re.compile(r"«[^»]*»")
STABLE = ("rule", "kind", "source", "message_key", "params", "passed", "applicable",
          "start", "end", "measured", "limit")


@pytest.fixture
def http(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    with TestClient(create_app(container, run_ticker=False)) as client:
        ctx = container.ctx
        for name in ("anna", "boris", "ivan"):
            add_agent(ctx, name, status=None)
        seed_qa(ctx)
        add_agent(ctx, "quinn", role=Role.QA, status=None)  # Russian by default
        login(client, "quinn")
        yield client, ctx
    container.close()


def _findings(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/qa/contacts/demo-call-0002", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _words(text: str) -> str:
    return QUOTED.sub("", text)


def test_russian_request_gets_russian_and_english_request_english(
        http: tuple[TestClient, ServiceContext]) -> None:
    client, _ = http
    ru = _findings(client)  # the user's choice: Russian
    en = _findings(client, lang="en")
    assert (ru["language"], en["language"]) == ("ru", "en")
    assert len(ru["findings"]) == len(en["findings"]) > 10
    for a, b in zip(ru["findings"], en["findings"], strict=True):
        assert [a[k] for k in STABLE] == [b[k] for k in STABLE]
        assert CYRILLIC.search(_words(a["title"])) and CYRILLIC.search(_words(a["message"]))
        assert not CYRILLIC.search(_words(b["title"]) + _words(b["message"])), b
    by_rule_ru = {f["rule"]: f for f in ru["findings"]}
    by_rule_en = {f["rule"]: f for f in en["findings"]}
    allo_ru, allo_en = by_rule_ru["no_allo"], by_rule_en["no_allo"]
    assert (allo_ru["title"], allo_ru["message"]) == ("Не употреблять слово «Алло»",
                                                      "прозвучало запрещённое «Алло»")
    assert (allo_en["title"], allo_en["message"]) == ("Never say «Алло»",
                                                      "forbidden «Алло» said")
    assert (allo_ru["message_key"], allo_ru["params"]) == ("phrase_absent.found",
                                                           {"matched": "Алло"})
    silence = by_rule_ru["no_long_silence"]
    assert silence["message"] == "тишина в эфире 14,5 с без удержания (норматив — до 10 с)"
    assert by_rule_en["no_long_silence"]["message"] == \
        "14.5 s of silence without hold (limit 10 s)"
    assert by_rule_ru["hold_return"]["message"] == \
        "удержание 150 с, норматив — до 120 с для роли «специалист»"
    # the explicit ?lang= wins over the user's choice, both ways
    assert _findings(client, lang="ru")["findings"] == ru["findings"]
    assert client.get("/api/v1/qa/contacts/demo-call-0002",
                      params={"lang": "de"}).status_code == 422


def test_the_users_choice_and_the_timeline_and_the_scorecard(
        http: tuple[TestClient, ServiceContext]) -> None:
    client, _ = http
    svg_ru = client.get("/api/v1/qa/contacts/demo-call-0002/timeline.svg").text
    assert "прозвучало запрещённое «Алло»" in svg_ru and "Удержание" in svg_ru
    card_ru = client.post("/api/v1/qa/contacts/demo-call-0002/scorecard").json()
    items = {i["id"]: i for i in card_ru["items"]}
    assert items["no_allo"]["title"].startswith("Без «Алло»")
    assert items["no_allo"]["auto_reason"] == "не выполнено: 1 из 1 применимой проверки"
    assert items["no_allo"]["findings"][0]["note"].startswith("прозвучало запрещённое «Алло»")

    client.get("/lang/en?next=/qa")  # remembered for the user: no ?lang= needed
    en = _findings(client)
    assert en["language"] == "en"
    assert {f["rule"]: f["title"] for f in en["findings"]}["no_allo"] == "Never say «Алло»"
    svg_en = client.get("/api/v1/qa/contacts/demo-call-0002/timeline.svg").text
    assert "forbidden «Алло» said" in svg_en and "прозвучало" not in svg_en
    card_en = client.get("/api/v1/qa/contacts/demo-call-0002/scorecard").json()
    items = {i["id"]: i for i in card_en["items"]}
    assert items["no_allo"]["auto_reason"] == "1 of 1 applicable finding(s) failed"
    assert items["no_allo"]["findings"][0]["note"].startswith("forbidden «Алло» said")
    assert client.get("/api/v1/qa/contacts/demo-call-0002/scorecard",
                      params={"lang": "ru"}).json()["items"][0]["title"].startswith(
        "Приветствие")


def test_findings_stored_before_the_catalogue_still_render(
        http: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = http
    with ctx.uow() as uow:  # as 0007 stored them: no key, no parameters, no titles
        uow.session.execute(update(QaFindingRow).values(message_key=None, params=None,
                                                        titles=None))
        uow.commit()
    ru = {f["rule"]: f for f in _findings(client, lang="ru")["findings"]}
    en = {f["rule"]: f for f in _findings(client, lang="en")["findings"]}
    # titles of the shipped rulebook in both languages; messages: the stored English
    assert ru["no_allo"]["title"] == "Не употреблять слово «Алло»"
    assert en["no_allo"]["title"] == "Never say «Алло»"
    assert ru["no_allo"]["message"] == en["no_allo"]["message"] == "forbidden «Алло» said"
    assert ru["no_allo"]["message_key"] is None
