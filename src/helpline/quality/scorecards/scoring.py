"""Auto-fill a checklist from findings, overrides by a QA specialist, and the score.

**Findings** are the JSON-ready dicts of the rules engine
(:meth:`helpline.quality.transcripts.rules.Finding.to_dict`) and of the audio analysis
(:meth:`helpline.quality.audio.findings.Finding.to_dict`): ``rule``, ``passed``,
optionally ``applicable`` (absent = applicable), ``start``, ``end``, ``message`` and/or
``evidence``.

**An item's automatic value**, from the findings of its rules (:func:`decide`):

* a manual item (no rules): none — the QA specialist fills it;
* no finding of any of its rules: none (``if_no_findings = "manual"``) or
  ``not_applicable``;
* any applicable finding failed: ``failed``;
* else any applicable finding passed: ``passed``;
* else (only not-applicable findings): ``not_applicable``.

**Final value** = the override when there is one, else the automatic value. The
automatic value is kept beside the override, never replaced.

**Score** (:func:`score`) over the final values::

    score % = sum(weight of passed items) / sum(weight of passed + failed items) x 100
            = 0 when any critical item failed
            = none when no item is passed or failed

Items without a value (a manual item nobody filled yet) are left out and listed as
``pending``; not-applicable items are left out.

**Languages.** What the checklist says about an item — its title, why it got its
automatic value, the notes of its findings — is kept as catalogue keys and parameters
(:mod:`helpline.quality.findings_i18n`) beside the English text and rendered in the
reader's language by ``to_dict(language)``; scorecards stored without them keep their
English text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from helpline.quality.findings_i18n import MessageError, has, render
from helpline.quality.scorecards.errors import FindingInvalid, OverrideInvalid
from helpline.quality.scorecards.template import Item, Template

MAX_COMMENT = 2000
_MAX_NOTE = 300


class Value(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


def check_value(value: str) -> Value:
    try:
        return Value(value)
    except ValueError as error:
        raise OverrideInvalid(f"value must be one of {', '.join(v.value for v in Value)}",
                              value=value) from error


@dataclass(frozen=True)
class FindingRef:
    """What the scorecard keeps of a finding: enough to show why an item got its value.
    ``note`` is the English message and quote; ``message_key``, ``params`` and ``quote``
    render it in another language (:meth:`view`)."""

    rule: str
    passed: bool
    applicable: bool = True
    start: float | None = None
    end: float | None = None
    note: str = ""
    message_key: str | None = None
    params: Mapping[str, Any] | None = field(default=None, hash=False)
    quote: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FindingRef:
        rule, passed = data.get("rule"), data.get("passed")
        if not isinstance(rule, str) or not rule:
            raise FindingInvalid("a finding needs its rule id", finding=_short(data))
        if not isinstance(passed, bool):
            raise FindingInvalid(f"finding {rule!r}: passed must be true or false", rule=rule)
        applicable = data.get("applicable", True)
        if not isinstance(applicable, bool):
            raise FindingInvalid(f"finding {rule!r}: applicable must be true or false",
                                 rule=rule)
        key, params = data.get("message_key"), data.get("params")
        if not (isinstance(key, str) and key and isinstance(params, Mapping)):
            return cls(rule, passed, applicable, _seconds(data.get("start")),
                       _seconds(data.get("end")), _note(data))
        return cls(rule, passed, applicable, _seconds(data.get("start")),
                   _seconds(data.get("end")), _note(data), key, dict(params), _quote(data))

    def to_dict(self) -> dict[str, Any]:
        """What is stored."""
        out: dict[str, Any] = {"rule": self.rule, "passed": self.passed,
                               "applicable": self.applicable, "start": self.start,
                               "end": self.end, "note": self.note}
        if self.message_key is not None:
            out.update(message_key=self.message_key, params=dict(self.params or {}),
                       quote=self.quote)
        return out

    def view(self, language: str) -> dict[str, Any]:
        """What is shown: the note in ``language``."""
        return {**self.to_dict(), "note": self.note_in(language)}

    def note_in(self, language: str) -> str:
        if self.message_key is None or not has(self.message_key):
            return self.note
        try:
            message = render(self.message_key, self.params, language)
        except (MessageError, TypeError, ValueError):
            return self.note
        return _clip(" — ".join([message, *([f"«{self.quote}»"] if self.quote else [])]))


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value), 3) if math.isfinite(value) else None


def _note(data: Mapping[str, Any]) -> str:
    """The finding's message (rules engine) or evidence text (audio), and the first
    quoted utterance when the evidence is a list of utterances."""
    parts: list[str] = []
    message, evidence = data.get("message"), data.get("evidence")
    if isinstance(message, str) and message:
        parts.append(message)
    if isinstance(evidence, str) and evidence:
        parts.append(evidence)
    elif isinstance(evidence, list) and evidence and isinstance(evidence[0], Mapping):
        text = evidence[0].get("text")
        if isinstance(text, str) and text:
            # an utterance is quoted; a measurement (no speaker: audio) is not
            parts.append(f"«{text}»" if evidence[0].get("speaker") else text)
    return _clip(" — ".join(parts))


def _quote(data: Mapping[str, Any]) -> str | None:
    """The first utterance the finding quotes (an audio measurement is no quote)."""
    evidence = data.get("evidence")
    if isinstance(evidence, list) and evidence and isinstance(evidence[0], Mapping) \
            and evidence[0].get("speaker"):
        text = evidence[0].get("text")
        return text if isinstance(text, str) and text else None
    return None


def _clip(note: str) -> str:
    return note if len(note) <= _MAX_NOTE else note[:_MAX_NOTE - 1] + "…"


def _short(data: Mapping[str, Any]) -> str:
    return repr(dict(data))[:120]


@dataclass(frozen=True)
class AutoItem:
    item: str
    #: none: left to the QA specialist (manual item, or no finding)
    value: Value | None
    #: in English; ``reason_key`` and ``reason_params`` render it in any language
    reason: str
    findings: tuple[FindingRef, ...] = ()
    reason_key: str | None = None
    reason_params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, item: str, value: Value | None, key: str, params: Mapping[str, Any],
           findings: tuple[FindingRef, ...] = ()) -> AutoItem:
        return cls(item, value, render(key, params, "en"), findings, key, dict(params))

    def reason_in(self, language: str) -> str:
        if self.reason_key is None or not has(self.reason_key):
            return self.reason
        try:
            return render(self.reason_key, self.reason_params, language)
        except (MessageError, TypeError, ValueError):
            return self.reason

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item, "value": None if self.value is None else self.value.value,
            "reason": self.reason, "findings": [f.to_dict() for f in self.findings]}
        if self.reason_key is not None:
            out.update(reason_key=self.reason_key, reason_params=dict(self.reason_params))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AutoItem:
        value = data.get("value")
        key, params = data.get("reason_key"), data.get("reason_params")
        return cls(str(data["item"]), None if value is None else Value(value),
                   str(data.get("reason", "")),
                   tuple(FindingRef(**f) for f in data.get("findings", ())),
                   key if isinstance(key, str) else None,
                   dict(params) if isinstance(params, Mapping) else {})


def decide(item: Item, findings: Sequence[FindingRef]) -> AutoItem:
    """The automatic value of one item (rules in the module docstring)."""
    if item.manual:
        return AutoItem.of(item.id, None, "scorecard.manual", {})
    mine = tuple(f for f in findings if f.rule in item.rules)
    if not mine:
        rules = {"rules": ", ".join(item.rules)}
        if item.if_no_findings == "not_applicable":
            return AutoItem.of(item.id, Value.NOT_APPLICABLE, "scorecard.no_findings_na", rules)
        return AutoItem.of(item.id, None, "scorecard.no_findings_manual", rules)
    applicable = [f for f in mine if f.applicable]
    failed = [f for f in applicable if not f.passed]
    # the failed findings first: they are the reason
    ordered = (*failed, *(f for f in mine if f not in failed))
    if failed:
        return AutoItem.of(item.id, Value.FAILED, "scorecard.failed",
                           {"failed": len(failed), "applicable": len(applicable)}, ordered)
    if applicable:
        return AutoItem.of(item.id, Value.PASSED, "scorecard.passed",
                           {"applicable": len(applicable)}, ordered)
    return AutoItem.of(item.id, Value.NOT_APPLICABLE, "scorecard.not_applicable",
                       {"count": len(mine)}, ordered)


def auto_fill(template: Template, findings: Iterable[Mapping[str, Any]]) -> tuple[AutoItem, ...]:
    """One automatic value per item of the template, in its order."""
    refs = [FindingRef.from_dict(f) for f in findings]
    return tuple(decide(item, refs) for item in template.items)


@dataclass(frozen=True)
class Score:
    percent: float | None
    earned_weight: float
    applicable_weight: float
    #: critical items whose value is failed (the score is then 0)
    critical_failed: tuple[str, ...] = ()
    #: items without a value yet (left out of the score)
    pending: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.pending

    def to_dict(self) -> dict[str, Any]:
        return {"percent": None if self.percent is None else round(self.percent, 2),
                "earned_weight": self.earned_weight,
                "applicable_weight": self.applicable_weight,
                "critical_failed": list(self.critical_failed),
                "pending": list(self.pending), "complete": self.complete}


def score(template: Template, values: Mapping[str, Value | None]) -> Score:
    """The weighted score of ``values`` (item id -> value; a missing id counts as no value)."""
    earned = applicable = 0.0
    critical: list[str] = []
    pending: list[str] = []
    for item in template.items:
        value = values.get(item.id)
        if value is None:
            pending.append(item.id)
        elif value is Value.PASSED:
            earned += item.weight
            applicable += item.weight
        elif value is Value.FAILED:
            applicable += item.weight
            if item.critical:
                critical.append(item.id)
    if critical:
        percent: float | None = 0.0
    elif applicable > 0:
        percent = 100.0 * earned / applicable
    else:
        percent = None
    return Score(percent, earned, applicable, tuple(critical), tuple(pending))


# -- overrides and the scorecard ----------------------------------------------------------
@dataclass(frozen=True)
class Override:
    value: Value
    comment: str
    author_id: str
    author_role: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value.value, "comment": self.comment,
                "author_id": self.author_id, "author_role": self.author_role,
                "at": self.at.isoformat()}


def check_override(value: str, comment: str, at: datetime) -> tuple[Value, str]:
    """A valid value and the comment, trimmed; the comment is mandatory."""
    checked = check_value(value)
    text = comment.strip() if isinstance(comment, str) else ""
    if not text:
        raise OverrideInvalid("an override needs a comment", field="comment")
    if len(text) > MAX_COMMENT:
        raise OverrideInvalid(f"the comment is longer than {MAX_COMMENT} characters",
                              field="comment")
    if at.tzinfo is None:
        raise OverrideInvalid("the override's time must be timezone-aware", field="at")
    return checked, text


@dataclass(frozen=True)
class ItemState:
    item: Item
    auto: AutoItem
    override: Override | None

    @property
    def final(self) -> Value | None:
        return self.override.value if self.override is not None else self.auto.value

    def to_dict(self, language: str = "ru") -> dict[str, Any]:
        final = self.final
        return {"id": self.item.id, "title": self.item.title(language),
                "weight": self.item.weight, "critical": self.item.critical,
                "manual": self.item.manual, "rules": list(self.item.rules),
                "auto": None if self.auto.value is None else self.auto.value.value,
                "auto_reason": self.auto.reason_in(language),
                "findings": [f.view(language) for f in self.auto.findings],
                "override": None if self.override is None else self.override.to_dict(),
                "final": None if final is None else final.value}


@dataclass(frozen=True)
class Scorecard:
    template: Template
    auto: tuple[AutoItem, ...]
    overrides: Mapping[str, Override] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if [a.item for a in self.auto] != [i.id for i in self.template.items]:
            raise ValueError("one automatic value per template item, in its order")
        for item_id in self.overrides:
            self.template.item(item_id)

    @classmethod
    def from_findings(cls, template: Template, findings: Iterable[Mapping[str, Any]],
                      ) -> Scorecard:
        return cls(template, auto_fill(template, findings))

    def rescored(self, findings: Iterable[Mapping[str, Any]]) -> Scorecard:
        """New automatic values from new findings; the overrides stay."""
        return replace(self, auto=auto_fill(self.template, findings))

    def with_override(self, item_id: str, value: str, comment: str, *, author_id: str,
                      author_role: str, at: datetime) -> Scorecard:
        self.template.item(item_id)
        checked, text = check_override(value, comment, at)
        overrides = dict(self.overrides)
        overrides[item_id] = Override(checked, text, author_id, author_role, at)
        return replace(self, overrides=overrides)

    def states(self) -> tuple[ItemState, ...]:
        return tuple(ItemState(item, auto, self.overrides.get(item.id))
                     for item, auto in zip(self.template.items, self.auto, strict=True))

    def auto_values(self) -> dict[str, Value | None]:
        return {a.item: a.value for a in self.auto}

    def final_values(self) -> dict[str, Value | None]:
        return {s.item.id: s.final for s in self.states()}

    def auto_score(self) -> Score:
        return score(self.template, self.auto_values())

    def final_score(self) -> Score:
        return score(self.template, self.final_values())

    def pairs(self) -> list[tuple[str, Value, Value]]:
        """(item, automatic, final) for the items that have both: the material of the
        agreement between the machine and the QA specialist."""
        return [(s.item.id, s.auto.value, s.final) for s in self.states()
                if s.auto.value is not None and s.final is not None]

    def to_dict(self, language: str = "ru") -> dict[str, Any]:
        return {"template": {"name": self.template.name, "version": self.template.version,
                             "title": self.template.title(language)},
                "items": [s.to_dict(language) for s in self.states()],
                "auto_score": self.auto_score().to_dict(),
                "score": self.final_score().to_dict()}
