"""The provisioning REST API on SQLite and PostgreSQL: status codes, error ids,
roles, idempotency, and no 500 on garbage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.services.context import ServiceContext
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.conftest import ManualClock
from tests.integration.billing_helpers import ledger_equals_money, noon
from tests.integration.helpers import PASSWORD, add_agent

__all__ = ["ledger_equals_money"]
API = "/api/v1"
SMART = {"code": "smart", "name": "Smart", "monthly_fee_minor": 50000,
         "included_minutes": 300, "included_sms": 100, "included_mb": 10240,
         "minute_rate_minor": 300, "sms_rate_minor": 250, "mb_rate_minor": 150,
         "renew_package_available": True}


@pytest.fixture
def app_client(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    clock = ManualClock(noon(date(2026, 1, 31)))
    container.ctx.clock = clock
    add_agent(container.ctx, "root", role=Role.ADMIN, status=None)
    add_agent(container.ctx, "sveta", role=Role.SUPERVISOR, status=None)
    add_agent(container.ctx, "anna", status=None)
    with TestClient(create_app(container, run_ticker=False)) as client:
        yield client, container.ctx
    container.close()


def login(client: TestClient, username: str) -> None:
    response = client.post(f"{API}/auth/login",
                           json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def provision(client: TestClient, money_minor: int = 0) -> str:
    assert client.post(f"{API}/tariffs", json=SMART).status_code == 201
    customer = client.post(f"{API}/customers", json={
        "full_name": "Мария Соколова", "document_number": "4612 654321",
        "contracts": [{"number": "MOB-1", "kind": "mobile", "signed_on": "2026-01-31"}]})
    assert customer.status_code == 201, customer.text
    line = client.post(f"{API}/lines", json={
        "msisdn": "+7 916 123-45-67", "customer_id": customer.json()["id"],
        "tariff_code": "smart", "contract_number": "MOB-1"})
    assert line.status_code == 201, line.text
    if money_minor:
        assert client.post(f"{API}/lines/79161234567/top-ups", json={
            "amount_minor": money_minor, "idempotency_key": "opening"}).status_code == 201
    return "79161234567"


def error_id(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error_id", "message", "details"}, body
    return str(body["error_id"])


def test_provisioning_and_reads(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, _ = app_client
    login(client, "root")
    msisdn = provision(client)
    customer_id = client.get(f"{API}/lines/{msisdn}").json()["customer_id"]
    card = client.get(f"{API}/customers/{customer_id}").json()
    assert card["document_masked"] == "46 ** ****21" and card["lines"] == [msisdn]
    assert "4612 654321" not in str(card) and "654321" not in str(card)
    assert client.get(f"{API}/tariffs").json()[0]["daily_fee_minor"] == 1667  # 500/30 up

    posted = client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": 60000},
                         headers={"Idempotency-Key": "pay-1"})
    assert posted.status_code == 201 and posted.json()["money_minor"] == 60000
    again = client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": 60000},
                        headers={"Idempotency-Key": "pay-1"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["money_minor"] == 60000

    run = client.post(f"{API}/billing/charge-runs", json={"date": "2026-01-31"})
    assert run.status_code == 200, run.text
    assert run.json() == {"date": "2026-01-31", "lines": 1, "charged_minor": 50000,
                          "outcomes": {"monthly_charged": 1}, "failed": {}}

    used = client.post(f"{API}/lines/{msisdn}/usage", json={
        "unit": "minutes", "quantity": 310, "idempotency_key": "cdr-1"})
    assert used.status_code == 201, used.text
    assert used.json()["consumed"] == {"tariff_package": 300}
    assert used.json()["charged_minor"] == 3000 and used.json()["money_minor"] == 7000

    view = client.get(f"{API}/lines/{msisdn}").json()
    assert view["money_minor"] == 7000 and view["remaining"]["minutes"] == 0
    assert view["remaining"]["mb"] == 10240 and view["next_charge_date"] == "2026-02-28"
    ledger = client.get(f"{API}/lines/{msisdn}/ledger", params={"limit": 2}).json()
    assert [e["kind"] for e in ledger] == ["usage", "charge"]
    older = client.get(f"{API}/lines/{msisdn}/ledger",
                       params={"before_id": ledger[-1]["id"]}).json()
    assert [e["idempotency_key"] for e in older] == ["pay-1"]
    assert client.get(f"{API}/lines/{msisdn}/same-document").json() == {
        "count": 1, "lines": [msisdn]}


def test_renewal_on_behalf(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, _ = app_client
    login(client, "sveta")
    msisdn = provision(client, money_minor=60000)
    client.post(f"{API}/billing/charge-runs", json={"date": "2026-01-31"})  # 403 for sveta
    quote = client.get(f"{API}/lines/{msisdn}/renewal-quote", params={"language": "en"})
    assert quote.json()["available"] is True and quote.json()["fee_minor"] == 50000

    done = client.post(f"{API}/lines/{msisdn}/renewals", json={"idempotency_key": "r1"})
    assert done.status_code == 201, done.text
    assert done.json()["money_minor"] == 10000 and done.json()["next_charge_date"] == "2026-02-28"
    replay = client.post(f"{API}/lines/{msisdn}/renewals", json={},
                         headers={"Idempotency-Key": "r1"})
    assert replay.status_code == 200 and replay.json()["replayed"] is True

    refused = client.post(f"{API}/lines/{msisdn}/renewals",
                          json={"idempotency_key": "r2", "confirmed": True, "language": "en"})
    assert refused.status_code == 409 and error_id(refused) == "renewal_refused"
    assert refused.json()["details"] == {"code": "insufficient_funds", "fee_minor": 50000,
                                         "money_minor": 10000, "replayed": False}
    assert refused.json()["message"] == "Not enough money to renew the package. Please top up."


def test_roles_and_errors(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, _ = app_client
    assert error_id(client.get(f"{API}/tariffs")) == "not_authenticated"
    login(client, "root")
    msisdn = provision(client)
    assert error_id(client.post(f"{API}/tariffs", json=SMART)) == "conflict"
    bad = [
        (client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": 100}),
         "validation_failed"),  # no idempotency key
        (client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": "100"},
                     headers={"Idempotency-Key": "k"}), "validation_failed"),
        (client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": True},
                     headers={"Idempotency-Key": "k"}), "validation_failed"),
        (client.post(f"{API}/lines/{msisdn}/top-ups", json={"amount_minor": 10**30},
                     headers={"Idempotency-Key": "k"}), "validation_failed"),
        (client.post(f"{API}/lines/{msisdn}/top-ups", json={
            "amount_minor": 1, "idempotency_key": "a"}, headers={"Idempotency-Key": "b"}),
         "validation_failed"),
        (client.get(f"{API}/lines/12345"), "invalid_msisdn"),
        (client.get(f"{API}/lines/79000000000"), "not_found"),
        (client.post(f"{API}/lines", json={"msisdn": "79160000000", "customer_id": "x",
                                          "tariff_code": "smart"}), "not_found"),
        (client.post(f"{API}/customers", json={"full_name": "A",
                                              "document_number": "12"}), "invalid_document"),
        (client.post(f"{API}/lines/{msisdn}/usage", json={
            "unit": "minutes", "quantity": 1, "idempotency_key": "u"}), "insufficient_funds"),
    ]
    assert [(r.status_code // 100, error_id(r)) for r, _ in bad] == [
        (4, expected) for _, expected in bad]
    client.post(f"{API}/billing/charge-runs", json={"date": "2026-01-31"})  # blocks: no money
    blocked = client.post(f"{API}/lines/{msisdn}/usage", json={
        "unit": "minutes", "quantity": 1, "idempotency_key": "u"})
    assert blocked.status_code == 409 and error_id(blocked) == "line_blocked"
    client.post(f"{API}/auth/logout")
    login(client, "anna")
    assert client.get(f"{API}/lines/{msisdn}").status_code == 200  # agents read
    denied = client.post(f"{API}/lines/{msisdn}/top-ups", json={
        "amount_minor": 1, "idempotency_key": "k"})
    assert denied.status_code == 403 and error_id(denied) == "permission_denied"
    client.post(f"{API}/auth/logout")
    login(client, "sveta")
    assert error_id(client.post(f"{API}/billing/charge-runs",
                                json={"date": "2026-02-01"})) == "permission_denied"
