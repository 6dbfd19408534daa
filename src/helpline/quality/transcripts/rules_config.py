"""The rulebook: script-compliance rules read from a TOML file, one file per language.

Format (see ``rules_ru.toml`` for the full default, written from seed 004)::

    [rulebook]
    language = "ru"
    name = "..."
    version = 1

    [[rules]]
    id = "closing_offer"            # unique; the finding's ``rule``
    kind = "phrase_present"         # one of KINDS
    title = { ru = "…", en = "…" }  # or one string, in the rulebook's language
    phrases = ["чем ещё могу помочь"]
    speaker = "agent"               # agent | customer | any
    last_utterances = 3             # scope: at most one of first_utterances,
                                    # last_utterances, within_seconds = [from, to],
                                    # last_seconds
    slop = 2                        # extra words allowed inside a phrase
    channels = ["call", "chat"]     # where the rule applies (default both)

Phrases are matched by lemma (every word form, ё = е); ``*`` is any one word.
Every key is checked: an unknown key, a wrong type or a missing required key is a
:class:`RulesConfigError` that names the rule and the key.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from helpline.quality.transcripts.errors import RulesConfigError
from helpline.quality.transcripts.morphology import Phrase
from helpline.quality.transcripts.names import DEFAULT_INTRODUCTIONS, DEFAULT_NAME_QUESTIONS

SPEAKERS = ("agent", "customer", "any")
CHANNELS = ("call", "chat")


@dataclass(frozen=True)
class Scope:
    """Which utterances a rule looks at: a speaker, then at most one of the first N, the last
    N, those starting within [from, to] seconds, or those starting in the last N seconds."""

    speaker: str = "agent"
    first_utterances: int | None = None
    last_utterances: int | None = None
    within_seconds: tuple[float, float] | None = None
    last_seconds: float | None = None

    def describe(self) -> str:
        who = "anyone" if self.speaker == "any" else f"the {self.speaker}"
        if self.first_utterances is not None:
            return f"the first {self.first_utterances} utterance(s) of {who}"
        if self.last_utterances is not None:
            return f"the last {self.last_utterances} utterance(s) of {who}"
        if self.within_seconds is not None:
            a, b = self.within_seconds
            return f"what {who} said between {a:g} s and {b:g} s"
        if self.last_seconds is not None:
            return f"what {who} said in the last {self.last_seconds:g} s"
        return f"everything {who} said"


@dataclass(frozen=True, kw_only=True)
class RuleBase:
    id: str
    kind: str
    #: the title in the rulebook's language (else the first one given)
    title: str = ""
    description: str = ""
    channels: frozenset[str] = frozenset(CHANNELS)
    #: the title per language (``title = { ru = "...", en = "..." }``; a plain string is
    #: the rulebook's language)
    titles: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True)
class PhrasePresentRule(RuleBase):
    phrases: tuple[Phrase, ...]
    scope: Scope = Scope()
    slop: int = 0
    #: not applicable when the phrase is missing but the customer gave their name anyway
    #: (for «asked the name»)
    unless_customer_introduced: bool = False


@dataclass(frozen=True, kw_only=True)
class PhraseAbsentRule(RuleBase):
    phrases: tuple[Phrase, ...]
    scope: Scope = Scope()
    slop: int = 0


@dataclass(frozen=True, kw_only=True)
class NearRule(RuleBase):
    x: tuple[Phrase, ...]
    y: tuple[Phrase, ...]
    within_words: int
    ordered: bool = False
    expect: str = "present"  # present | absent
    scope: Scope = Scope()


@dataclass(frozen=True, kw_only=True)
class CountRule(RuleBase):
    phrases: tuple[Phrase, ...]
    min: int | None = None
    max: int | None = None
    scope: Scope = Scope()
    slop: int = 0


@dataclass(frozen=True, kw_only=True)
class NameUsageRule(RuleBase):
    introductions: tuple[str, ...] = DEFAULT_INTRODUCTIONS
    questions: tuple[str, ...] = DEFAULT_NAME_QUESTIONS
    min: int = 2
    speaker: str = "agent"


@dataclass(frozen=True, kw_only=True)
class GreetingRule(RuleBase):
    roles: Mapping[str, tuple[Phrase, ...]]
    first_utterances: int = 1
    slop: int = 1


@dataclass(frozen=True, kw_only=True)
class HoldAnnouncementRule(RuleBase):
    purpose: tuple[Phrase, ...]
    time: tuple[Phrase, ...]
    consent: tuple[Phrase, ...]
    window_seconds: float = 30.0
    slop: int = 1


@dataclass(frozen=True, kw_only=True)
class HoldThanksRule(RuleBase):
    phrases: tuple[Phrase, ...]
    within_seconds: float = 10.0
    slop: int = 1


@dataclass(frozen=True, kw_only=True)
class HoldDurationRule(RuleBase):
    max_seconds: float = 120.0
    by_role: Mapping[str, float] = field(default_factory=dict)

    def limit_seconds(self, role: str) -> float:
        return self.by_role.get(role, self.max_seconds)


@dataclass(frozen=True, kw_only=True)
class MaxSilenceRule(RuleBase):
    max_seconds: float = 10.0


@dataclass(frozen=True, kw_only=True)
class SilenceResponseRule(RuleBase):
    phrases: tuple[Phrase, ...]
    after_seconds: float = 5.0
    slop: int = 1


Rule = (PhrasePresentRule | PhraseAbsentRule | NearRule | CountRule | NameUsageRule
        | GreetingRule | HoldAnnouncementRule | HoldThanksRule | HoldDurationRule
        | MaxSilenceRule | SilenceResponseRule)


@dataclass(frozen=True)
class Rulebook:
    language: str
    name: str
    version: int
    rules: tuple[Rule, ...]
    source: str = ""

    @property
    def roles(self) -> tuple[str, ...]:
        """The operator roles the greeting rules know (empty: any role is accepted)."""
        found: set[str] = set()
        for rule in self.rules:
            if isinstance(rule, GreetingRule):
                found.update(rule.roles)
        return tuple(sorted(found))

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# -- parsing ------------------------------------------------------------------------------
_COMMON = frozenset({"id", "kind", "title", "description", "channels"})
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_SCOPE = frozenset({"speaker", "first_utterances", "last_utterances", "within_seconds",
                    "last_seconds"})


class _Reader:
    """Typed access to one rule's table, with errors that name the rule and the key."""

    def __init__(self, table: Mapping[str, Any], where: str, language: str = "ru") -> None:
        self.table = table
        self.where = where
        self.language = language

    def fail(self, message: str, key: str | None = None) -> RulesConfigError:
        at = f"{self.where}.{key}" if key else self.where
        return RulesConfigError(f"{at}: {message}", field=at)

    def has(self, key: str) -> bool:
        return key in self.table

    def string(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str):
            raise self.fail("is required (a string)" if value is None else "must be a string",
                            key)
        return value

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("is required (a whole number)" if value is None
                            else "must be a whole number", key)
        if value < minimum:
            raise self.fail(f"must be >= {minimum}", key)
        return value

    def optional_integer(self, key: str, *, minimum: int = 0) -> int | None:
        return self.integer(key, minimum=minimum) if key in self.table else None

    def number(self, key: str, default: float | None = None, *, positive: bool = True) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("is required (a number)" if value is None else "must be a number",
                            key)
        number = float(value)
        if not math.isfinite(number) or (positive and number <= 0) or number < 0:
            raise self.fail("must be a positive number" if positive else "must be >= 0", key)
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail("must be true or false", key)
        return value

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail("is required (a list of strings)", key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not value or \
                not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail("must be a non-empty list of strings", key)
        return tuple(value)

    def phrases(self, key: str) -> tuple[Phrase, ...]:
        result = []
        for text in self.strings(key):
            try:
                result.append(Phrase.parse(text))
            except ValueError as error:
                raise self.fail(str(error), key) from error
        return tuple(result)

    def titles(self, key: str) -> dict[str, str]:
        """A string (in the rulebook's language) or a table of language = string."""
        value = self.table.get(key, "")
        if isinstance(value, str):
            return {self.language: value} if value else {}
        if not isinstance(value, Mapping) or not value:
            raise self.fail("must be a string or a table of language = string, e.g. "
                            "{ ru = \"...\", en = \"...\" }", key)
        out = {}
        for language, text in value.items():
            if not _LANGUAGE.match(str(language)):
                raise self.fail(f"{language!r} is not a language code (ru, en, ...)", key)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{key}.{language} must be a non-empty string", key)
            out[str(language)] = text
        return out

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.string(key, default)
        if value not in allowed:
            raise self.fail(f"must be one of {', '.join(allowed)}, not {value!r}", key)
        return value

    def scope(self, default_speaker: str = "agent") -> Scope:
        chosen = [k for k in ("first_utterances", "last_utterances", "within_seconds",
                              "last_seconds") if k in self.table]
        if len(chosen) > 1:
            raise self.fail(f"give at most one of {', '.join(chosen)}")
        within: tuple[float, float] | None = None
        if "within_seconds" in self.table:
            value = self.table["within_seconds"]
            if (not isinstance(value, list) or len(value) != 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool)
                               for v in value)
                    or not 0 <= value[0] <= value[1]):
                raise self.fail("must be [from, to] in seconds with 0 <= from <= to",
                                "within_seconds")
            within = (float(value[0]), float(value[1]))
        return Scope(
            speaker=self.choice("speaker", default_speaker, SPEAKERS),
            first_utterances=self.optional_integer("first_utterances", minimum=1),
            last_utterances=self.optional_integer("last_utterances", minimum=1),
            within_seconds=within,
            last_seconds=self.number("last_seconds") if "last_seconds" in self.table else None,
        )

    def common(self) -> dict[str, Any]:
        channels = self.strings("channels", CHANNELS)
        for channel in channels:
            if channel not in CHANNELS:
                raise self.fail(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})",
                                "channels")
        titles = self.titles("title")
        title = titles.get(self.language) or next(iter(titles.values()), "")
        return {"id": self.string("id"), "kind": self.string("kind"), "title": title,
                "titles": titles, "description": self.string("description", ""),
                "channels": frozenset(channels)}


