"""Personal data out of transcripts, search indexes and logs (issue 5, section 3).

Masked, each with its kind kept (``[card]``, ``[phone]``, ``[passport]``, ``[name]``):

* **card numbers**: 13–19 digits starting with 2–6 (Mir, Visa, Mastercard, Maestro,
  UnionPay…) whose Luhn check digit is right (python-stdnum);
* **phone numbers**: Russian and Belarusian numbers that phonenumbers validates (+7, 8-9xx,
  8-495…, +375, 8-029…), in any grouping with spaces, dashes, dots or brackets;
* **passports**: a Russian series and number («серия 45 04 номер 123456», «паспорт 4504
  123456», the series or the number alone after «серия» / «номер» when the passport is being
  talked about, or ten digits grouped 4+6 / 2+2+6 that are no phone), and a Belarusian
  passport (two letters and seven digits: «MP1234567»);
* **names**: the customer's name from their introduction, names the caller passes
  (e.g. from the customer's profile), and any word whose most probable pymorphy3 reading
  is a first name, surname or patronymic (or a capitalised word inside a sentence that can
  be one).

Numbers spoken as words are found too: the text is normalized to digits
(:mod:`spoken_numbers`), detection runs on the digits and the mask covers the words said.

Who may see the original is a :class:`RevealPolicy`; by default nobody.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from stdnum import luhn

from helpline.quality.transcripts.model import Transcript
from helpline.quality.transcripts.morphology import (
    could_be_person_name,
    fold,
    lemmas,
    name_forms,
    person_name_kind,
    tokenize,
)
from helpline.quality.transcripts.names import find_customer_name
from helpline.quality.transcripts.spoken_numbers import Normalized, normalize


class Kind(StrEnum):
    CARD = "card"
    PHONE = "phone"
    PASSPORT = "passport"
    NAME = "name"

    @property
    def mask(self) -> str:
        return f"[{self.value}]"


ALL_KINDS = frozenset(Kind)
REGIONS = ("RU", "BY")
_GROUP = re.compile(r"\d+")
#: between the groups of one number: spaces, hyphens, brackets (a comma only between spoken
#: groups); no dot («25.10.2017» stays three numbers), no dash («… — 2 сим-карты»)
_GROUP_GAP = re.compile(r"[ \t\-,()]{1,4}")
_WORDS = re.compile(r"[^\W\d_]+")
_BY_PASSPORT = re.compile(
    r"(?<![\w])(AB|BM|HB|KH|MP|MC|KB|PP|SP|DP|АВ|ВМ|НВ|КН|МР|МС|КВ|РР)\s?\d{7}(?![\w])")
_PASSPORT_WORDS = frozenset({"паспорт", "паспортный", "серия"})
_CONTEXT_WORDS = 12  # how far back «паспорт» / «серия» makes a number a passport's
_MASK_TOKEN = re.compile(r"\[(?:card|phone|passport|name)\]")


@dataclass(frozen=True)
class Span:
    kind: Kind
    start: int
    end: int


@dataclass(frozen=True)
class Redaction:
    original: str
    text: str
    spans: tuple[Span, ...]  # in the original text

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for span in self.spans:
            result[span.kind.value] = result.get(span.kind.value, 0) + 1
        return result


# -- numbers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Group:
    """Digits and the original characters they stand for."""

    digits: str
    start: int
    end: int


@dataclass(frozen=True)
class _Atom:
    """One group of digits as normalization found it: typed, or a compound number said in
    words (whose words may also be cut apart: «шестьсот девяносто шесть» is 696, or 600 and
    96, or 690 and 6)."""

    norm_start: int
    norm_end: int
    group: _Group
    words: tuple[tuple[int, int, int], ...]  # spoken: (start, end, value) of each word

    def segmentations(self) -> list[tuple[_Group, ...]]:
        """The group as one, then every way to cut it between its words."""
        result: list[tuple[_Group, ...]] = [(self.group,)]
        n = len(self.words)
        for mask in range(1, 2 ** (n - 1) if n > 1 else 1):
            parts: list[_Group] = []
            first = 0
            for k in range(1, n + 1):
                if k == n or mask >> (k - 1) & 1:
                    chunk = self.words[first:k]
                    parts.append(_Group(str(sum(v for _s, _e, v in chunk)), chunk[0][0],
                                        chunk[-1][1]))
                    first = k
            result.append(tuple(parts))
        return result


def _chains(normalized: Normalized) -> list[list[_Atom]]:
    """Digit groups joined by short separators (spaces, dashes, brackets). A comma joins
    only groups that were both spoken («сорок пять, ноль четыре»): typed digits with a
    comma between them are separate numbers («…45-67, 3200 рублей»). An amount said with
    «тысяча» is never part of a longer number."""
    text, offsets = normalized.text, normalized.offsets
    chains: list[list[_Atom]] = []
    for m in _GROUP.finditer(text):
        words = offsets.spoken_words(m.start())
        o_start, o_end = offsets.original_span(m.start(), m.end())
        atom = _Atom(m.start(), m.end(), _Group(m.group(), o_start, o_end), words)
        previous = chains[-1][-1] if chains else None
        if previous is not None and _GROUP_GAP.fullmatch(text, previous.norm_end,
                                                         atom.norm_start) and (
                "," not in text[previous.norm_end:atom.norm_start]
                or (offsets.is_spoken(previous.norm_start) and offsets.is_spoken(m.start()))
        ) and not (offsets.is_quantity(previous.norm_start) or offsets.is_quantity(m.start())):
            chains[-1].append(atom)
        else:
            chains.append([atom])
    return chains


def _words_before(text: str, position: int, count: int) -> list[str]:
    window = text[max(0, position - 20 * count):position]
    return [fold(w) for w in _WORDS.findall(window)][-count:]


def _has_lemma(words: Sequence[str], wanted: Iterable[str]) -> bool:
    wanted_set = frozenset(wanted)
    return any(not lemmas(w).isdisjoint(wanted_set) for w in words)


def _labelled(before: Sequence[str], label: str) -> bool:
    """The digits come right after ``label`` («серия», «номер»), or after «label паспорта»."""
    if before and label in lemmas(before[-1]):
        return True
    return (len(before) >= 2 and label in lemmas(before[-2])
            and "паспорт" in lemmas(before[-1]))


@lru_cache(maxsize=100_000)
def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits)


_RU_PREFIXED = re.compile(r"[78][3489]\d{9}")  # +7 / 8 and a 10-digit national number
_BY_PREFIXED = re.compile(r"(?:375|80)[1-4]\d{8}")  # +375 / 8 0 and a 9-digit national number


@lru_cache(maxsize=100_000)
def _is_phone(digits: str, plus: bool) -> bool:
    """A Russian or Belarusian phone number. With its prefix («+7», «8», «+375», «8 0») the
    length and the first digit of the area code are enough (a range may be missing from
    phonenumbers' metadata); without it phonenumbers must call it a valid number."""
    if plus:
        return bool((_RU_PREFIXED.fullmatch(digits) and digits[0] == "7")
                    or (_BY_PREFIXED.fullmatch(digits) and digits.startswith("375")))
    if _RU_PREFIXED.fullmatch(digits) or _BY_PREFIXED.fullmatch(digits):
        return True
    if len(digits) not in (9, 10):
        return False
    for region in REGIONS:
        try:
            parsed = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed) and (
                len(digits) == 10 or phonenumbers.number_type(parsed) in (
                    phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)):
            return True
    return False


