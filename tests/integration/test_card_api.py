"""The single window over HTTP: card, verification, actions and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.domain.subscribers.customers import DocumentType
from helpline.services import provisioning
from helpline.services.context import ServiceContext
from helpline.services.keys import document_key
from helpline.settings import DEMO_SECRET_KEY, Settings
from helpline.web.app import create_app
from tests.integration.billing_helpers import SMART, add_line, add_tariff
from tests.integration.helpers import add_agent, add_queue
from tests.integration.test_api import login, new_chat


@pytest.fixture
def app_client(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, ServiceContext]]:
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    app = create_app(container, run_ticker=False)
    app.state.desk_code_sender = lambda to, body: None
    with TestClient(app) as client:
        yield client, container.ctx
    container.close()


def test_verify_reveal_puk_and_read_the_audit(app_client: tuple[TestClient, ServiceContext]
                                             ) -> None:
    client, ctx = app_client
    add_queue(ctx)
    add_agent(ctx, "anna")
    add_agent(ctx, "boris")
    add_agent(ctx, "sveta", role=Role.SUPERVISOR, skills={}, status=None)
    add_tariff(ctx, SMART)
    owner = provisioning.create_customer(
        ctx, full_name="Мария Соколова", document_type=DocumentType.PASSPORT_RF,
        document_number="4612 654321", document_key=document_key(DEMO_SECRET_KEY)).id
    add_line(ctx, msisdn="79161234567", opened_on=provisioning.local_today(ctx),
             money_minor=100_000, customer_id=owner)
    chat = new_chat(client, phone="+7 916 123-45-67")
    login(client, "anna")
    cid = chat["contact_id"]
    assert client.post(f"/api/v1/contacts/{cid}/accept").status_code == 200
    base = f"/api/v1/desk/contacts/{cid}"

    card = client.get(f"{base}/card").json()
    assert card["found"] and card["level"] == "number_matched"
    assert card["holder"]["document_masked"] == "46 ** ****21"
    refused = client.post(f"{base}/actions/reveal-puk", json={"reason": "new SIM"})
    assert refused.status_code == 403
    assert refused.json()["error_id"] == "verification_required"
    assert refused.json()["details"]["needed"] == "document_verified"

    step = client.post(f"{base}/verification/document", json={"document_number": "4612654321"})
    assert step.status_code == 200 and step.json()["level"] == "document_verified"
    shown = client.post(f"{base}/actions/reveal-puk", json={"reason": "new SIM"})
    assert shown.status_code == 200, shown.text
    puk = shown.json()["puk"]
    assert len(puk) == 8 and shown.json()["audit_id"] > 0

    key = {"Idempotency-Key": "svc-1"}
    first = client.post(f"{base}/actions/enable-service", json={"service": "roaming"},
                        headers=key)
    again = client.post(f"{base}/actions/enable-service", json={"service": "roaming"},
                        headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] and again.json()["audit_id"] == first.json()["audit_id"]
    code = client.post(f"{base}/verification/code", json={})
    assert code.status_code == 200 and code.json()["outcome"] == "sent"

    assert client.get("/api/v1/desk/audit").status_code == 403
    assert client.get("/api/v1/desk/complaints").status_code == 403  # agents: no
    login(client, "boris")
    assert client.get(f"{base}/card").status_code == 403
    login(client, "sveta")
    log = client.get("/api/v1/desk/audit", params={"msisdn": "+7 916 123-45-67",
                                                   "action": "reveal_puk"})
    assert log.status_code == 200
    entries = log.json()
    assert [e["outcome"] for e in entries] == ["done", "refused"]
    assert entries[0]["id"] == shown.json()["audit_id"]
    assert entries[0]["params"] == {"line_msisdn": "7916*****67"}
    assert puk not in log.text
    assert client.get("/audit").status_code == 200
    assert client.get("/api/v1/desk/complaints").json() == []  # none filed here