def _phrase_present(r: _Reader) -> Rule:
    return PhrasePresentRule(**r.common(), phrases=r.phrases("phrases"), scope=r.scope(),
                             slop=r.integer("slop", 0),
                             unless_customer_introduced=r.boolean(
                                 "unless_customer_introduced", False))


def _phrase_absent(r: _Reader) -> Rule:
    return PhraseAbsentRule(**r.common(), phrases=r.phrases("phrases"), scope=r.scope(),
                            slop=r.integer("slop", 0))


def _near(r: _Reader) -> Rule:
    return NearRule(**r.common(), x=r.phrases("x"), y=r.phrases("y"),
                    within_words=r.integer("within_words"), ordered=r.boolean("ordered", False),
                    expect=r.choice("expect", "present", ("present", "absent")),
                    scope=r.scope())


def _count(r: _Reader) -> Rule:
    low, high = r.optional_integer("min"), r.optional_integer("max")
    if low is None and high is None:
        raise r.fail("a count rule needs min, max or both")
    if low is not None and high is not None and low > high:
        raise r.fail("min is greater than max")
    return CountRule(**r.common(), phrases=r.phrases("phrases"), min=low, max=high,
                     scope=r.scope(), slop=r.integer("slop", 0))


def _name_usage(r: _Reader) -> Rule:
    introductions = r.strings("introductions", DEFAULT_INTRODUCTIONS)
    for text in introductions:
        if text.split().count("*") != 1:
            raise r.fail(f"{text!r} must mark the name with one '*'", "introductions")
    return NameUsageRule(**r.common(), introductions=introductions,
                         questions=r.strings("questions", DEFAULT_NAME_QUESTIONS),
                         min=r.integer("min", 2, minimum=1),
                         speaker=r.choice("speaker", "agent", ("agent", "customer")))


