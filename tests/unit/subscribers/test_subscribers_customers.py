"""Customers, documents, contracts (seed 004) and lines per document."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest

from helpline.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from helpline.domain.subscribers.customers import (
    Contract,
    ContractCharge,
    ContractKind,
    ContractStatus,
    Customer,
    DocumentType,
    FindingKind,
    IdentityDocument,
    LineRegistration,
    close_due_terminations,
    count_lines_per_document,
    document_hash,
    document_index,
    lines_by_document,
    lines_on_document,
    mask_document,
    mask_msisdn,
    normalize_document_number,
    normalize_msisdn,
    review_contracts,
)
from helpline.domain.subscribers.errors import InvalidDocument, InvalidMsisdn

KEY = b"helpline-test-key-0001"
# Obtained once with:
#   echo -n 'passport_rf:4510123456' | openssl dgst -sha256 -hmac 'helpline-test-key-0001'
PASSPORT_HASH = "df4d7a6fd68d5c7a1f9a2166517e31d0aecb7fd6e2532d9fceaedbb8b67c17ed"
PASSPORT = DocumentType.PASSPORT_RF


# -- phone numbers -----------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("89161234567", "79161234567"),
    ("+79161234567", "79161234567"),
    ("79161234567", "79161234567"),
    ("8 (916) 123-45-67", "79161234567"),
    ("+7 916 123 45 67", "79161234567"),
    ("88002500890", "78002500890"),
    ("+375291234567", "375291234567"),
    ("375 29 123-45-67", "375291234567"),
    ("80291234567", "375291234567"),
])
def test_msisdn_normalisation(raw: str, expected: str) -> None:
    assert normalize_msisdn(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "9290", "+89161234567", "7916123456", "791612345678", "70161234567",
    "+375091234567", "+4930123456", "7916abc4567", "٧٩١٦١٢٣٤٥٦٧",
])
def test_msisdn_rejections(raw: str) -> None:
    with pytest.raises(InvalidMsisdn) as error:
        normalize_msisdn(raw)
    assert error.value.error_id == "invalid_msisdn"
    assert error.value.http_status == 422


def test_msisdn_masking_keeps_code_and_last_two_digits() -> None:
    assert mask_msisdn("+7 916 123-45-67") == "7916*****67"
    assert mask_msisdn("+375291234567") == "37529*****67"
    assert mask_msisdn("9290") == "**90"
    assert mask_msisdn("12") == "****"


# -- documents ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["45 10 123456", "4510123456", "4510-123456", " 45 10 № 123456 "])
def test_document_spellings_normalise_and_hash_the_same(raw: str) -> None:
    assert normalize_document_number(PASSPORT, raw) == "4510123456"
    assert document_hash(KEY, PASSPORT, raw) == PASSPORT_HASH


def test_document_hash_matches_an_independent_hmac() -> None:
    expected = hmac.new(KEY, b"passport_rf:4510123456", hashlib.sha256).hexdigest()
    assert document_hash(KEY, PASSPORT, "45 10 123456") == expected


def test_document_type_and_key_are_part_of_the_hash() -> None:
    assert document_hash(KEY, DocumentType.OTHER, "4510123456") != PASSPORT_HASH
    assert document_hash(b"another-key-0123456789", PASSPORT, "4510123456") != PASSPORT_HASH


def test_other_documents_are_uppercased_and_cleaned() -> None:
    assert normalize_document_number(DocumentType.OTHER, "ab-12 3456") == "AB123456"
    assert normalize_document_number(DocumentType.OTHER, "ｉｉ-аб 123") == "IIАБ123"


@pytest.mark.parametrize(("doc_type", "raw"), [
    (PASSPORT, "45 10 12345"),
    (PASSPORT, "45 10 1234567"),
    (PASSPORT, "45AB123456"),
    (DocumentType.OTHER, "A1"),
    (DocumentType.OTHER, "AB/123456"),
])
def test_malformed_documents_are_rejected(doc_type: DocumentType, raw: str) -> None:
    with pytest.raises(InvalidDocument):
        normalize_document_number(doc_type, raw)


def test_short_keys_are_rejected() -> None:
    with pytest.raises(ValidationFailed):
        document_hash(b"short", PASSPORT, "4510123456")


def test_masked_forms() -> None:
    assert mask_document(PASSPORT, "45 10 123467") == "45 ** ****67"
    assert mask_document(DocumentType.OTHER, "AB123456") == "****56"
    assert mask_document(DocumentType.OTHER, "AB12") == "****"


def test_identity_document_keeps_no_plain_value() -> None:
    doc = IdentityDocument.from_plain(PASSPORT, "45 10 123456", KEY)
    assert doc == IdentityDocument(PASSPORT, "45 ** ****56", PASSPORT_HASH)
    assert "123456" not in repr(doc)
    assert doc.matches("4510 123456", KEY)
    assert not doc.matches("4510 123457", KEY)
    with pytest.raises(InvalidDocument):
        doc.matches("4510", KEY)


# -- contracts ---------------------------------------------------------------------------
def home_tv(number: str = "HTV-1") -> Contract:
    return Contract(number, ContractKind.HOME_INTERNET_TV, signed_on=date(2016, 3, 1))


def test_contract_in_force_until_the_day_before_it_ends() -> None:
    contract = home_tv()
    contract.request_termination(date(2017, 10, 20), ends_on=date(2017, 10, 25))
    assert contract.status is ContractStatus.TERMINATING
    assert contract.in_force_on(date(2017, 10, 24))
    assert not contract.in_force_on(date(2017, 10, 25))
    assert not contract.in_force_on(date(2016, 2, 29))


def test_requested_termination_is_closed_when_due_and_only_then() -> None:
    contract = home_tv()
    contract.request_termination(date(2017, 10, 25))
    assert close_due_terminations([contract], date(2017, 10, 24)) == []
    assert contract.status is ContractStatus.TERMINATING
    assert close_due_terminations([contract], date(2017, 10, 25)) == [contract]
    assert contract.status is ContractStatus.TERMINATED
    assert contract.closed_on == date(2017, 10, 25)
    # idempotent
    assert close_due_terminations([contract], date(2017, 10, 26)) == []


def test_a_late_close_keeps_the_agreed_end_date() -> None:
    contract = home_tv()
    contract.request_termination(date(2017, 10, 25))
    assert contract.close_if_due(date(2020, 11, 1))
    assert contract.ends_on == date(2017, 10, 25)
    assert contract.closed_on == date(2020, 11, 1)


def test_terminate_directly_and_not_twice() -> None:
    contract = home_tv()
    contract.terminate(date(2017, 10, 25))
    assert (contract.status, contract.ends_on) == (ContractStatus.TERMINATED, date(2017, 10, 25))
    with pytest.raises(InvalidTransition):
        contract.terminate(date(2017, 10, 26))
    with pytest.raises(InvalidTransition):
        contract.request_termination(date(2017, 10, 26))


def test_termination_dates_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        home_tv().request_termination(date(2017, 10, 25), ends_on=date(2017, 10, 24))
    with pytest.raises(ValidationFailed):
        home_tv().terminate(date(2015, 1, 1))
    with pytest.raises(ValidationFailed):
        Contract("X", ContractKind.MOBILE, date(2017, 1, 1), status=ContractStatus.TERMINATED)


def test_seed_004_debt_from_a_contract_that_should_have_been_closed() -> None:
    """Terminated 25.10.2017 but the software never closed it: October's 650 RUB is owed,
    the monthly charges after it are a debt to write off."""
    stuck = home_tv("HTV-2017")
    stuck.request_termination(date(2017, 10, 25))
    fine = Contract("MOB-1", ContractKind.MOBILE, signed_on=date(2015, 1, 1))
    charges = [
        ContractCharge("HTV-2017", date(2017, 10, 1), 65_000),  # October, posted 02.11: owed
        ContractCharge("HTV-2017", date(2017, 11, 1), 65_000),
        ContractCharge("HTV-2017", date(2017, 12, 1), 65_000),
        ContractCharge("MOB-1", date(2017, 11, 1), 30_000),
    ]
    findings = review_contracts([fine, stuck], charges, today=date(2020, 11, 1))
    assert [(f.kind, f.contract_number, f.ends_on, f.amount_minor, f.charge_count)
            for f in findings] == [
        (FindingKind.TERMINATION_OVERDUE, "HTV-2017", date(2017, 10, 25), 0, 0),
        (FindingKind.CHARGED_AFTER_END, "HTV-2017", date(2017, 10, 25), 130_000, 2),
    ]
    # After the nightly close the overdue finding is gone; the wrong charges stay flagged.
    close_due_terminations([stuck], date(2020, 11, 1))
    assert [f.kind for f in review_contracts([fine, stuck], charges, date(2020, 11, 2))] == [
        FindingKind.CHARGED_AFTER_END]


def test_review_rejects_charges_on_unknown_contracts_and_bad_amounts() -> None:
    with pytest.raises(NotFound):
        review_contracts([home_tv()], [ContractCharge("NOPE", date(2017, 1, 1), 1)],
                         date(2017, 1, 2))
    for amount in (0, -5, True):
        with pytest.raises(ValidationFailed):
            ContractCharge("HTV-1", date(2017, 1, 1), amount)


# -- customers and lines -----------------------------------------------------------------
def customer(customer_id: str, passport: str, *contracts: Contract) -> Customer:
    return Customer(customer_id, "  Иванов   Иван  Иванович ",
                    IdentityDocument.from_plain(PASSPORT, passport, KEY), list(contracts))


def test_customer_validation_and_contract_lookup() -> None:
    holder = customer("c1", "4510123456", home_tv())
    assert holder.full_name == "Иванов Иван Иванович"
    assert holder.contract("HTV-1").kind is ContractKind.HOME_INTERNET_TV
    with pytest.raises(NotFound):
        holder.contract("nope")
    with pytest.raises(Conflict):
        holder.add_contract(home_tv())
    holder.add_contract(Contract("A-0", ContractKind.MOBILE, date(2018, 1, 1)))
    assert [c.number for c in holder.open_contracts()] == ["A-0", "HTV-1"]
    holder.contract("HTV-1").terminate(date(2019, 1, 1))
    assert [c.number for c in holder.open_contracts()] == ["A-0"]
    with pytest.raises(ValidationFailed):
        Customer("c2", " ", holder.document)
    with pytest.raises(Conflict):
        customer("c3", "4510123456", home_tv(), home_tv())


def test_lines_are_grouped_by_document_not_by_customer_record() -> None:
    me = customer("c1", "45 10 123456")
    duplicate = customer("c2", "4510-123456")  # a second record on the same passport
    friend = customer("c3", "4511 654321")
    index = document_index([me, duplicate, friend])
    on = date(2020, 11, 1)
    regs = [
        LineRegistration("+7 916 000-00-02", "c1", date(2015, 5, 1)),
        LineRegistration("89160000001", "c1", date(2015, 5, 1)),
        LineRegistration("79160000003", "c2", date(2012, 1, 1)),  # friend's mum's number
        LineRegistration("79160000004", "c3", date(2016, 1, 1)),
        LineRegistration("79160000005", "c1", date(2014, 1, 1), released_on=date(2019, 1, 1)),
        LineRegistration("79160000006", "c1", date(2021, 1, 1)),  # not yet registered
    ]
    groups = lines_by_document(regs, index, on)
    assert [r.msisdn for r in groups[PASSPORT_HASH]] == [
        "79160000003", "79160000001", "79160000002"]
    counts = count_lines_per_document(regs, index, on)
    assert counts[PASSPORT_HASH] == 3
    assert sum(counts.values()) == 4
    assert lines_on_document("absent", regs, index, on) == ()
    assert len(lines_on_document(PASSPORT_HASH, regs, index, date(2018, 1, 1))) == 4


def test_line_registration_errors() -> None:
    index = {"c1": "h1"}
    with pytest.raises(NotFound):
        lines_by_document([LineRegistration("79160000001", "ghost", date(2015, 1, 1))], index,
                          date(2020, 1, 1))
    twice = [LineRegistration("79160000001", "c1", date(2015, 1, 1)),
             LineRegistration("+79160000001", "c1", date(2016, 1, 1))]
    with pytest.raises(Conflict):
        lines_by_document(twice, index, date(2020, 1, 1))
    with pytest.raises(ValidationFailed):
        LineRegistration("79160000001", "c1", date(2015, 1, 1), released_on=date(2014, 1, 1))
    with pytest.raises(InvalidMsisdn):
        LineRegistration("12345", "c1", date(2015, 1, 1))