def _passport_shape(groups: Sequence[_Group]) -> bool:
    sizes = [len(g.digits) for g in groups]
    return sizes in ([4, 6], [2, 2, 6], [10])


def _classify(groups: Sequence[_Group], before: Sequence[str], plus: bool,
              card_sizes: tuple[int, int], strict: bool = False) -> Kind | None:
    """What these digits are. ``strict`` (another reading of spoken words): cards only of
    the sizes given and passports only right after «серия» / «номер»."""
    digits = "".join(g.digits for g in groups)
    size = len(digits)
    passport_context = _has_lemma(before, _PASSPORT_WORDS)
    if passport_context and ((size == 10 and not strict)
                             or (size == 4 and _labelled(before, "серия"))
                             or (size == 6 and _labelled(before, "номер"))):
        return Kind.PASSPORT
    if not plus and card_sizes[0] <= size <= card_sizes[1] and _is_card(digits):
        return Kind.CARD
    if _is_phone(digits, plus):
        return Kind.PHONE
    if size == 10 and not strict and _passport_shape(groups):
        return Kind.PASSPORT
    return None


def _plus_before(text: str, position: int) -> int | None:
    """The position of a «+» just before ``position`` (brackets and spaces between)."""
    k = position - 1
    while k >= 0 and text[k] in " (":
        k -= 1
    return k if k >= 0 and text[k] == "+" else None