def _greeting(r: _Reader) -> Rule:
    table = r.table.get("roles")
    if not isinstance(table, Mapping) or not table:
        raise r.fail("is required: a table of role = [greetings]", "roles")
    roles = {}
    for role in table:
        roles[str(role)] = _Reader(table, f"{r.where}.roles").phrases(str(role))
    return GreetingRule(**r.common(), roles=roles,
                        first_utterances=r.integer("first_utterances", 1, minimum=1),
                        slop=r.integer("slop", 1))


def _hold_announcement(r: _Reader) -> Rule:
    return HoldAnnouncementRule(**r.common(), purpose=r.phrases("purpose"),
                                time=r.phrases("time"), consent=r.phrases("consent"),
                                window_seconds=r.number("window_seconds", 30.0),
                                slop=r.integer("slop", 1))


def _hold_thanks(r: _Reader) -> Rule:
    return HoldThanksRule(**r.common(), phrases=r.phrases("phrases"),
                          within_seconds=r.number("within_seconds", 10.0),
                          slop=r.integer("slop", 1))


def _hold_duration(r: _Reader) -> Rule:
    table = r.table.get("by_role", {})
    if not isinstance(table, Mapping):
        raise r.fail("must be a table of role = seconds", "by_role")
    by_role = {str(k): _Reader(table, f"{r.where}.by_role").number(str(k)) for k in table}
    return HoldDurationRule(**r.common(), max_seconds=r.number("max_seconds", 120.0),
                            by_role=by_role)


