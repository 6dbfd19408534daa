"""/channels/ussd and /channels/sms in their wire format through the ASGI app
(form-encoded like the gateways send; SQLite and PostgreSQL); no 500 on garbage.

The line (see selfservice_helpers): 600.00 on Feb 10, 2026; a renewal charges 500.00.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpline.bootstrap import build
from helpline.settings import Settings
from helpline.web.app import create_app
from helpline.web.channels import GatewaySettings
from tests.conftest import ManualClock
from tests.integration.billing_helpers import ledger_equals_money, money
from tests.integration.selfservice_helpers import MSISDN, count_rows, line_used_100_minutes

__all__ = ["ledger_equals_money"]
RENEWED = "Пакет обновлён: списано 500.00 руб. Следующее списание 10.03.2026."


@pytest.fixture
def client(engine: Engine, db_url: str, clock: ManualClock) -> Iterator[TestClient]:
    """The app in demo mode on the test database, its clock the test's clock, a line."""
    container = build(Settings(database_url=db_url, demo=True, realtime="local"))
    container.ctx.clock = clock
    line_used_100_minutes(container.ctx, clock)
    with TestClient(create_app(container, run_ticker=False)) as test_client:
        yield test_client
    container.close()


def ussd(client: TestClient, text: str, session: str = "ATUid_1", code: str = "*929#",
         phone: str = "+79990000001") -> tuple[int, str]:
    response = client.post("/channels/ussd", data={
        "sessionId": session, "serviceCode": code, "phoneNumber": phone,
        "networkCode": "25001", "text": text})
    assert response.headers["content-type"].startswith("text/plain")
    return response.status_code, response.text


def test_ussd_929_flow_in_the_gateway_convention(client: TestClient, engine: Engine) -> None:
    assert ussd(client, "") == (200, "CON Обновить пакет за 500.00 руб.?\n"
                                     "След. списание: 10.03.2026\n00 Далее")
    assert ussd(client, "00") == (200, "CON Перейдут остатки: 200 мин, 100 SMS, 10240 МБ\n"
                                       "1 Да\n2 Нет")
    assert ussd(client, "00*1") == (200, f"END {RENEWED}")
    assert ussd(client, "00*1") == (200, f"END {RENEWED}")  # retried by the gateway
    assert money(engine, MSISDN) == 10000


def test_ussd_menus_and_garbage_never_500(client: TestClient) -> None:
    assert ussd(client, "", code="*111#")[1].startswith("CON 1 Баланс\n")
    assert ussd(client, "4", code="*111#")[1] == (
        "END На ваш паспорт оформлено номеров: 1.\nНе ваш номер? Обратитесь в салон.")
    assert ussd(client, "1", code="*111#")[1].startswith("CON Баланс: 600.00 руб.")
    assert ussd(client, "", code="*100#")[1].startswith("CON Баланс: 600.00 руб.")
    assert ussd(client, "ы*%00*#", code="*111#") == (
        200, "CON Неверный ввод.\n1 Баланс\n2 Обнови пакет\n3 Услуги на номере\n00 Далее")
    assert ussd(client, "*" * 100, code="*111#")[1].startswith("END Слишком длинная")
    assert ussd(client, "", phone="garbage") == (
        200, "END Извините, ваш номер не обслуживается.")
    assert ussd(client, "", code="*12345#") == (200, "END Неизвестная команда. Меню: *111#")
    missing = client.post("/channels/ussd", data={"text": "1"})
    assert missing.status_code == 400 and missing.text.startswith("END ")
    as_json = client.post("/channels/ussd", json={"sessionId": "x"})
    assert as_json.status_code == 400 and as_json.text.startswith("END ")
    binary = client.post("/channels/ussd", content=b"\xff\xfe\x00garbage",
                         headers={"content-type": "multipart/form-data; boundary=zz"})
    assert binary.status_code == 400 and binary.text.startswith("END ")


def test_sms_form_and_json_deduplicated_by_message_id(client: TestClient,
                                                     engine: Engine) -> None:
    form = {"from": "+79990000001", "to": "9290", "text": "", "message_id": "SM-1"}
    first = client.post("/channels/sms", data=form)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body == {"message_id": "SM-1", "reply": RENEWED, "outbox_id": body["outbox_id"],
                    "duplicate": False, "outcome": "renewed"}
    again = client.post("/channels/sms", json=form)
    assert again.json() == {**body, "duplicate": True, "outcome": None}
    assert money(engine, MSISDN) == 10000 and count_rows(engine, "sms_outbox") == 1
    repeat = client.post("/channels/sms", json={**form, "message_id": "SM-2"}).json()
    assert repeat["outcome"] == "confirm_repeat"
    assert repeat["reply"] == ("Пакет уже обновлён менее 10 минут назад. "
                               "Повтор спишет плату снова.")
    english = client.post("/channels/sms", data={**form, "to": "100", "message_id": "SM-3",
                                                  "language": "en"}).json()
    assert english["reply"].startswith("Balance: 100.00 RUB Tariff: Smart")


@pytest.mark.parametrize("payload", [
    {"data": {"from": "+79990000001", "to": "9290"}},
    {"data": {"from": "nobody", "to": "9290", "message_id": "x"}},
    {"data": {"from": "+79990000001", "to": "call me", "message_id": "x"}},
    {"data": {"from": "+79990000001", "to": "9290", "message_id": "x" * 500}},
    {"json": [1, 2, 3]},
    {"json": {"from": 79990000001, "to": ["9290"], "message_id": None}},
    {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"content": b"\xff\xfe", "headers": {"content-type": "multipart/form-data; boundary=zz"}},
])
def test_malformed_sms_is_422_with_the_standard_error_body(
        client: TestClient, payload: dict[str, object]) -> None:
    response = client.post("/channels/sms", **payload)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"error_id", "message", "details"}


def test_the_gateway_token_is_required_when_set_or_outside_demo(
        client: TestClient, engine: Engine) -> None:
    form = {"from": "+79990000001", "to": "100", "text": "", "message_id": "T-1"}
    client.app.state.gateway = GatewaySettings(gateway_token="s3cret")  # type: ignore[attr-defined]
    refused = client.post("/channels/sms", data=form)
    assert refused.status_code == 401 and refused.json()["error_id"] == "not_authenticated"
    wrong = client.post("/channels/ussd", data={"sessionId": "s"},
                        headers={"X-Gateway-Token": "guess"})
    assert wrong.status_code == 401
    ok = client.post("/channels/sms", data=form, headers={"X-Gateway-Token": "s3cret"})
    assert ok.status_code == 200
    client.app.state.gateway = GatewaySettings()  # type: ignore[attr-defined]
    container = client.app.state.container  # type: ignore[attr-defined]
    container.settings.demo = False
    closed = client.post("/channels/sms", data={**form, "message_id": "T-2"})
    assert closed.status_code == 403 and closed.json()["error_id"] == "permission_denied"
    assert count_rows(engine, "sms_inbox") == 1

