"""The single window on SQLite and PostgreSQL: verification steps, the level each
action needs, idempotent actions, the audit entries and the append-only audit table."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from helpline.domain.billing import IdempotencyConflict
from helpline.domain.errors import PermissionDenied, ValidationFailed
from helpline.domain.subscribers.errors import VerificationLocked, VerificationRequired
from helpline.domain.subscribers.verification import (
    REQUIRED_LEVEL,
    DeskAction,
    VerificationLevel,
)
from helpline.services import audit, customer_card, desk_actions, verification
from helpline.services.audit import Actor
from helpline.services.context import ServiceContext
from helpline.services.desk_actions import ActionResult
from helpline.services.verification import Subject
from tests.conftest import ManualClock
from tests.integration.billing_helpers import KEY, ledger_count, ledger_mismatches, noon
from tests.integration.desk_helpers import (
    DAY,
    OTHER,
    OWN,
    PASSPORT,
    conversation,
    holder_with_lines,
)

pytestmark = pytest.mark.usefixtures("engine")


@pytest.fixture(autouse=True)
def _noon(clock: ManualClock) -> None:
    clock.now = noon(DAY)


def audit_rows(engine: Engine, contact_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log WHERE contact_id = :c ORDER BY id"),
                            {"c": contact_id}).mappings().all()
    out = []
    for row in rows:
        item = dict(row)
        if isinstance(item["params"], str):
            item["params"] = json.loads(item["params"])
        out.append(item)
    return out


def subject(ctx: ServiceContext, actor: Actor, contact_id: str,
            msisdn: str | None = None) -> Subject:
    return verification.resolve(ctx, actor, contact_id, msisdn)


def verify_document(ctx: ServiceContext, actor: Actor, contact_id: str,
                    msisdn: str | None = None) -> None:
    done = verification.verify_document(ctx, actor, subject(ctx, actor, contact_id, msisdn),
                                        PASSPORT, KEY)
    assert done.outcome == "verified"


def test_card_sections_follow_the_level(ctx: ServiceContext, engine: Engine) -> None:
    holder_with_lines(ctx, extra_lines=9)  # seed 004: ten numbers on one passport
    d = conversation(ctx)
    card = customer_card.card(ctx, d.agent, d.contact_id)
    # the chat came from a line of the holder: number matched without asking
    assert card["found"] and card["level"] == "number_matched"
    assert card["holder"] == {"full_name": "Алексей Кузнецов", "document_type": "passport_rf",
                              "document_masked": "45 ** ****56"}
    assert card["line"]["money_minor"] > 0 and card["line"]["tariff_code"] == "smart"
    assert card["ledger"] is None and card["lines_on_document"] is None
    assert card["contracts"] is None
    assert card["hidden"] == {"view_ledger": "document_verified",
                              "view_contracts": "document_verified",
                              "view_lines_on_document": "document_verified"}
    assert card["allowed"]["renew_package"] and not card["allowed"]["reveal_puk"]

    wrong = verification.verify_document(ctx, d.agent, subject(ctx, d.agent, d.contact_id),
                                         "4510 654321", KEY)
    assert (wrong.outcome, wrong.level) == ("wrong", VerificationLevel.NUMBER_MATCHED)
    verify_document(ctx, d.agent, d.contact_id)
    card = customer_card.card(ctx, d.agent, d.contact_id)
    assert card["level"] == "document_verified" and card["hidden"] == {}
    lines = card["lines_on_document"]
    assert lines["count"] == 10 and lines["many"] is True
    assert {line["msisdn"] for line in lines["lines"]} >= {OWN, OTHER}
    assert card["ledger"] and card["ledger"][0]["kind"] in {"charge", "top_up"}

    rows = audit_rows(engine, d.contact_id)
    steps = [(r["action"], r["outcome"]) for r in rows]
    assert steps[:3] == [("verify_number", "matched"), ("verify_document", "wrong"),
                         ("verify_document", "verified")]
    assert {"view_ledger", "view_contracts", "view_lines_on_document"} <= {
        r["action"] for r in rows}
    dump = json.dumps(rows, default=str)
    assert "654321" not in dump and "123456" not in dump  # the document never appears
    # a second view after the same verification writes no more view entries
    count = len(rows)
    customer_card.card(ctx, d.agent, d.contact_id)
    assert len(audit_rows(engine, d.contact_id)) == count


def test_document_step_locks_after_three_wrong_numbers(ctx: ServiceContext) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    s = subject(ctx, d.agent, d.contact_id)
    for _ in range(3):
        assert verification.verify_document(ctx, d.agent, s, "0000 000000", KEY).outcome \
            == "wrong"
    with pytest.raises(VerificationLocked):
        verification.verify_document(ctx, d.agent, s, PASSPORT, KEY)


def test_unknown_caller_gets_a_card_only_by_lookup(ctx: ServiceContext) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx, phone="+7 900 000-00-00")
    assert customer_card.card(ctx, d.agent, d.contact_id)["found"] is False
    card = customer_card.card(ctx, d.agent, d.contact_id, OWN)
    assert card["found"] and card["level"] == "none"
    assert card["line"] == {"msisdn": OWN, "tariff_code": "smart", "tariff_name": "Smart",
                            "status": "active", "block_reason": None,
                            "renew_package_available": True}
    match = verification.match_number(ctx, d.agent, subject(ctx, d.agent, d.contact_id, OWN))
    assert match.outcome == "not_matched" and match.level is VerificationLevel.NONE


ACTIONS = {
    DeskAction.ENABLE_SERVICE: lambda c, a, s, k: desk_actions.set_service(
        c, a, s, "roaming", enabled=True, key=k),
    DeskAction.DISABLE_SERVICE: lambda c, a, s, k: desk_actions.set_service(
        c, a, s, "roaming", enabled=False, key=k),
    DeskAction.CHANGE_TARIFF: lambda c, a, s, k: desk_actions.change_tariff(
        c, a, s, "basic", key=k, reason="customer asked"),
    DeskAction.RENEW_PACKAGE: lambda c, a, s, k: desk_actions.renew_package(c, a, s, key=k),
    DeskAction.REVEAL_PUK: lambda c, a, s, k: desk_actions.reveal_puk(
        c, a, s, reason="new SIM")[0],
    DeskAction.BLOCK_LINE: lambda c, a, s, k: desk_actions.block(
        c, a, s, reason="unknown number on my passport", key=k),
    DeskAction.FILE_COMPLAINT: lambda c, a, s, k: desk_actions.file_complaint(
        c, a, s, category="billing", description="charged after the contract ended",
        key=k),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_refused_below_its_level(ctx: ServiceContext, engine: Engine,
                                                action: DeskAction) -> None:
    holder_with_lines(ctx)
    # the caller writes from a number that is not the holder's: level none
    d = conversation(ctx, phone="+7 900 000-00-00")
    s = subject(ctx, d.agent, d.contact_id, OWN)
    with pytest.raises(VerificationRequired) as refused:
        ACTIONS[action](ctx, d.agent, s, "k-refused")
    assert refused.value.error_id == "verification_required"
    assert refused.value.details["needed"] == REQUIRED_LEVEL[action].slug
    assert refused.value.details["current"] == "none"
    last = audit_rows(engine, d.contact_id)[-1]
    assert (last["action"], last["outcome"], last["verification_level"]) == (
        action.value, "refused", "none")

    verify_document(ctx, d.agent, d.contact_id, OWN)
    done = ACTIONS[action](ctx, d.agent, s, "k-done")
    assert isinstance(done, ActionResult) and done.level is VerificationLevel.DOCUMENT_VERIFIED
    last = audit_rows(engine, d.contact_id)[-1]
    assert (last["id"], last["action"], last["outcome"]) == (done.audit_id, action.value, "done")


def test_number_level_actions_need_only_the_matching_number(ctx: ServiceContext) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    s = subject(ctx, d.agent, d.contact_id)
    done = desk_actions.set_service(ctx, d.agent, s, "roaming", enabled=True, key="svc-1")
    assert done.level is VerificationLevel.NUMBER_MATCHED
    assert done.result == {"service": "roaming", "enabled": True, "changed": True,
                           "services": ["roaming"]}
    with pytest.raises(VerificationRequired):
        desk_actions.block(ctx, d.agent, s, reason="lost", key="blk-1")


def test_changing_actions_are_idempotent(ctx: ServiceContext, engine: Engine) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    s = subject(ctx, d.agent, d.contact_id)
    verify_document(ctx, d.agent, d.contact_id)
    charges = ledger_count(engine, OWN, "charge")

    first = desk_actions.renew_package(ctx, d.agent, s, key="renew-1")
    again = desk_actions.renew_package(ctx, d.agent, s, key="renew-1")
    assert first.result["renewed"] is True and not first.replayed
    assert again.replayed and again.audit_id == first.audit_id
    assert again.result == first.result
    assert ledger_count(engine, OWN, "charge") == charges + 1
    assert ledger_mismatches(engine) == []

    blocked = desk_actions.block(ctx, d.agent, s, reason="lost phone", key="block-1")
    repeat = desk_actions.block(ctx, d.agent, s, reason="lost phone", key="block-1")
    assert repeat.replayed and repeat.audit_id == blocked.audit_id
    assert blocked.result["status"] == "blocked"
    done = [r for r in audit_rows(engine, d.contact_id) if r["outcome"] == "done"]
    assert [r["action"] for r in done] == ["renew_package", "block_line"]

    with pytest.raises(IdempotencyConflict):
        desk_actions.set_service(ctx, d.agent, s, "roaming", enabled=True, key="block-1")
    with pytest.raises(ValidationFailed):
        desk_actions.block(ctx, d.agent, s, reason="  ", key="block-2")


def test_reveal_puk_is_audited_without_the_code(ctx: ServiceContext, engine: Engine) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    verify_document(ctx, d.agent, d.contact_id)
    s = subject(ctx, d.agent, d.contact_id)
    done, puk = desk_actions.reveal_puk(ctx, d.agent, s, reason="SIM blocked by PIN")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT puk_code FROM lines WHERE msisdn = :m"),
                              {"m": OWN}).scalar_one()
    assert puk == stored and len(puk) == 8
    entry = audit.get(ctx, done.audit_id)
    assert entry is not None
    assert (entry.action, entry.user_id, entry.role, entry.msisdn) == (
        "reveal_puk", d.agent.user_id, "agent", OWN)
    assert entry.params == {"line_msisdn": "7903*****00"}
    assert entry.verification_level == "document_verified"
    assert entry.reason == "SIM blocked by PIN"
    everything = json.dumps(audit_rows(engine, d.contact_id), default=str)
    with engine.connect() as conn:
        everything += json.dumps([list(r) for r in conn.execute(
            text("SELECT * FROM desk_requests"))], default=str)
    assert puk not in everything


def test_one_time_code_after_the_document(ctx: ServiceContext, engine: Engine,
                                          clock: ManualClock) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    s = subject(ctx, d.agent, d.contact_id)
    sent: list[tuple[str, str]] = []

    def issue() -> verification.StepResult:
        return verification.issue_code(ctx, d.agent, s, KEY,
                                       lambda to, body: sent.append((to, body)),
                                       randbelow=lambda n: 42)

    with pytest.raises(VerificationRequired):
        issue()
    verify_document(ctx, d.agent, d.contact_id)
    assert issue().sent_to == "7903*****00"
    assert sent == [(OWN, "Код для оператора: 000042. Назовите его только оператору на линии.")]
    wrong = verification.enter_code(ctx, d.agent, s, "111111", KEY)
    assert (wrong.outcome, wrong.attempts_left) == ("wrong", 2)
    clock.advance(10)
    right = verification.enter_code(ctx, d.agent, s, "000042", KEY)
    assert (right.outcome, right.level) == ("confirmed", VerificationLevel.ONE_TIME_CODE)
    with engine.connect() as conn:
        state = conn.execute(text("SELECT * FROM desk_verifications")).mappings().one()
        outbox = conn.execute(text("SELECT body_masked FROM desk_code_messages")).scalar_one()
    assert "000042" not in json.dumps(dict(state), default=str)
    assert outbox == "Код для оператора: ****. Назовите его только оператору на линии."
    assert [r["outcome"] for r in audit_rows(engine, d.contact_id)
            if r["action"] in {"issue_code", "enter_code"}] == [
        "verification_required", "sent", "wrong", "confirmed"]


def test_document_verification_expires(ctx: ServiceContext, clock: ManualClock) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    verify_document(ctx, d.agent, d.contact_id)
    clock.advance(timedelta(minutes=31).total_seconds())
    card = customer_card.card(ctx, d.agent, d.contact_id)
    assert card["level"] == "number_matched"


def test_verification_covers_every_line_on_the_document(ctx: ServiceContext,
                                                        engine: Engine) -> None:
    """Seed 004: "block them all" — once the passport is proved, each number on it."""
    holder_with_lines(ctx, extra_lines=3)
    d = conversation(ctx)
    verify_document(ctx, d.agent, d.contact_id)
    for n in ("79031110002", "79031110003"):
        done = desk_actions.block(ctx, d.agent, subject(ctx, d.agent, d.contact_id, n),
                                  reason="not mine", key=f"block-{n}")
        assert done.msisdn == n and done.result["status"] == "blocked"
    card = customer_card.card(ctx, d.agent, d.contact_id)
    statuses = {line["msisdn"]: line["status"] for line in card["lines_on_document"]["lines"]}
    assert statuses == {OWN: "active", OTHER: "active", "79031110002": "blocked",
                        "79031110003": "blocked"}


def test_complaint_goes_to_the_tech_queue_with_a_due_time(ctx: ServiceContext,
                                                         engine: Engine) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    s = subject(ctx, d.agent, d.contact_id)
    done = desk_actions.file_complaint(ctx, d.agent, s, category="billing",
                                       description="Долг 3200 по расторгнутому договору",
                                       key="c-1")
    assert done.result["queue"] == "tech"
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM complaints")).mappings().one()
    due = row["due_at"]
    assert row["queue"] == "tech" and row["status"] == "open" and row["msisdn"] == OWN
    assert str(due).startswith(str((noon(DAY) + timedelta(hours=72)).date()))
    desk_actions.file_complaint(ctx, d.agent, s, category="network",
                                description="Нет сети дома", key="c-2")
    listed = desk_actions.open_complaints(ctx)
    # the network complaint (24 h) is due before the billing one (72 h)
    assert [c["category"] for c in listed] == ["network", "billing"]
    assert not any(c["overdue"] for c in listed)


def test_agent_sees_only_own_conversations(ctx: ServiceContext) -> None:
    from tests.integration.helpers import add_agent

    holder_with_lines(ctx)
    d = conversation(ctx)
    boris = add_agent(ctx, "boris")
    with pytest.raises(PermissionDenied):
        customer_card.card(ctx, Actor(boris, d.agent.role), d.contact_id)
    assert customer_card.card(ctx, d.supervisor, d.contact_id)["found"]


def test_audit_log_is_append_only_in_the_database(ctx: ServiceContext, engine: Engine) -> None:
    holder_with_lines(ctx)
    d = conversation(ctx)
    customer_card.card(ctx, d.agent, d.contact_id)
    entry_id = audit_rows(engine, d.contact_id)[0]["id"]
    for statement in ("UPDATE audit_log SET reason = 'edited' WHERE id = :i",
                      "DELETE FROM audit_log WHERE id = :i"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement), {"i": entry_id})
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    assert audit_rows(engine, d.contact_id)[0]["reason"] == ""
    found = audit.search(ctx, msisdn=OWN, user_id=d.agent.user_id)
    assert [e.id for e in found] == [entry_id]


def test_card_flags_a_contract_billed_after_its_end(ctx: ServiceContext) -> None:
    """Seed 004: termination requested, the software did not close the contract and
    kept billing it; the card shows both findings and the debt."""
    from helpline.domain.subscribers.customers import (
        Contract,
        ContractKind,
        ContractStatus,
        DocumentType,
    )
    from helpline.services import billing, provisioning
    from tests.integration.billing_helpers import SMART, add_tariff

    add_tariff(ctx, SMART)
    opened = DAY - timedelta(days=60)
    home = Contract("HTV-1", ContractKind.HOME_INTERNET_TV, opened,
                    status=ContractStatus.TERMINATING,
                    termination_requested_on=DAY - timedelta(days=45),
                    ends_on=DAY - timedelta(days=40))
    owner = provisioning.create_customer(
        ctx, full_name="Пётр Волков", document_type=DocumentType.PASSPORT_RF,
        document_number=PASSPORT, document_key=KEY, contracts=(home,)).id
    provisioning.create_line(ctx, msisdn=OWN, customer_id=owner, tariff_code="smart",
                             opened_on=opened, contract_number="HTV-1")
    billing.top_up(ctx, OWN, 300_000, idempotency_key="t-1")
    on = opened
    while on <= DAY:
        billing.charge_line(ctx, OWN, on)
        on += timedelta(days=1)
    d = conversation(ctx)
    verify_document(ctx, d.agent, d.contact_id)
    card = customer_card.card(ctx, d.agent, d.contact_id)
    assert card["contracts"][0]["status"] == "terminating"
    kinds = {f["kind"]: f for f in card["findings"]}
    assert set(kinds) == {"termination_overdue", "charged_after_end"}
    # monthly fees of Feb 9 and Mar 9 fall after the end (Jan 29); Jan 9's is owed
    assert (kinds["charged_after_end"]["amount_minor"],
            kinds["charged_after_end"]["charge_count"]) == (100_000, 2)
    assert card["debts"] == [{"contract_number": "HTV-1", "kind": "charged_after_end",
                              "amount_minor": 100_000}]