def _max_silence(r: _Reader) -> Rule:
    return MaxSilenceRule(**r.common(), max_seconds=r.number("max_seconds", 10.0))


def _silence_response(r: _Reader) -> Rule:
    return SilenceResponseRule(**r.common(), phrases=r.phrases("phrases"),
                               after_seconds=r.number("after_seconds", 5.0),
                               slop=r.integer("slop", 1))


_SCOPED = _COMMON | _SCOPE
#: kind -> (builder, allowed keys)
KINDS: dict[str, tuple[Callable[[_Reader], Rule], frozenset[str]]] = {
    "phrase_present": (_phrase_present,
                       _SCOPED | {"phrases", "slop", "unless_customer_introduced"}),
    "phrase_absent": (_phrase_absent, _SCOPED | {"phrases", "slop"}),
    "near": (_near, _SCOPED | {"x", "y", "within_words", "ordered", "expect"}),
    "count": (_count, _SCOPED | {"phrases", "slop", "min", "max"}),
    "name_usage": (_name_usage, _COMMON | {"introductions", "questions", "min", "speaker"}),
    "greeting": (_greeting, _COMMON | {"roles", "first_utterances", "slop"}),
    "hold_announcement": (_hold_announcement,
                          _COMMON | {"purpose", "time", "consent", "window_seconds", "slop"}),
    "hold_thanks": (_hold_thanks, _COMMON | {"phrases", "within_seconds", "slop"}),
    "hold_duration": (_hold_duration, _COMMON | {"max_seconds", "by_role"}),
    "max_silence": (_max_silence, _COMMON | {"max_seconds"}),
    "silence_response": (_silence_response, _COMMON | {"phrases", "after_seconds", "slop"}),
}


def parse_rulebook(data: Mapping[str, Any], *, source: str = "") -> Rulebook:
    """Build a rulebook from decoded TOML."""
    prefix = f"{source}: " if source else ""
    try:
        unknown = sorted(set(data) - {"rulebook", "rules"})
        if unknown:
            raise RulesConfigError(f"unknown top-level key(s): {', '.join(unknown)}")
        head = data.get("rulebook", {})
        if not isinstance(head, Mapping):
            raise RulesConfigError("[rulebook] must be a table")
        meta = _Reader(head, "rulebook")
        bad = sorted(set(head) - {"language", "name", "version"})
        if bad:
            raise meta.fail(f"unknown key(s): {', '.join(bad)}")
        language = meta.string("language", "ru")
        items = data.get("rules")
        if not isinstance(items, list) or not items:
            raise RulesConfigError("the rulebook needs at least one [[rules]] table")
        rules: list[Rule] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise RulesConfigError(f"rules[{i}] must be a table")
            rid = item.get("id")
            reader = _Reader(item, f"rules[{i}]" + (f" ({rid})" if isinstance(rid, str) else ""),
                             language)
            kind = reader.string("kind")
            if kind not in KINDS:
                raise reader.fail(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}",
                                  "kind")
            build, allowed = KINDS[kind]
            extra = sorted(set(item) - allowed)
            if extra:
                raise reader.fail(f"unknown key(s) for kind {kind}: {', '.join(extra)}; "
                                  f"allowed: {', '.join(sorted(allowed))}")
            rule = build(reader)
            if rule.id in seen:
                raise reader.fail(f"duplicate rule id {rule.id!r}", "id")
            seen.add(rule.id)
            rules.append(rule)
        return Rulebook(language=language, name=meta.string("name", ""),
                        version=meta.integer("version", 1), rules=tuple(rules), source=source)
    except RulesConfigError as error:
        if prefix:
            raise RulesConfigError(prefix + error.message, **error.details) from error
        raise


def loads_rulebook(text: str, *, source: str = "") -> Rulebook:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesConfigError(f"{source or 'rulebook'}: not valid TOML: {error}") from error
    return parse_rulebook(data, source=source)


def load_rulebook(path: Path) -> Rulebook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesConfigError(f"cannot read {path}: {error.strerror}") from error
    return loads_rulebook(text, source=str(path))


def default_rulebook(language: str = "ru") -> Rulebook:
    """The rulebook shipped with Helpline for ``language`` (``rules_<language>.toml``)."""
    name = f"rules_{language}.toml"
    resource = resources.files("helpline.quality.transcripts").joinpath(name)
    if not resource.is_file():
        raise RulesConfigError(f"no default rulebook for language {language!r}")
    return loads_rulebook(resource.read_text(encoding="utf-8"), source=name)
