"""Checklist templates: what a QA specialist scores on a contact, read from TOML.

Format (the shipped ``templates/mts_call_ru.toml`` is the full example)::

    [template]
    name = "mts_call_ru"          # [a-z0-9_.-], at most 100 characters
    version = 1                   # a changed template is a new version
    title = { ru = "…", en = "…" }

    [[items]]
    id = "greeting"               # unique in the template, [a-z0-9_]
    title = { ru = "…", en = "…" }
    weight = 10                   # > 0; the item's share of the score
    critical = true               # a failed critical item makes the score 0
    rules = ["greeting", "no_time_of_day_greeting"]
                                  # ids of findings (rules engine, audio analysis) that
                                  # decide the item; none = a manual item
    if_no_findings = "manual"     # when none of the rules produced a finding:
                                  # "manual" (left to the QA specialist) or
                                  # "not_applicable"

Every key is checked: an unknown key, a wrong type or a missing required key is a
:class:`TemplateInvalid` naming the item and the key.

A template's identity is ``(name, version)``; :meth:`Template.digest` is the SHA-256 of
its canonical JSON form (comments and layout of the TOML do not change it), which the
store compares to refuse a changed body under an old version.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from helpline.quality.scorecards.errors import TemplateInvalid, TemplateNotFound, UnknownItem

LANGUAGES = ("ru", "en")
#: what an item without findings becomes
IF_NO_FINDINGS = ("manual", "not_applicable")
DEFAULT_TEMPLATE = "mts_call_ru"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_RULE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_MAX_ITEMS = 100
_MAX_TITLE = 300


@dataclass(frozen=True)
class Item:
    id: str
    title_ru: str
    title_en: str
    weight: float
    critical: bool = False
    #: finding rule ids that decide the item; empty for a manual item
    rules: tuple[str, ...] = ()
    if_no_findings: str = "manual"

    @property
    def manual(self) -> bool:
        return not self.rules

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_ru

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": {"ru": self.title_ru, "en": self.title_en},
                "weight": self.weight, "critical": self.critical, "rules": list(self.rules),
                "if_no_findings": self.if_no_findings, "manual": self.manual}


@dataclass(frozen=True)
class Template:
    name: str
    version: int
    title_ru: str
    title_en: str
    items: tuple[Item, ...]

    def __post_init__(self) -> None:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise TemplateInvalid(f"template {self.name}: item ids must be unique")

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise UnknownItem(f"template {self.name} v{self.version} has no item {item_id!r}",
                          item=item_id, items=[i.id for i in self.items])

    @property
    def key(self) -> tuple[str, int]:
        return self.name, self.version

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(rule for item in self.items for rule in item.rules)

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_ru

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version,
                "title": {"ru": self.title_ru, "en": self.title_en},
                "items": [item.to_dict() for item in self.items]}

    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON form: equal for equal checklists."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading ------------------------------------------------------------------------------
def _keys(where: str, table: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise TemplateInvalid(f"{where}: unknown key(s) {', '.join(unknown)}",
                              where=where, keys=unknown)
    missing = sorted(required - set(table))
    if missing:
        raise TemplateInvalid(f"{where}: missing key(s) {', '.join(missing)}",
                              where=where, keys=missing)


def _titles(where: str, value: Any) -> tuple[str, str]:
    if not isinstance(value, Mapping):
        raise TemplateInvalid(f"{where}: title must be a table {{ ru = ..., en = ... }}",
                              where=where, key="title")
    _keys(f"{where} title", value, set(LANGUAGES), set(LANGUAGES))
    out = []
    for lang in LANGUAGES:
        text = value[lang]
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_TITLE:
            raise TemplateInvalid(f"{where}: title.{lang} must be a non-empty string of at "
                                  f"most {_MAX_TITLE} characters", where=where, key="title")
        out.append(text.strip())
    return out[0], out[1]


def _item(index: int, raw: Any) -> Item:
    where = f"item {index + 1}"
    if not isinstance(raw, Mapping):
        raise TemplateInvalid(f"{where}: must be a table", where=where)
    item_id = raw.get("id")
    if isinstance(item_id, str):
        where = f"item {item_id!r}"
    _keys(where, raw, {"id", "title", "weight", "critical", "rules", "if_no_findings"},
          {"id", "title", "weight"})
    if not isinstance(item_id, str) or not _ITEM_ID.match(item_id):
        raise TemplateInvalid(f"{where}: id must match [a-z][a-z0-9_]*", where=where, key="id")
    title_ru, title_en = _titles(where, raw["title"])
    weight = raw["weight"]
    if (isinstance(weight, bool) or not isinstance(weight, int | float)
            or not math.isfinite(weight) or weight <= 0):
        raise TemplateInvalid(f"{where}: weight must be a number > 0", where=where,
                              key="weight")
    critical = raw.get("critical", False)
    if not isinstance(critical, bool):
        raise TemplateInvalid(f"{where}: critical must be true or false", where=where,
                              key="critical")
    rules = raw.get("rules", [])
    if (not isinstance(rules, list)
            or not all(isinstance(r, str) and _RULE_ID.match(r) for r in rules)
            or len(set(rules)) != len(rules)):
        raise TemplateInvalid(f"{where}: rules must be a list of distinct rule ids",
                              where=where, key="rules")
    if_no = raw.get("if_no_findings", "manual")
    if if_no not in IF_NO_FINDINGS:
        raise TemplateInvalid(f"{where}: if_no_findings must be one of "
                              f"{', '.join(IF_NO_FINDINGS)}", where=where,
                              key="if_no_findings")
    return Item(item_id, title_ru, title_en, float(weight), critical, tuple(rules), if_no)


def template_from_dict(data: Mapping[str, Any], *, source: str = "template") -> Template:
    """A template from parsed TOML (``[template]`` and ``[[items]]``)."""
    _keys(source, data, {"template", "items"}, {"template", "items"})
    head = data["template"]
    if not isinstance(head, Mapping):
        raise TemplateInvalid(f"{source}: [template] must be a table", where=source)
    _keys(f"{source} [template]", head, {"name", "version", "title"},
          {"name", "version", "title"})
    name, version = head["name"], head["version"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise TemplateInvalid(f"{source}: name must match [a-z0-9][a-z0-9_.-]* (at most 100)",
                              where=source, key="name")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise TemplateInvalid(f"{source}: version must be a whole number >= 1", where=source,
                              key="version")
    title_ru, title_en = _titles(f"{source} [template]", head["title"])
    raw_items = data["items"]
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= _MAX_ITEMS:
        raise TemplateInvalid(f"{source}: [[items]] must hold 1 to {_MAX_ITEMS} items",
                              where=source, key="items")
    items = tuple(_item(i, raw) for i, raw in enumerate(raw_items))
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise TemplateInvalid(f"{source}: item {item.id!r} appears twice", where=source,
                                  key="id")
        seen.add(item.id)
    return Template(name, version, title_ru, title_en, items)


def loads_template(text: str, *, source: str = "template") -> Template:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateInvalid(f"{source}: not valid TOML: {error}", where=source) from error
    return template_from_dict(data, source=source)


def load_template(path: Path) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateInvalid(f"{path}: cannot be read: {error}", where=str(path)) from error
    return loads_template(text, source=path.name)


def shipped_template_names() -> tuple[str, ...]:
    folder = resources.files("helpline.quality.scorecards").joinpath("templates")
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                        if p.name.endswith(".toml")))


def shipped_template_text(name: str = DEFAULT_TEMPLATE) -> str:
    """The TOML text of a template shipped with Helpline."""
    if not _NAME.match(name):
        raise TemplateNotFound(f"no shipped template {name!r}", template=name)
    resource = (resources.files("helpline.quality.scorecards")
                .joinpath("templates").joinpath(f"{name}.toml"))
    if not resource.is_file():
        raise TemplateNotFound(f"no shipped template {name!r}", template=name,
                               shipped=list(shipped_template_names()))
    return resource.read_text(encoding="utf-8")


def shipped_template(name: str = DEFAULT_TEMPLATE) -> Template:
    return loads_template(shipped_template_text(name), source=f"{name}.toml")
