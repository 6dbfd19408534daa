"""Caller verification levels, steps, one-time codes and the audit record."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.agents import Role
from helpline.domain.errors import NaiveDatetime, PermissionDenied, ValidationFailed
from helpline.domain.subscribers.customers import DocumentType, IdentityDocument
from helpline.domain.subscribers.errors import (
    InvalidDocument,
    VerificationLocked,
    VerificationRequired,
)
from helpline.domain.subscribers.verification import (
    CODE_TTL_SECONDS,
    REQUIRED_LEVEL,
    VERIFICATION_TTL_SECONDS,
    AuditEntry,
    CodeCheck,
    DeskAction,
    VerificationLevel,
    VerificationState,
    code_hash,
    mask_params,
    require,
)

KEY = b"helpline-test-key-0001"
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
L = VerificationLevel
# Obtained once with:
#   echo -n 'conv-1:79161234567:042137' | openssl dgst -sha256 -hmac 'helpline-test-key-0001'
CODE_042137_HASH = "b7872e671551f90cad3d0c56cd8856ca557262065e033da5937547f7bca5313e"
DOCUMENT = IdentityDocument.from_plain(DocumentType.PASSPORT_RF, "45 10 123456", KEY)
LINES = ["+7 916 123-45-67", "89160000001"]


def fixed(value: int) -> Callable[[int], int]:
    def randbelow(bound: int) -> int:
        assert bound == 1_000_000
        return value
    return randbelow


def state() -> VerificationState:
    return VerificationState("conv-1", "c1")


def verified_state(at: datetime = T0) -> VerificationState:
    s = state()
    assert s.match_number("89161234567", LINES, at)
    assert s.verify_document(DOCUMENT, "4510 123456", KEY, at)
    return s


# -- levels and actions ------------------------------------------------------------------
def test_levels_are_ordered_and_have_stable_names() -> None:
    assert L.NONE < L.NUMBER_MATCHED < L.DOCUMENT_VERIFIED < L.ONE_TIME_CODE
    assert [lvl.slug for lvl in L] == [
        "none", "number_matched", "document_verified", "one_time_code"]
    assert L.from_slug("document_verified") is L.DOCUMENT_VERIFIED
    with pytest.raises(ValidationFailed):
        L.from_slug("superuser")


def test_every_action_declares_a_level() -> None:
    assert set(REQUIRED_LEVEL) == set(DeskAction)
    assert REQUIRED_LEVEL[DeskAction.REVEAL_PUK] is L.DOCUMENT_VERIFIED
    assert REQUIRED_LEVEL[DeskAction.BLOCK_LINE] is L.DOCUMENT_VERIFIED
    assert REQUIRED_LEVEL[DeskAction.ENABLE_SERVICE] is L.NUMBER_MATCHED
    assert REQUIRED_LEVEL[DeskAction.RENEW_PACKAGE] is L.NUMBER_MATCHED
    assert REQUIRED_LEVEL[DeskAction.VIEW_CARD_BASIC] is L.NONE


def test_require_raises_with_needed_and_current() -> None:
    require(L.DOCUMENT_VERIFIED, DeskAction.REVEAL_PUK)
    require(L.ONE_TIME_CODE, DeskAction.BLOCK_LINE)
    with pytest.raises(VerificationRequired) as error:
        require(L.NUMBER_MATCHED, DeskAction.REVEAL_PUK)
    assert isinstance(error.value, PermissionDenied)
    assert (error.value.error_id, error.value.http_status) == ("verification_required", 403)
    assert error.value.details == {"action": "reveal_puk", "needed": "document_verified",
                                   "current": "number_matched"}


@given(st.sampled_from(list(L)), st.sampled_from(list(DeskAction)))
def test_require_passes_exactly_at_or_above_the_needed_level(
        level: VerificationLevel, action: DeskAction) -> None:
    if level >= REQUIRED_LEVEL[action]:
        require(level, action)
    else:
        with pytest.raises(VerificationRequired):
            require(level, action)


# -- steps -------------------------------------------------------------------------------
def test_number_match() -> None:
    s = state()
    assert s.level(T0) is L.NONE and s.obtained_at(T0) is None
    assert not s.match_number(None, LINES, T0)
    assert not s.match_number("anonymous", LINES, T0)
    assert not s.match_number("+79990000000", LINES, T0)
    assert s.level(T0) is L.NONE
    assert s.match_number("+7 (916) 123-45-67", LINES, T0)
    assert s.level(T0) is L.NUMBER_MATCHED
    assert s.obtained_at(T0) == T0
    # number matched does not expire within the conversation
    assert s.level(T0 + timedelta(hours=5)) is L.NUMBER_MATCHED


def test_document_step_compares_by_hash_and_expires() -> None:
    s = state()
    assert not s.verify_document(DOCUMENT, "4510 123457", KEY, T0)
    assert s.document_failures == 1
    assert s.verify_document(DOCUMENT, "45-10-123456", KEY, T0)
    assert s.level(T0) is L.DOCUMENT_VERIFIED
    assert "123456" not in repr(s)
    ttl = timedelta(seconds=VERIFICATION_TTL_SECONDS)
    assert s.level(T0 + ttl - timedelta(seconds=1)) is L.DOCUMENT_VERIFIED
    assert s.level(T0 + ttl) is L.NONE


def test_expired_document_falls_back_to_number_matched() -> None:
    s = verified_state()
    assert s.level(T0 + timedelta(seconds=VERIFICATION_TTL_SECONDS)) is L.NUMBER_MATCHED


def test_malformed_document_costs_no_attempt_and_three_wrong_lock() -> None:
    s = state()
    with pytest.raises(InvalidDocument):
        s.verify_document(DOCUMENT, "45 10", KEY, T0)
    assert s.document_failures == 0
    for _ in range(3):
        assert not s.verify_document(DOCUMENT, "4510 999999", KEY, T0)
    with pytest.raises(VerificationLocked) as error:
        s.verify_document(DOCUMENT, "4510 123456", KEY, T0)
    assert (error.value.error_id, error.value.http_status) == ("verification_locked", 429)


def test_naive_times_are_refused() -> None:
    with pytest.raises(NaiveDatetime):
        state().level(datetime(2026, 11, 22, 10, 0))


# -- one-time codes ----------------------------------------------------------------------
def test_code_hash_matches_fixed_and_independent_values() -> None:
    assert code_hash(KEY, "conv-1", "79161234567", "042137") == CODE_042137_HASH
    independent = hmac.new(KEY, b"conv-1:79161234567:042137", hashlib.sha256).hexdigest()
    assert independent == CODE_042137_HASH


def test_code_needs_the_document_first() -> None:
    s = state()
    s.match_number("79161234567", LINES, T0)
    with pytest.raises(VerificationRequired):
        s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(1), now=T0)


def test_code_is_zero_padded_stored_as_hash_and_confirms() -> None:
    s = verified_state()
    code = s.issue_code(msisdn="+7 916 123-45-67", key=KEY, randbelow=fixed(42137), now=T0)
    assert code == "042137"
    pending = s.pending_code
    assert pending is not None
    assert pending.code_hash == CODE_042137_HASH
    assert pending.expires_at == T0 + timedelta(seconds=CODE_TTL_SECONDS)
    assert "042137" not in repr(s)
    assert s.enter_code(" 042137 ", KEY, T0 + timedelta(minutes=1)) is CodeCheck.CONFIRMED
    assert s.level(T0 + timedelta(minutes=1)) is L.ONE_TIME_CODE
    assert s.obtained_at(T0 + timedelta(minutes=1)) == T0 + timedelta(minutes=1)
    assert s.pending_code is None
    assert s.enter_code("042137", KEY, T0 + timedelta(minutes=2)) is CodeCheck.NO_CODE


def test_code_expires_after_five_minutes() -> None:
    s = verified_state()
    s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(7), now=T0)
    assert s.enter_code("000007", KEY, T0 + timedelta(seconds=300)) is CodeCheck.EXPIRED
    assert s.pending_code is None


def test_three_wrong_codes_void_the_code() -> None:
    s = verified_state()
    s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(999_999), now=T0)
    assert s.enter_code("000000", KEY, T0) is CodeCheck.WRONG
    assert s.enter_code("000001", KEY, T0) is CodeCheck.WRONG
    assert s.enter_code("000002", KEY, T0) is CodeCheck.EXHAUSTED
    assert s.enter_code("999999", KEY, T0) is CodeCheck.EXHAUSTED
    assert s.level(T0) is L.DOCUMENT_VERIFIED


def test_at_most_three_codes_per_conversation_and_random_source_checked() -> None:
    s = verified_state()
    for _ in range(3):
        s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(5), now=T0)
    with pytest.raises(VerificationLocked):
        s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(5), now=T0)
    with pytest.raises(ValidationFailed):
        verified_state().issue_code(msisdn="79161234567", key=KEY,
                                    randbelow=fixed(1_000_000), now=T0)


def test_code_entry_after_document_expiry_is_refused() -> None:
    s = verified_state()
    late = T0 + timedelta(seconds=VERIFICATION_TTL_SECONDS - 60)
    s.issue_code(msisdn="79161234567", key=KEY, randbelow=fixed(5), now=late)
    with pytest.raises(VerificationRequired):
        s.enter_code("000005", KEY, late + timedelta(seconds=90))


# -- audit -------------------------------------------------------------------------------
def test_mask_params_rules() -> None:
    masked = mask_params(DeskAction.BLOCK_LINE, {
        "document_number": "4510 123456",
        "passport": 4510123456,
        "msisdn": "+7 916 123-45-67",
        "reason_code": "lost",
        "note": "caller asked to call back on 8 916 765-43-21, ref 4510123456",
        "effective_on": "2026-11-22",
        "fee_minor": 1_000_000,
        "notify": True,
        "comment": None,
    })
    assert masked == {
        "comment": "",
        "document_number": "****",
        "effective_on": "2026-11-22",
        "fee_minor": "1000000",
        "msisdn": "7916*****67",
        "note": "caller asked to call back on 7916*****21, ref ****",
        "notify": "true",
        "passport": "****",
        "reason_code": "****",
    }
    assert list(masked) == sorted(masked)


def test_a_puk_never_reaches_the_audit_params() -> None:
    puk = "12345678"
    masked = mask_params(DeskAction.REVEAL_PUK,
                         {"puk": puk, "value": puk, "result": int(puk), "msisdn": "79161234567",
                          "sim": "second"})
    assert masked == {"msisdn": "7916*****67", "puk": "****", "result": "****",
                      "sim": "****", "value": "****"}
    other = mask_params(DeskAction.ENABLE_SERVICE, {"puk1": puk, "text": f"PUK {puk}"})
    assert puk not in str(other)


@given(st.dictionaries(st.text(min_size=1, max_size=10),
                       st.text(alphabet="0123456789 -", min_size=0, max_size=20)))
def test_no_eight_digit_run_survives_masking(params: dict[str, str]) -> None:
    for action in (DeskAction.REVEAL_PUK, DeskAction.ENABLE_SERVICE):
        for key, value in mask_params(action, params).items():
            digits = "".join(ch for ch in value if ch.isdigit())
            assert "12345678" not in value
            assert len(digits) <= 5 or key.lower().endswith("_minor") or "*" in value


def test_mask_params_refuses_nested_values() -> None:
    with pytest.raises(ValidationFailed):
        mask_params(DeskAction.ENABLE_SERVICE, {"sim": {"puk": "1"}})  # type: ignore[dict-item]


def test_audit_entry_is_masked_and_immutable() -> None:
    entry = AuditEntry.record(
        at=T0, user_id="u7", role=Role.AGENT, action=DeskAction.REVEAL_PUK,
        msisdn="8 916 123-45-67", params={"puk": "12345678"},
        verification_level=L.DOCUMENT_VERIFIED,
        reason="caller  lost the SIM; said PUK 12345678 was wrong",
    )
    assert entry.msisdn == "79161234567"
    assert entry.params == {"puk": "****"}
    assert entry.reason == "caller lost the SIM; said PUK **** was wrong"
    assert "12345678" not in repr(entry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.reason = "edited"  # type: ignore[misc]


def test_audit_entry_refuses_unmasked_values_and_missing_reason() -> None:
    base = dict(at=T0, user_id="u7", role=Role.AGENT, msisdn="79161234567",
                verification_level=L.DOCUMENT_VERIFIED)
    with pytest.raises(ValidationFailed):
        AuditEntry(action=DeskAction.REVEAL_PUK, params_masked=(("puk", "12345678"),),
                   reason="lost", **base)
    with pytest.raises(ValidationFailed):
        AuditEntry(action=DeskAction.ENABLE_SERVICE, params_masked=(("x", "4510123456"),),
                   reason="", **base)
    with pytest.raises(ValidationFailed):
        AuditEntry(action=DeskAction.ENABLE_SERVICE, params_masked=(),
                   reason="ref 4510123456", **base)
    with pytest.raises(ValidationFailed):
        AuditEntry.record(action=DeskAction.BLOCK_LINE, params={}, reason="  ", **base)
    with pytest.raises(NaiveDatetime):
        AuditEntry.record(at=datetime(2026, 1, 1), user_id="u7", role=Role.AGENT,
                          action=DeskAction.VIEW_BALANCE, msisdn=None, params={},
                          verification_level=L.NUMBER_MATCHED)
    ok = AuditEntry.record(action=DeskAction.ENABLE_SERVICE, params={"service": "roaming"},
                           **base)
    assert ok.reason == "" and ok.params == {"service": "roaming"}


@pytest.mark.parametrize(("text", "expected"), [
    ("on 2026-11-22 at 2026-11-22T10:05", "on 2026-11-22 at 2026-11-22T10:05"),
    ("PUK 1234-56-78", "PUK ****"),
    ("code 12 34 56", "code ****"),
    ("id 2026-11-22-01", "id ****"),
    ("refund 650 RUB twice", "refund 650 RUB twice"),
])
def test_free_text_digit_runs(text: str, expected: str) -> None:
    assert mask_params(DeskAction.FILE_COMPLAINT, {"note": text}) == {"note": expected}
