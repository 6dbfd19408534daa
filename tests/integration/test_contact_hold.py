"""Hold / resume on SQLite and PostgreSQL: the services (one transaction each, the event
log, notifications after commit, retries that change nothing, who may act), the REST
API and its errors, and the migration that adds ``contacts.held_since``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from helpline.domain.agents import Role
from helpline.domain.contacts import ContactState
from helpline.domain.errors import InvalidTransition, NotFound, PermissionDenied
from helpline.services import chat, desk, eventlog
from helpline.services.context import ServiceContext
from helpline.store.database import make_engine
from helpline.store.migrate import upgrade
from tests.conftest import ManualClock, pg_admin_url
from tests.integration.helpers import add_agent, add_queue
from tests.integration.test_api import app_client, login, new_chat

__all__ = ["app_client"]
HOLD_TYPES = ("contact_held", "contact_resumed")


def _accepted(ctx: ServiceContext) -> tuple[str, str]:
    add_queue(ctx)
    anna = add_agent(ctx, "anna")
    started = chat.start_chat(ctx, name="Алексей", phone="+7 903 111-00-00", topic="mobile",
                              language="ru")
    desk.accept(ctx, anna, started.contact_id)
    return anna, started.contact_id


def _hold_log(ctx: ServiceContext, contact_id: str) -> list[dict[str, object]]:
    return eventlog.query(ctx, contact_id=contact_id, types=HOLD_TYPES)


def test_hold_and_resume_are_logged_published_and_stored(ctx: ServiceContext,
                                                          clock: ManualClock,
                                                          published: list[dict[str, object]]
                                                          ) -> None:
    anna, cid = _accepted(ctx)
    clock.advance(30)
    held_at = clock.now
    published.clear()
    contact = desk.hold(ctx, anna, cid, reason="checking the tariff")
    assert contact.state == ContactState.ACTIVE and contact.held_since == held_at
    assert [(p["type"], p["contact_id"], p["agent_id"]) for p in published] == [
        ("contact_held", cid, anna)]
    # stored: a fresh read has the flag, timezone-aware
    again = desk.check_can_see(ctx, anna, cid)
    assert again.held_since == held_at and again.held_since.utcoffset() is not None
    assert [c.held_since for c in desk.visible_contacts(ctx, anna)] == [held_at]

    # a retry changes nothing: same hold, no event, no notification
    clock.advance(5)
    published.clear()
    retry = desk.hold(ctx, anna, cid, reason="another reason")
    assert retry.held_since == held_at and published == []
    assert len(_hold_log(ctx, cid)) == 1

    clock.advance(145)
    resumed = desk.resume(ctx, anna, cid)
    assert resumed.held_since is None
    assert [p["type"] for p in published] == ["contact_resumed"]
    published.clear()
    assert desk.resume(ctx, anna, cid).held_since is None  # a retry: unchanged
    assert published == []
    log = _hold_log(ctx, cid)
    assert [(e["type"], e["at"]) for e in log] == [
        ("contact_held", held_at.isoformat()), ("contact_resumed", clock.now.isoformat())]
    assert log[0]["data"] == {"reason": "checking the tariff"}
    assert log[1]["data"] == {"implicit": False, "held_seconds": 150.0}
    assert desk.check_can_see(ctx, anna, cid).held_since is None


def test_wrap_up_while_held_closes_the_hold_in_the_log(ctx: ServiceContext,
                                                       clock: ManualClock) -> None:
    anna, cid = _accepted(ctx)
    clock.advance(10)
    desk.hold(ctx, anna, cid)
    clock.advance(40)
    contact = desk.wrap_up(ctx, anna, cid, "resolved")
    assert contact.state == ContactState.WRAP_UP and contact.held_since is None
    log = eventlog.query(ctx, contact_id=cid)
    kinds = [e["type"] for e in log]
    assert kinds[-3:] == ["contact_held", "contact_resumed", "contact_wrapped_up"]
    assert log[-2]["data"] == {"implicit": True, "ended_by": "wrap_up", "held_seconds": 40.0}
    assert desk.check_can_see(ctx, anna, cid).held_since is None
    with pytest.raises(InvalidTransition) as refused:
        desk.resume(ctx, anna, cid)  # no longer active: a conflict, not a silent no-op
    assert refused.value.error_id == "invalid_transition"


def test_transfer_and_customer_leaving_end_the_hold(ctx: ServiceContext,
                                                    clock: ManualClock) -> None:
    anna, cid = _accepted(ctx)
    add_queue(ctx, "tech")
    clock.advance(10)
    desk.hold(ctx, anna, cid)
    clock.advance(20)
    moved = desk.transfer(ctx, anna, cid, queue_id="tech")
    assert moved.held_since is None
    resumed = _hold_log(ctx, cid)[-1]
    assert resumed["data"]["ended_by"] == "transfer"  # type: ignore[index]

    started = chat.start_chat(ctx, name="Ольга", phone="+7 903 111-00-01", topic="mobile",
                              language="ru")
    desk.accept(ctx, anna, started.contact_id)
    desk.hold(ctx, anna, started.contact_id)
    clock.advance(20)
    chat.customer_leave(ctx, started.contact_id)
    left = desk.check_can_see(ctx, anna, started.contact_id)
    assert left.state == ContactState.WRAP_UP and left.held_since is None
    assert _hold_log(ctx, started.contact_id)[-1]["data"]["ended_by"] == (  # type: ignore[index]
        "customer_left")


def test_only_the_assigned_agent_may_hold_or_resume(ctx: ServiceContext) -> None:
    anna, cid = _accepted(ctx)
    boris = add_agent(ctx, "boris")
    sveta = add_agent(ctx, "sveta", role=Role.SUPERVISOR, skills={}, status=None)
    for other in (boris, sveta):  # a supervisor sees the contact but acts on none
        with pytest.raises(PermissionDenied):
            desk.hold(ctx, other, cid)
    desk.hold(ctx, anna, cid)
    for other in (boris, sveta):
        with pytest.raises(PermissionDenied):
            desk.resume(ctx, other, cid)
        with pytest.raises(PermissionDenied):
            desk.hold(ctx, other, cid)  # not a retry of someone else's hold
    with pytest.raises(NotFound):
        desk.hold(ctx, anna, "no-such-contact")
    assert len(_hold_log(ctx, cid)) == 1


def test_api_hold_resume_and_errors(app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_queue(ctx)
    add_agent(ctx, "anna")
    add_agent(ctx, "boris", status=None)
    cid = new_chat(client)["contact_id"]
    login(client, "anna")
    early = client.post(f"/api/v1/contacts/{cid}/hold")
    assert early.status_code == 409 and early.json()["error_id"] == "invalid_transition"
    assert set(early.json()) == {"error_id", "message", "details"}
    client.post(f"/api/v1/contacts/{cid}/accept").raise_for_status()
    assert client.get(f"/api/v1/contacts/{cid}").json()["held_since"] is None

    held = client.post(f"/api/v1/contacts/{cid}/hold", json={"reason": "уточняю тариф"})
    assert held.status_code == 200, held.text
    since = held.json()["held_since"]
    assert since is not None and held.json()["state"] == "active"
    retry = client.post(f"/api/v1/contacts/{cid}/hold")  # no body at all
    assert retry.status_code == 200 and retry.json()["held_since"] == since
    listed = client.get("/api/v1/contacts").json()
    assert [c["held_since"] for c in listed] == [since]
    too_long = client.post(f"/api/v1/contacts/{cid}/hold", json={"reason": "x" * 201})
    assert too_long.status_code == 422 and too_long.json()["error_id"] == "validation_failed"
    unknown_field = client.post(f"/api/v1/contacts/{cid}/hold", json={"why": "x"})
    assert unknown_field.status_code == 422
    missing = client.post("/api/v1/contacts/nope/hold")
    assert missing.status_code == 404 and missing.json()["error_id"] == "not_found"

    login(client, "boris")
    foreign = client.post(f"/api/v1/contacts/{cid}/resume")
    assert foreign.status_code == 403 and foreign.json()["error_id"] == "permission_denied"

    login(client, "anna")
    resumed = client.post(f"/api/v1/contacts/{cid}/resume")
    assert resumed.status_code == 200 and resumed.json()["held_since"] is None
    assert client.post(f"/api/v1/contacts/{cid}/resume").status_code == 200  # a retry
    client.post(f"/api/v1/contacts/{cid}/wrap-up", json={"code": "resolved"}).raise_for_status()
    late = client.post(f"/api/v1/contacts/{cid}/resume")
    assert late.status_code == 409 and late.json()["error_id"] == "invalid_transition"
    client.post("/api/v1/auth/logout")
    assert client.post(f"/api/v1/contacts/{cid}/hold").status_code == 401


def test_desk_page_has_the_hold_controls_in_both_languages(
        app_client: tuple[TestClient, ServiceContext]) -> None:
    client, ctx = app_client
    add_agent(ctx, "anna", status=None)
    login(client, "anna")
    for language, hold, resume in (("ru", "Поставить на удержание", "Снять с удержания"),
                                   ("en", "Hold", "Resume")):
        client.put("/api/v1/me/language", json={"language": language}).raise_for_status()
        page = client.get("/desk")
        assert page.status_code == 200
        assert 'id="hold"' in page.text and 'id="resume"' in page.text
        assert hold in page.text and resume in page.text
        assert "on_hold_since" in page.text  # the strings desk.js reads (window.T)


# -- the migration --------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, not migrated yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("pg_url")  # skips when PostgreSQL is not reachable
    name = f"helpline_m_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin_url().rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_0009_adds_held_since_and_keeps_existing_contacts(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0008")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO queues (id, name, name_ru, skill, min_level, require_language, "
                "sl_threshold_seconds, offer_timeout_seconds, max_missed_offers, "
                "redo_after_seconds, escalation, aht_seconds) VALUES ('mobile', 'Mobile', "
                "'mobile', 'mobile', 30, true, '{}', 20, 2, 60, '[]', 300)"))
            conn.execute(text(
                "INSERT INTO contacts (id, channel, queue_id, customer_name, customer_phone, "
                "priority, attributes, state, created_at, enqueued_at, queue_entered_at, "
                "skipped_agents, offline_message, last_seq, customer_token_hash) VALUES "
                "('old', 'chat', 'mobile', 'A', '+79000000000', 0, '{}', 'active', "
                "'2026-03-01 10:00:00+00', '2026-03-01 10:00:00+00', "
                "'2026-03-01 10:00:00+00', '{}', false, 0, '')"))
        assert "held_since" not in {c["name"] for c in inspect(engine).get_columns("contacts")}
        upgrade(engine, "0009")
        columns = {c["name"]: c for c in inspect(engine).get_columns("contacts")}
        assert columns["held_since"]["nullable"] is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT held_since FROM contacts WHERE id = 'old'")
                                ).scalar_one() is None
    finally:
        engine.dispose()
