"""Caller verification in the agent desk and the audit record of personal actions.

Levels are ordered: none < number_matched < document_verified < one_time_code.
The one-time code is a second factor *on top of* the document: it can be issued only
to a caller already document-verified, so a stolen handset (number matched, code
received) never reaches the top level.

Within a conversation ``number_matched`` does not expire (the caller's number does not
change mid-call); ``document_verified`` and ``one_time_code`` last
:data:`VERIFICATION_TTL_SECONDS` from when they were obtained, after which the level falls
back to the highest one still valid.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from helpline.domain.agents import Role
from helpline.domain.clock import check_aware
from helpline.domain.errors import ValidationFailed
from helpline.domain.subscribers.customers import (
    MASK,
    IdentityDocument,
    check_key,
    mask_msisdn,
    normalize_msisdn,
)
from helpline.domain.subscribers.errors import (
    InvalidMsisdn,
    VerificationLocked,
    VerificationRequired,
)

#: How long document and one-time-code verification stay valid in a conversation, seconds.
VERIFICATION_TTL_SECONDS = 30 * 60
#: Digits in a one-time code.
CODE_DIGITS = 6
#: A one-time code is valid this long after it is issued, seconds.
CODE_TTL_SECONDS = 5 * 60
#: Wrong entries allowed for one code; the code is void after that.
MAX_CODE_ATTEMPTS = 3
#: Codes that may be sent in one conversation (limits SMS pumping).
MAX_CODES_PER_CONVERSATION = 3
#: Wrong document numbers allowed in one conversation before the step locks.
MAX_DOCUMENT_ATTEMPTS = 3


class VerificationLevel(IntEnum):
    NONE = 0
    NUMBER_MATCHED = 1
    DOCUMENT_VERIFIED = 2
    ONE_TIME_CODE = 3

    @property
    def slug(self) -> str:
        """Stable lowercase name used by the API: ``document_verified``."""
        return self.name.lower()

    @classmethod
    def from_slug(cls, slug: str) -> VerificationLevel:
        try:
            return cls[slug.upper()]
        except KeyError:
            raise ValidationFailed(f"unknown verification level {slug!r}",
                                   allowed=[level.slug for level in cls]) from None


class DeskAction(StrEnum):
    VIEW_CARD_BASIC = "view_card_basic"
    VIEW_BALANCE = "view_balance"
    VIEW_LEDGER = "view_ledger"
    VIEW_CONTRACTS = "view_contracts"
    VIEW_LINES_ON_DOCUMENT = "view_lines_on_document"
    ENABLE_SERVICE = "enable_service"
    DISABLE_SERVICE = "disable_service"
    CHANGE_TARIFF = "change_tariff"
    RENEW_PACKAGE = "renew_package"
    REVEAL_PUK = "reveal_puk"
    BLOCK_LINE = "block_line"
    UNBLOCK_LINE = "unblock_line"
    FILE_COMPLAINT = "file_complaint"


_L = VerificationLevel
#: The level each desk action needs.
REQUIRED_LEVEL: dict[DeskAction, VerificationLevel] = {
    # Tariff name, line status: nothing the caller could not learn from *100#.
    DeskAction.VIEW_CARD_BASIC: _L.NONE,
    # The handset gives the same by *100#.
    DeskAction.VIEW_BALANCE: _L.NUMBER_MATCHED,
    # Call details, contracts and debts, the list of numbers on a passport are the holder's
    # personal data; seed 004: the operator "checked the passport data" before opening them.
    DeskAction.VIEW_LEDGER: _L.DOCUMENT_VERIFIED,
    DeskAction.VIEW_CONTRACTS: _L.DOCUMENT_VERIFIED,
    DeskAction.VIEW_LINES_ON_DOCUMENT: _L.DOCUMENT_VERIFIED,
    DeskAction.ENABLE_SERVICE: _L.NUMBER_MATCHED,
    DeskAction.DISABLE_SERVICE: _L.NUMBER_MATCHED,
    # Seed 002: "to change the tariff be ready to give your passport data"; it changes the
    # monthly fee for good, unlike a renewal the handset can order by *929# itself.
    DeskAction.CHANGE_TARIFF: _L.DOCUMENT_VERIFIED,
    DeskAction.RENEW_PACKAGE: _L.NUMBER_MATCHED,
    DeskAction.REVEAL_PUK: _L.DOCUMENT_VERIFIED,
    DeskAction.BLOCK_LINE: _L.DOCUMENT_VERIFIED,
    DeskAction.UNBLOCK_LINE: _L.DOCUMENT_VERIFIED,
    # A complaint is tied to a line and answered on it; a caller whose SIM is broken
    # calls from elsewhere and verifies by document instead.
    DeskAction.FILE_COMPLAINT: _L.NUMBER_MATCHED,
}


def required_level(action: DeskAction) -> VerificationLevel:
    return REQUIRED_LEVEL[DeskAction(action)]


def require(level_now: VerificationLevel, action: DeskAction) -> None:
    """Raise :class:`VerificationRequired` unless ``level_now`` suffices for ``action``."""
    needed = required_level(action)
    if level_now < needed:
        raise VerificationRequired(
            f"{DeskAction(action).value} needs {needed.slug}; the caller is {level_now.slug}",
            action=DeskAction(action).value, needed=needed.slug, current=level_now.slug,
        )


def code_hash(key: bytes, conversation_id: str, msisdn: str, code: str) -> str:
    """Hex HMAC-SHA256 of ``"<conversation>:<msisdn>:<code>"``; a code is bound to both."""
    message = f"{conversation_id}:{msisdn}:{code}".encode()
    return hmac.new(check_key(key), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OneTimeCode:
    """A code sent by SMS: only its hash is kept."""

    msisdn: str
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    attempts_left: int = MAX_CODE_ATTEMPTS


class CodeCheck(StrEnum):
    CONFIRMED = "confirmed"
    #: Wrong code; ``attempts_left`` of the pending code tells how many remain.
    WRONG = "wrong"
    EXPIRED = "expired"
    #: Out of attempts; a new code must be issued.
    EXHAUSTED = "exhausted"
    NO_CODE = "no_code"


@dataclass
class VerificationState:
    """What a caller proved in one conversation about one customer.

    ``obtained`` maps each level reached to the time it was (last) reached.
    """

    conversation_id: str
    customer_id: str
    ttl_seconds: int = VERIFICATION_TTL_SECONDS
    obtained: dict[VerificationLevel, datetime] = field(default_factory=dict)
    document_failures: int = 0
    codes_issued: int = 0
    pending_code: OneTimeCode | None = None

    def __post_init__(self) -> None:
        if not self.conversation_id or not self.customer_id:
            raise ValidationFailed("verification needs a conversation and a customer")
        if isinstance(self.ttl_seconds, bool) or self.ttl_seconds <= 0:
            raise ValidationFailed("ttl_seconds must be positive", ttl_seconds=self.ttl_seconds)

    # -- reading ------------------------------------------------------------------------
    def _valid(self, level: VerificationLevel, now: datetime) -> bool:
        at = self.obtained.get(level)
        if at is None:
            return False
        if level <= VerificationLevel.NUMBER_MATCHED:
            return True
        return now - at < timedelta(seconds=self.ttl_seconds)

    def level(self, now: datetime) -> VerificationLevel:
        """The highest level still valid at ``now``."""
        check_aware(now, "now")
        valid = [lvl for lvl in self.obtained if self._valid(lvl, now)]
        return max(valid, default=VerificationLevel.NONE)

    def obtained_at(self, now: datetime) -> datetime | None:
        """When the current level was obtained (None at level none)."""
        current = self.level(now)
        return None if current is VerificationLevel.NONE else self.obtained.get(current)

    def require(self, action: DeskAction, now: datetime) -> None:
        require(self.level(now), action)

    def _grant(self, level: VerificationLevel, now: datetime) -> None:
        self.obtained[level] = now

    # -- steps --------------------------------------------------------------------------
    def match_number(self, caller_msisdn: str | None, customer_lines: Iterable[str],
                     now: datetime) -> bool:
        """Number matched when the caller's number is one of the customer's lines.

        A hidden or malformed caller number simply does not match.
        """
        check_aware(now, "now")
        if not caller_msisdn:
            return False
        try:
            caller = normalize_msisdn(caller_msisdn)
        except InvalidMsisdn:
            return False
        if caller not in {normalize_msisdn(line) for line in customer_lines}:
            return False
        self._grant(VerificationLevel.NUMBER_MATCHED, now)
        return True

    def verify_document(self, document: IdentityDocument, entered: str, key: bytes,
                        now: datetime) -> bool:
        """Compare what the caller said with the customer's document by keyed hash.

        A malformed entry raises :class:`InvalidDocument` and costs no attempt; a wrong
        one counts, and after :data:`MAX_DOCUMENT_ATTEMPTS` the step is locked for the
        conversation. ``entered`` is not kept.
        """
        check_aware(now, "now")
        if self.document_failures >= MAX_DOCUMENT_ATTEMPTS:
            raise VerificationLocked("too many wrong document numbers in this conversation",
                                     step="document", attempts=self.document_failures)
        if document.matches(entered, key):
            self._grant(VerificationLevel.DOCUMENT_VERIFIED, now)
            return True
        self.document_failures += 1
        return False

    def issue_code(self, *, msisdn: str, key: bytes, randbelow: Callable[[int], int],
                   now: datetime) -> str:
        """Make a code to send to ``msisdn`` by SMS and return it; keep only its hash.

        ``randbelow(n)`` returns an int in ``[0, n)`` (pass ``secrets.randbelow``). Needs
        ``document_verified``; a new code replaces a pending one; at most
        :data:`MAX_CODES_PER_CONVERSATION` per conversation.
        """
        if self.level(now) < VerificationLevel.DOCUMENT_VERIFIED:
            raise VerificationRequired(
                "a one-time code is sent only after the document is verified",
                action="issue_code", needed=VerificationLevel.DOCUMENT_VERIFIED.slug,
                current=self.level(now).slug,
            )
        if self.codes_issued >= MAX_CODES_PER_CONVERSATION:
            raise VerificationLocked("too many codes sent in this conversation",
                                     step="one_time_code", codes=self.codes_issued)
        number = normalize_msisdn(msisdn)
        bound = 10 ** CODE_DIGITS
        value = randbelow(bound)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < bound:
            raise ValidationFailed("the random source returned a value out of range")
        code = f"{value:0{CODE_DIGITS}d}"
        self.pending_code = OneTimeCode(
            msisdn=number,
            code_hash=code_hash(key, self.conversation_id, number, code),
            issued_at=now,
            expires_at=now + timedelta(seconds=CODE_TTL_SECONDS),
        )
        self.codes_issued += 1
        return code

    def enter_code(self, entered: str, key: bytes, now: datetime) -> CodeCheck:
        """Check a code the caller read out. A code is usable until ``expires_at``
        (exclusive) and for :data:`MAX_CODE_ATTEMPTS` wrong tries; success consumes it."""
        check_aware(now, "now")
        pending = self.pending_code
        if pending is None:
            return CodeCheck.NO_CODE
        if now >= pending.expires_at:
            self.pending_code = None
            return CodeCheck.EXPIRED
        if pending.attempts_left <= 0:
            return CodeCheck.EXHAUSTED
        self._require_document(now)
        candidate = code_hash(key, self.conversation_id, pending.msisdn, entered.strip())
        if hmac.compare_digest(candidate, pending.code_hash):
            self.pending_code = None
            self._grant(VerificationLevel.ONE_TIME_CODE, now)
            return CodeCheck.CONFIRMED
        left = pending.attempts_left - 1
        self.pending_code = OneTimeCode(pending.msisdn, pending.code_hash, pending.issued_at,
                                        pending.expires_at, left)
        return CodeCheck.WRONG if left > 0 else CodeCheck.EXHAUSTED

    def _require_document(self, now: datetime) -> None:
        current = self.level(now)
        if current < VerificationLevel.DOCUMENT_VERIFIED:
            raise VerificationRequired(
                "the document verification expired; verify it again",
                action="enter_code", needed=VerificationLevel.DOCUMENT_VERIFIED.slug,
                current=current.slug,
            )


# -- audit -------------------------------------------------------------------------------
#: A parameter whose key contains one of these is hidden whole.
SECRET_KEY_PARTS = ("puk", "pin", "code", "password", "secret", "document", "passport",
                    "series", "iccid", "imsi")
#: A parameter whose key contains one of these is a phone number, partly hidden.
PHONE_KEY_PARTS = ("msisdn", "phone", "caller")
#: Integer parameters with these key endings are amounts and counts, kept as they are.
NUMERIC_KEY_SUFFIXES = ("_minor", "_percent", "_seconds", "_minutes", "_mb", "_sms",
                        "_count")
#: Digits in a run (any whitespace, dashes and brackets between them) that a free-text
#: value may show; longer runs may be a document, PUK or code and are hidden.
MAX_PLAIN_DIGITS = 5

_DIGIT_RUN = re.compile(
    r"(?P<date>(?<!\d)(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d)?)?(?![\d\-]))"
    r"|(?P<run>\+?\d(?:[\s\-\u2010-\u2015\u2212()]*\d)+)"
)

ParamValue = str | int | bool | None


def _redact_digits(text: str) -> str:
    """Hide long digit runs: a phone number partly, anything else as ``****``.
    ISO dates and times stay."""

    def replace(match: re.Match[str]) -> str:
        if match.group("date"):
            return match.group(0)
        run = match.group(0)
        if sum(ch.isdigit() for ch in run) <= MAX_PLAIN_DIGITS:
            return run
        try:
            return mask_msisdn(normalize_msisdn(run))
        except InvalidMsisdn:
            return MASK

    return _DIGIT_RUN.sub(replace, text)


def _key_has(key: str, parts: tuple[str, ...]) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in parts)


def _mask_value(action: DeskAction, key: str, value: ParamValue) -> str:
    if _key_has(key, SECRET_KEY_PARTS):
        return MASK
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _key_has(key, PHONE_KEY_PARTS):
        return mask_msisdn(text)
    if action is DeskAction.REVEAL_PUK:
        # Whatever the key, nothing but a masked phone leaves a PUK reveal.
        return MASK
    if isinstance(value, int) and key.lower().endswith(NUMERIC_KEY_SUFFIXES):
        return text
    return _redact_digits(text)


def mask_params(action: DeskAction, params: Mapping[str, ParamValue]) -> dict[str, str]:
    """Masked copy of an action's parameters for the audit log, keys sorted.

    Rules, first match wins: a key naming a secret (PUK, PIN, code, document, passport,
    series, ICCID, IMSI...) -> ``****``; a phone key -> :func:`mask_msisdn`; in
    ``reveal_puk`` every other value -> ``****``; integers under amount/count keys stay;
    any other value keeps its text with digit runs longer than
    :data:`MAX_PLAIN_DIGITS` hidden. Only flat scalars are accepted.
    """
    action = DeskAction(action)
    masked: dict[str, str] = {}
    for key in sorted(params):
        value = params[key]
        if not isinstance(key, str) or not key:
            raise ValidationFailed("audit parameter names are non-empty strings")
        if value is not None and not isinstance(value, str | int | bool):
            raise ValidationFailed("audit parameters are flat scalars", key=key,
                                   type=type(value).__name__)
        masked[key] = _mask_value(action, key, value)
    return masked


def _is_masked(action: DeskAction, key: str, value: str) -> bool:
    if _key_has(key, SECRET_KEY_PARTS):
        return value == MASK
    if _key_has(key, PHONE_KEY_PARTS):
        return _redact_digits(value) == value
    if action is DeskAction.REVEAL_PUK:
        return value == MASK
    if key.lower().endswith(NUMERIC_KEY_SUFFIXES) and value.lstrip("-").isdigit():
        return True
    return _redact_digits(value) == value


@dataclass(frozen=True)
class AuditEntry:
    """One personal action in the desk; immutable. Build it with :meth:`record`.

    Actions that need ``document_verified`` or more also need a non-empty reason.

    ``msisdn`` is the line acted on, in full so supervisors can search by it (None for
    actions about the customer as a whole); parameters and reason are masked.
    """

    at: datetime
    user_id: str
    role: Role
    action: DeskAction
    msisdn: str | None
    params_masked: tuple[tuple[str, str], ...]
    verification_level: VerificationLevel
    reason: str

    def __post_init__(self) -> None:
        check_aware(self.at, "at")
        if not self.user_id:
            raise ValidationFailed("an audit entry needs a user")
        if self.msisdn is not None:
            object.__setattr__(self, "msisdn", normalize_msisdn(self.msisdn))
        for key, value in self.params_masked:
            if not _is_masked(self.action, key, value):
                raise ValidationFailed("audit parameters must be masked", key=key)
        if _redact_digits(self.reason) != self.reason:
            raise ValidationFailed("the audit reason must be masked")
        if required_level(self.action) >= VerificationLevel.DOCUMENT_VERIFIED \
                and not self.reason.strip():
            raise ValidationFailed("an action that needs the document also needs a reason",
                                   action=self.action.value)

    @classmethod
    def record(cls, *, at: datetime, user_id: str, role: Role, action: DeskAction,
               msisdn: str | None, params: Mapping[str, ParamValue],
               verification_level: VerificationLevel, reason: str = "") -> AuditEntry:
        """Mask ``params`` and ``reason`` and build the entry."""
        action = DeskAction(action)
        return cls(
            at=at, user_id=user_id, role=Role(role), action=action, msisdn=msisdn,
            params_masked=tuple(mask_params(action, params).items()),
            verification_level=verification_level,
            reason=_redact_digits(" ".join(reason.split())),
        )

    @property
    def params(self) -> dict[str, str]:
        return dict(self.params_masked)
