"""Customers (holders), their identity document, contracts and the lines on a document.

The identity document is never kept in plain form: a :class:`IdentityDocument` holds a
masked display form and an HMAC-SHA256 lookup hash under a key the caller passes in.

Contract dates are calendar ``date`` values. ``ends_on`` is the first day without service:
a charge is legitimate only for service days before it. Seed 004 (a home internet & TV
contract terminated on 25.10.2017 yet billed for three years) gives two rules here:
a contract whose termination was requested is closed by :func:`close_due_terminations`
once its end date has come, and :func:`review_contracts` flags both a termination that
is overdue and every charge for service on or after the end date ("debt from a contract
that should have been closed"). Termination is never blocked by a debt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from helpline.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from helpline.domain.subscribers.errors import InvalidDocument, InvalidMsisdn

#: Shortest HMAC key accepted for document and code hashes, bytes (128 bits).
MIN_KEY_BYTES = 16
#: What a fully hidden value looks like everywhere (documents, PUK codes, codes).
MASK = "****"


def check_key(key: bytes) -> bytes:
    """Raise unless ``key`` is bytes of at least :data:`MIN_KEY_BYTES`."""
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValidationFailed(
            f"the hashing key must be at least {MIN_KEY_BYTES} bytes", min_bytes=MIN_KEY_BYTES
        )
    return key


# -- phone numbers -----------------------------------------------------------------------
_PHONE_NOISE = re.compile(r"[\s\-().]")


def normalize_msisdn(raw: str) -> str:
    """Return the number as digits with country code: ``7XXXXXXXXXX`` or ``375XXXXXXXXX``.

    Accepted: ``+7``/``7``/``8`` followed by 10 digits (Russia, Kazakhstan; the national
    number never starts with 0 or 1), ``+375``/``375`` followed by 9 digits and Belarus's
    domestic ``80`` + 9 digits (``80 29 1234567`` -> ``375291234567``; a Russian national
    number cannot start with 0, so ``80…`` is unambiguous). Spaces, dashes, dots and
    brackets are ignored.
    """
    if not isinstance(raw, str):
        raise InvalidMsisdn("a phone number must be a string", value=repr(raw))
    text = _PHONE_NOISE.sub("", raw)
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not digits.isdigit():
        raise InvalidMsisdn("a phone number has digits only", value=raw)
    if len(digits) == 12 and digits.startswith("375") and digits[3] != "0":
        return digits
    if not plus and len(digits) == 11 and digits.startswith("80") and digits[2] != "0":
        return "375" + digits[2:]
    if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and not plus)) \
            and digits[1] not in "01":
        return "7" + digits[1:]
    raise InvalidMsisdn(
        "expected a Russian (+7XXXXXXXXXX, 8XXXXXXXXXX) or Belarusian (+375XXXXXXXXX) number",
        value=raw,
    )


def mask_msisdn(raw: str) -> str:
    """Hide the middle of a number: ``79161234567`` -> ``7916*****67``.

    Country code and the 2-3 digit operator/area code stay visible, as do the last two
    digits; the five before them are hidden. Something that is not a valid number keeps
    only its last two digits (``9290`` -> ``**90``).
    """
    try:
        number = normalize_msisdn(raw)
    except InvalidMsisdn:
        digits = "".join(ch for ch in str(raw) if ch.isdigit())
        return "*" * max(len(digits) - 2, 2) + digits[-2:] if len(digits) > 2 else MASK
    return number[:-7] + "*****" + number[-2:]


# -- identity documents ------------------------------------------------------------------
class DocumentType(StrEnum):
    PASSPORT_RF = "passport_rf"
    OTHER = "other"


_DOCUMENT_NOISE = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2212№")


def normalize_document_number(doc_type: DocumentType, raw: str) -> str:
    """Series and number as one uppercase string without spaces, dashes or ``№``.

    ``"45 10 123456"``, ``"4510-123456"`` and ``"4510123456"`` all give ``"4510123456"``.
    A Russian passport is exactly 10 digits (4 of series, 6 of number); any other
    document is 4 to 32 letters or digits (after NFKC, so full-width digits count).
    """
    if not isinstance(raw, str):
        raise InvalidDocument("a document number must be a string")
    text = unicodedata.normalize("NFKC", raw.replace("№", " "))  # NFKC makes № "No"
    value = "".join(ch for ch in text if not ch.isspace() and ch not in _DOCUMENT_NOISE).upper()
    if doc_type is DocumentType.PASSPORT_RF:
        if len(value) != 10 or not value.isascii() or not value.isdigit():
            raise InvalidDocument(
                "a Russian passport has a 4-digit series and a 6-digit number",
                doc_type=doc_type.value,
            )
    elif not 4 <= len(value) <= 32 or not value.isalnum():
        raise InvalidDocument(
            "a document number has 4 to 32 letters or digits", doc_type=doc_type.value
        )
    return value


def document_hash(key: bytes, doc_type: DocumentType, raw: str) -> str:
    """Lookup hash: hex HMAC-SHA256 of ``"<type>:<normalized number>"`` under ``key``.

    The type is part of the message, so the same digits on two kinds of document differ.
    """
    message = f"{doc_type.value}:{normalize_document_number(doc_type, raw)}"
    return hmac.new(check_key(key), message.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_document(doc_type: DocumentType, raw: str) -> str:
    """Display form. Passport: ``"45 ** ****56"`` (region digits of the series and the
    last two of the number). Other: ``"****"`` plus the last two characters when the
    value has at least 6, else ``"****"``."""
    value = normalize_document_number(doc_type, raw)
    if doc_type is DocumentType.PASSPORT_RF:
        return f"{value[:2]} ** ****{value[-2:]}"
    return MASK + value[-2:] if len(value) >= 6 else MASK


@dataclass(frozen=True)
class IdentityDocument:
    """A document as stored: its type, masked display form and lookup hash only."""

    type: DocumentType
    masked: str
    lookup_hash: str

    @classmethod
    def from_plain(cls, doc_type: DocumentType, raw: str, key: bytes) -> IdentityDocument:
        """Mask and hash ``raw``; the plain value is not kept."""
        return cls(doc_type, mask_document(doc_type, raw), document_hash(key, doc_type, raw))

    def matches(self, raw: str, key: bytes) -> bool:
        """True when ``raw`` (as said by a caller) is this document; constant-time compare."""
        return hmac.compare_digest(self.lookup_hash, document_hash(key, self.type, raw))


# -- contracts ---------------------------------------------------------------------------
class ContractKind(StrEnum):
    MOBILE = "mobile"
    HOME_INTERNET_TV = "home_internet_tv"


class ContractStatus(StrEnum):
    ACTIVE = "active"
    #: Termination requested; service and billing stop on ``ends_on``.
    TERMINATING = "terminating"
    TERMINATED = "terminated"


@dataclass
class Contract:
    """A contract of a customer. ``ends_on`` is the first day without service."""

    number: str
    kind: ContractKind
    signed_on: date
    status: ContractStatus = ContractStatus.ACTIVE
    termination_requested_on: date | None = None
    ends_on: date | None = None
    #: The day the system actually closed it (may be later than ``ends_on``).
    closed_on: date | None = None

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValidationFailed("a contract needs a number")
        if self.ends_on is not None and self.ends_on < self.signed_on:
            raise ValidationFailed("a contract cannot end before it was signed",
                                   contract=self.number)
        if self.status is not ContractStatus.ACTIVE and self.ends_on is None:
            raise ValidationFailed("a terminating or terminated contract needs ends_on",
                                   contract=self.number)

    def in_force_on(self, day: date) -> bool:
        """Whether service (and so billing) is due for ``day``."""
        return self.signed_on <= day and (self.ends_on is None or day < self.ends_on)

    def request_termination(self, requested_on: date, ends_on: date | None = None) -> None:
        """Customer asked to terminate; service ends on ``ends_on`` (default: the same day)."""
        self._require_not(ContractStatus.TERMINATING, ContractStatus.TERMINATED,
                          action="request termination of")
        end = ends_on or requested_on
        if requested_on < self.signed_on or end < requested_on:
            raise ValidationFailed(
                "termination must be requested after signing and end on or after the request",
                contract=self.number, requested_on=requested_on.isoformat(),
                ends_on=end.isoformat(),
            )
        self.status = ContractStatus.TERMINATING
        self.termination_requested_on = requested_on
        self.ends_on = end

    def terminate(self, on: date) -> None:
        """Close the contract on ``on``. Allowed with a debt (the debt stays to be paid).

        A contract that was terminating keeps its agreed ``ends_on`` even when closed late;
        an active one ends on ``on``.
        """
        self._require_not(ContractStatus.TERMINATED, action="terminate")
        if on < self.signed_on:
            raise ValidationFailed("a contract cannot end before it was signed",
                                   contract=self.number)
        if self.ends_on is None:
            self.ends_on = on
        self.status = ContractStatus.TERMINATED
        self.closed_on = on

    def termination_overdue(self, today: date) -> bool:
        """Termination was requested, its end date has come, and it is still not closed."""
        return (self.status is ContractStatus.TERMINATING and self.ends_on is not None
                and self.ends_on <= today)

    def close_if_due(self, today: date) -> bool:
        """Terminate when :meth:`termination_overdue`; return whether it did."""
        if not self.termination_overdue(today):
            return False
        self.terminate(today)
        return True

    def _require_not(self, *statuses: ContractStatus, action: str) -> None:
        if self.status in statuses:
            raise InvalidTransition(f"cannot {action} a contract that is {self.status.value}",
                                    contract=self.number, status=self.status.value)


def close_due_terminations(contracts: Iterable[Contract], today: date) -> list[Contract]:
    """The nightly rule: close every contract whose requested termination has come.

    Idempotent; returns the contracts it closed, ordered by number.
    """
    return sorted((c for c in contracts if c.close_if_due(today)), key=lambda c: c.number)


@dataclass(frozen=True)
class ContractCharge:
    """A charge posted to a contract for service on ``service_on`` (the first day of the
    period it pays for); ``amount_minor`` in kopecks."""

    contract_number: str
    service_on: date
    amount_minor: int

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int) \
                or self.amount_minor <= 0:
            raise ValidationFailed("a charge is a positive whole number of minor units",
                                   amount_minor=self.amount_minor)


class FindingKind(StrEnum):
    #: Termination was requested and its end date passed, but the contract is open.
    TERMINATION_OVERDUE = "termination_overdue"
    #: Charges for service on or after the end date: debt from a contract that should
    #: have been closed; to be written off or refunded.
    CHARGED_AFTER_END = "charged_after_end"


@dataclass(frozen=True)
class ContractFinding:
    kind: FindingKind
    contract_number: str
    ends_on: date
    #: Sum of the charges at fault, kopecks (0 for an overdue termination).
    amount_minor: int = 0
    charge_count: int = 0


def review_contracts(contracts: Iterable[Contract], charges: Iterable[ContractCharge],
                     today: date) -> list[ContractFinding]:
    """Flag overdue terminations and charges after a contract's end.

    A charge for service before ``ends_on`` is legitimate even if posted later (seed 004:
    October's fee charged on 02.11 for a contract ended 25.10 is owed). Charges on a
    contract number not among ``contracts`` raise :class:`NotFound`. Findings are ordered
    by contract number, then kind.
    """
    by_number = {c.number: c for c in contracts}
    findings: list[ContractFinding] = []
    late: dict[str, list[int]] = defaultdict(list)
    for charge in charges:
        contract = by_number.get(charge.contract_number)
        if contract is None:
            raise NotFound("charge on an unknown contract", contract=charge.contract_number)
        if contract.ends_on is not None and charge.service_on >= contract.ends_on:
            late[contract.number].append(charge.amount_minor)
    for number in sorted(by_number):
        contract = by_number[number]
        if contract.termination_overdue(today) and contract.ends_on is not None:
            findings.append(ContractFinding(FindingKind.TERMINATION_OVERDUE, number,
                                            contract.ends_on))
        if number in late and contract.ends_on is not None:
            findings.append(ContractFinding(FindingKind.CHARGED_AFTER_END, number,
                                            contract.ends_on, sum(late[number]),
                                            len(late[number])))
    return findings


# -- customers ---------------------------------------------------------------------------
@dataclass
class Customer:
    """The holder: a person with one identity document and their contracts."""

    id: str
    full_name: str
    document: IdentityDocument
    contracts: list[Contract] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValidationFailed("a customer needs an id")
        self.full_name = " ".join(self.full_name.split())
        if not self.full_name:
            raise ValidationFailed("a customer needs a full name", customer=self.id)
        numbers = [c.number for c in self.contracts]
        if len(numbers) != len(set(numbers)):
            raise Conflict("contract numbers repeat", customer=self.id)

    def add_contract(self, contract: Contract) -> None:
        if any(c.number == contract.number for c in self.contracts):
            raise Conflict("contract already exists", customer=self.id,
                           contract=contract.number)
        self.contracts.append(contract)

    def contract(self, number: str) -> Contract:
        for contract in self.contracts:
            if contract.number == number:
                return contract
        raise NotFound("no such contract", customer=self.id, contract=number)

    def open_contracts(self) -> list[Contract]:
        """Contracts not yet terminated (active or terminating), ordered by number."""
        return sorted((c for c in self.contracts if c.status is not ContractStatus.TERMINATED),
                      key=lambda c: c.number)


# -- lines registered on a document ------------------------------------------------------
@dataclass(frozen=True)
class LineRegistration:
    """A phone number registered to a customer from ``registered_on`` until (excluding)
    ``released_on``. ``msisdn`` is normalized on construction."""

    msisdn: str
    customer_id: str
    registered_on: date
    released_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "msisdn", normalize_msisdn(self.msisdn))
        if self.released_on is not None and self.released_on < self.registered_on:
            raise ValidationFailed("a line cannot be released before it was registered",
                                   msisdn=self.msisdn)

    def active_on(self, day: date) -> bool:
        return self.registered_on <= day and (self.released_on is None or day < self.released_on)


def document_index(customers: Iterable[Customer]) -> dict[str, str]:
    """customer id -> document lookup hash."""
    return {c.id: c.document.lookup_hash for c in customers}


def lines_by_document(registrations: Iterable[LineRegistration],
                      document_of: Mapping[str, str],
                      on: date) -> dict[str, tuple[LineRegistration, ...]]:
    """Lines active on ``on`` grouped by the document hash of their customer.

    Grouping is by document, not by customer record: two customer records made on one
    passport count together (seed 004: ten numbers on one passport). Each group is ordered
    by registration date, then number. A registration of an unknown customer raises
    :class:`NotFound`; one number active twice raises :class:`Conflict`.
    """
    groups: dict[str, list[LineRegistration]] = defaultdict(list)
    seen: set[str] = set()
    for reg in registrations:
        if not reg.active_on(on):
            continue
        if reg.msisdn in seen:
            raise Conflict("a number is registered twice", msisdn=reg.msisdn)
        seen.add(reg.msisdn)
        doc = document_of.get(reg.customer_id)
        if doc is None:
            raise NotFound("line registered to an unknown customer", msisdn=reg.msisdn,
                           customer=reg.customer_id)
        groups[doc].append(reg)
    return {doc: tuple(sorted(regs, key=lambda r: (r.registered_on, r.msisdn)))
            for doc, regs in sorted(groups.items())}


def count_lines_per_document(registrations: Iterable[LineRegistration],
                             document_of: Mapping[str, str], on: date) -> dict[str, int]:
    """document hash -> number of lines active on ``on``."""
    return {doc: len(regs)
            for doc, regs in lines_by_document(registrations, document_of, on).items()}


def lines_on_document(document_hash_hex: str, registrations: Iterable[LineRegistration],
                      document_of: Mapping[str, str], on: date) -> tuple[LineRegistration, ...]:
    """The lines on one document (empty when none)."""
    return lines_by_document(registrations, document_of, on).get(document_hash_hex, ())