def _detect(text: str, groups: Sequence[_Group], plus_start: int | None,
            kinds: frozenset[Kind], strict: bool = False) -> list[Span]:
    """Greedy, left to right: from each group a passport number named as such, else a
    16-digit card, else the longest number."""
    spans: list[Span] = []
    befores = [_words_before(text, g.start, _CONTEXT_WORDS) for g in groups]
    i = 0
    while i < len(groups):
        candidates: list[tuple[int, Kind, int]] = []
        size = 0
        for j in range(i, len(groups)):
            size += len(groups[j].digits)
            if size > 19:
                break
            if size < 4:
                continue
            kind = _classify(groups[i:j + 1], befores[i], i == 0 and plus_start is not None,
                             (16, 16) if strict else (13, 19), strict)
            if kind is not None and kind in kinds:
                candidates.append((j, kind, size))
        if not candidates:
            i += 1
            continue
        preferred = ([c for c in candidates if c[1] is Kind.PASSPORT]
                     or [c for c in candidates if c[1] is Kind.CARD and c[2] == 16]
                     or candidates[-1:])
        j, kind, _size = preferred[-1]
        start = groups[i].start
        if kind is Kind.PHONE and i == 0 and plus_start is not None:
            start = plus_start
        end = groups[j].end
        if kind is Kind.PHONE and text[end:end + 1] == ")":
            end += 1
        spans.append(Span(kind, start, end))
        i = j + 1
    return spans


def _covered_words(atoms: Sequence[_Atom], spans: Sequence[Span]) -> int:
    return sum(1 for atom in atoms for s, e, _v in atom.words
               if any(sp.start <= s and e <= sp.end for sp in spans))


_MAX_VARIANTS = 400
#: another reading must mask at least this many more spoken words than the plain one (a
#: lone number word after a number, «…шестьдесят семь, два раза», is no reason to re-read)
_VARIANT_MARGIN = 2


def _chain_numbers(text: str, atoms: list[_Atom], plus_start: int | None,
                   kinds: frozenset[Kind]) -> list[Span]:
    """Numbers in one chain. When the plain reading leaves two or more spoken words unmasked
    in a long chain, other readings of the spoken compounds are tried (one or two of them
    cut apart; cards then only of 16 digits, passports only after «серия» / «номер») and
    the one masking the most words, at least two more than the plain reading, wins; ties
    keep the earlier reading."""
    segs = [atom.segmentations() for atom in atoms]
    plain = [seg[0] for seg in segs]
    best = _detect(text, [g for part in plain for g in part], plus_start, kinds)
    spoken = sum(len(a.words) for a in atoms)
    digits = sum(len(a.group.digits) for a in atoms)
    if digits < 9 or spoken == 0:
        return best
    best_covered = _covered_words(atoms, best)
    if best_covered + _VARIANT_MARGIN > spoken:
        return best
    plain_covered = best_covered
    choices = [(k, seg) for k, options in enumerate(segs) for seg in options[1:]]
    variants: list[dict[int, tuple[_Group, ...]]] = [{k: seg} for k, seg in choices]
    variants += [{k1: s1, k2: s2} for n, (k1, s1) in enumerate(choices)
                 for k2, s2 in choices[n + 1:] if k2 != k1]
    for variant in variants[:_MAX_VARIANTS]:
        groups = [g for k, part in enumerate(plain) for g in variant.get(k, part)]
        spans = _detect(text, groups, plus_start, kinds, strict=True)
        covered = _covered_words(atoms, spans)
        if covered > best_covered and covered >= plain_covered + _VARIANT_MARGIN:
            best, best_covered = spans, covered
    return best


def find_numbers(text: str, kinds: frozenset[Kind] = ALL_KINDS) -> list[Span]:
    """Card, phone and passport numbers in ``text`` (digits or spoken), as original spans."""
    normalized = normalize(text)
    spans: list[Span] = []
    for atoms in _chains(normalized):
        plus_at = _plus_before(normalized.text, atoms[0].norm_start)
        plus_start = (normalized.offsets.original_span(plus_at, plus_at + 1)[0]
                      if plus_at is not None else None)
        spans.extend(_chain_numbers(text, atoms, plus_start, kinds))
    if Kind.PASSPORT in kinds:
        spans.extend(Span(Kind.PASSPORT, m.start(), m.end())
                     for m in _BY_PASSPORT.finditer(text))
    return spans


