"""Malformed input never yields a 500 on the provisioning routes (as an admin, so the
requests get past authorisation), and the ledger still equals the money afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.bootstrap import build
from helpline.domain.agents import Role
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.conftest import truncate_all
from tests.integration.billing_helpers import ledger_mismatches
from tests.integration.helpers import add_agent
from tests.integration.test_billing_api import login, provision

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=12,
)
fields = st.sampled_from(["code", "name", "monthly_fee_minor", "included_mb", "full_name",
                          "document_number", "document_type", "contracts", "msisdn",
                          "customer_id", "tariff_code", "opened_on", "discount_percent",
                          "services", "amount_minor", "idempotency_key", "unit", "quantity",
                          "date", "confirmed", "language"])
bodies = st.one_of(json_values, st.dictionaries(fields, json_values, max_size=6))
path_values = st.one_of(st.just("79161234567"), st.text(max_size=40),
                        st.text(alphabet="+0123456789 -", min_size=1, max_size=20))


@pytest.fixture(scope="module")
def admin_client(sqlite_url: str) -> Iterator[TestClient]:
    container = build(Settings(database_url=sqlite_url, demo=True, realtime="local"))
    truncate_all(container.engine)
    add_agent(container.ctx, "root", role=Role.ADMIN, status=None)
    with TestClient(create_app(container, run_ticker=False)) as client:
        login(client, "root")
        provision(client, money_minor=100000)
        yield client
    assert ledger_mismatches(container.engine) == []
    truncate_all(container.engine)
    container.close()


@settings(max_examples=250, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_provisioning_routes_never_answer_500(admin_client: TestClient,
                                              data: st.DataObject) -> None:
    schema: dict[str, Any] = admin_client.app.openapi()  # type: ignore[attr-defined]
    routes = sorted((m.upper(), p) for p, ops in schema["paths"].items() for m, op in ops.items()
                    if "provisioning" in op.get("tags", []))
    method, path = data.draw(st.sampled_from(routes))
    url = re.sub(r"\{[^}]+\}", lambda _: quote(data.draw(path_values), safe=""), path)
    headers = {"Idempotency-Key": data.draw(st.text(alphabet="abc-_09", max_size=130))}
    kwargs: dict[str, Any] = {"headers": headers, "params": data.draw(st.dictionaries(
        st.sampled_from(["limit", "before_id", "language"]), st.text(max_size=20),
        max_size=2))}
    if method == "POST":
        if data.draw(st.booleans()):
            kwargs["json"] = data.draw(bodies)
        else:
            kwargs["content"] = data.draw(st.binary(max_size=60))
            headers["content-type"] = "application/json"
    response = admin_client.request(method, url, **kwargs)
    assert response.status_code < 500, (method, url, kwargs, response.text)
    if response.status_code >= 400:
        assert set(response.json()) == {"error_id", "message", "details"}
