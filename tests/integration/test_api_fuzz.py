"""Malformed input never yields a 500: random bodies, params and ids on every route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.bootstrap import build
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.conftest import truncate_all
from tests.integration.helpers import PASSWORD, add_agent, add_queue

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=12,
)
# Bodies shaped like the real ones, with wrong types and out-of-range values mixed in.
field_names = st.sampled_from(["name", "phone", "topic", "language", "client_msg_id", "body",
                               "score", "code", "queue_id", "agent_id", "status", "username",
                               "password", "last_seq"])
bodies = st.one_of(json_values, st.dictionaries(field_names, json_values, max_size=6))
path_ids = st.one_of(st.just("x"), st.text(alphabet="abcdef0123456789-", min_size=1,
                                          max_size=40))


@pytest.fixture(scope="module")
def client(sqlite_url: str) -> Iterator[TestClient]:
    container = build(Settings(database_url=sqlite_url, demo=True, realtime="local"))
    truncate_all(container.engine)
    add_queue(container.ctx)
    add_agent(container.ctx, "fuzzer")
    with TestClient(create_app(container, run_ticker=False)) as test_client:
        test_client.post("/api/v1/auth/login",
                         json={"username": "fuzzer", "password": PASSWORD})
        yield test_client
    container.close()


def api_routes(client: TestClient) -> list[tuple[str, str]]:
    schema: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    return sorted((method.upper(), path) for path, ops in schema["paths"].items()
                  for method in ops if path.startswith("/api/v1"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_route_answers_500(client: TestClient, data: st.DataObject) -> None:
    method, path = data.draw(st.sampled_from(api_routes(client)))
    url = re.sub(r"\{[^}]+\}", lambda _: data.draw(path_ids), path)
    params = data.draw(st.dictionaries(st.sampled_from(["after", "since", "until", "limit",
                                                        "type", "language", "after_id"]),
                                       st.text(max_size=20), max_size=3))
    headers = {"X-Chat-Token": data.draw(st.text(alphabet="abcXYZ-_09", max_size=20))}
    kwargs: dict[str, Any] = {"params": params, "headers": headers}
    if method in ("POST", "PUT"):
        if data.draw(st.booleans()):
            kwargs["json"] = data.draw(bodies)
        else:
            kwargs["content"] = data.draw(st.binary(max_size=60))
            headers["content-type"] = "application/json"
    response = client.request(method, url, **kwargs)
    assert response.status_code < 500, (method, url, kwargs, response.text)
    if response.status_code >= 400:
        assert set(response.json()) == {"error_id", "message", "details"}