# -- names --------------------------------------------------------------------------------
def _sentence_start(text: str, position: int) -> bool:
    k = position - 1
    while k >= 0 and text[k] in " \t\"«(":
        k -= 1
    return k < 0 or text[k] in ".!?\n:;—-"


def find_names(text: str, known: frozenset[str] = frozenset()) -> list[Span]:
    """Person names: known forms (folded), words whose best reading is a name, surname or
    patronymic, and capitalised words inside a sentence that can be a name."""
    spans = []
    for token in tokenize(text):
        if _MASK_TOKEN.fullmatch(token.text):
            continue
        word = token.text
        if (fold(word) in known or person_name_kind(word) is not None
                or (word[:1].isupper() and not word.isupper()
                    and not _sentence_start(text, token.start) and could_be_person_name(word))):
            spans.append(Span(Kind.NAME, token.start, token.end))
    return spans


# -- the redactor -------------------------------------------------------------------------
def _merge(text: str, spans: Iterable[Span]) -> list[Span]:
    """Order spans; overlapping ones become one (the earlier one's kind); adjacent spans of
    one kind separated only by spaces become one mask."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        last = merged[-1] if merged else None
        if last is not None and (span.start < last.end or (
                span.kind is last.kind and not text[last.end:span.start].strip())):
            merged[-1] = Span(last.kind, last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def apply_masks(text: str, spans: Sequence[Span]) -> str:
    out = []
    position = 0
    for span in spans:
        out.append(text[position:span.start])
        out.append(span.kind.mask)
        position = span.end
    out.append(text[position:])
    return "".join(out)


@dataclass(frozen=True)
class Redactor:
    """What to mask. ``names`` are extra names to mask in every form («Анна» masks «Анну»)."""

    kinds: frozenset[Kind] = ALL_KINDS
    names: tuple[str, ...] = ()
    _known: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        known: set[str] = set()
        for name in self.names:
            known |= name_forms(name)
        object.__setattr__(self, "_known", frozenset(known))

    def redact(self, text: str, *, names: Iterable[str] = ()) -> Redaction:
        known = self._known
        extra = tuple(names)
        if extra:
            known = known | frozenset().union(*(name_forms(n) for n in extra))
        spans: list[Span] = []
        if self.kinds & {Kind.CARD, Kind.PHONE, Kind.PASSPORT}:
            spans.extend(find_numbers(text, self.kinds))
        if Kind.NAME in self.kinds:
            spans.extend(find_names(text, known))
        merged = tuple(_merge(text, spans))
        return Redaction(text, apply_masks(text, merged), merged)


def redact_text(text: str, redactor: Redactor | None = None) -> str:
    """The text with its personal data masked (for logs and the search index)."""
    return (redactor or Redactor()).redact(text).text


def redact_transcript(transcript: Transcript, redactor: Redactor | None = None,
                      ) -> tuple[Transcript, tuple[Redaction, ...]]:
    """Every utterance redacted; the customer's name from their introduction is masked in
    every form everywhere in the transcript."""
    redactor = redactor or Redactor()
    customer = find_customer_name(transcript)
    names: tuple[str, ...] = ()
    if customer is not None and customer.name != "[name]":
        names = (customer.name, customer.lemma)
    redactions = tuple(redactor.redact(u.text, names=names) for u in transcript.utterances)
    return transcript.with_texts([r.text for r in redactions]), redactions


# -- who may see the original ---------------------------------------------------------------
@dataclass(frozen=True)
class RevealPolicy:
    """Roles allowed to see the original text; empty (the default) means nobody."""

    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, roles: Iterable[str]) -> RevealPolicy:
        return cls(frozenset(r.strip() for r in roles if r.strip()))

    def may_see_original(self, role: str | None) -> bool:
        return role is not None and role in self.roles


def may_see_original(policy: RevealPolicy, role: str | None) -> bool:
    return policy.may_see_original(role)


def text_for_role(redaction: Redaction, role: str | None,
                  policy: RevealPolicy | None = None) -> str:
    """The original for a role the policy allows, otherwise the redacted text."""
    return redaction.original if (policy or RevealPolicy()).may_see_original(role) \
        else redaction.text


class RedactingLogFilter(logging.Filter):
    """A logging filter that masks personal data in each record's message (attach it to a
    handler: ``handler.addFilter(RedactingLogFilter())``)."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.redact(record.getMessage()).text
        record.args = ()
        return True
