"""Reader for the MiniZinc ``.dzn`` data files of the (bounded) minimum shift design
instances (``../shared/data/shift-design/``, from the TU Wien course repository
``Stieguu/Bounded-Minimum-Shift-Design-Constraint-Programming``).

Slots are ``interval`` minutes long and numbered from 0 at midnight of day 0; the week
has ``days * 1440 / interval`` slots and is cyclic (a shift starting late on the last
day covers the first slots of day 0). ``minStart``/``maxStart`` are slot-of-day indexes
(0-based: ``minStart = 5`` with 60-minute slots is 05:00), lengths are in slots.

Only ``name = value;`` statements with integer or decimal scalars and one-dimensional
arrays of them are accepted (``%`` comments allowed); anything else, unknown or
duplicated names, missing fields and inconsistent values raise :class:`DznFormatError`
with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from helpline.domain.errors import ValidationFailed

MINUTES_PER_DAY = 1440

_SCALARS = ("interval", "days", "shiftTypes", "minDuties", "maxDuties", "avgMinutes",
            "weightUnderCover", "weightOverCover", "weightDutiesPerWeek",
            "weightShiftInstances")
_ARRAYS = ("demand", "minStart", "maxStart", "minLength", "maxLength")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_STATEMENT = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*", re.DOTALL)


class DznFormatError(ValidationFailed):
    """The text is not a shift-design ``.dzn`` instance, or its values are inconsistent."""

    error_id = "dzn_format_invalid"


@dataclass(frozen=True)
class ShiftTypeWindow:
    """One shift type: start slot-of-day and length ranges, both ends included."""

    min_start_slot: int
    max_start_slot: int
    min_length_slots: int
    max_length_slots: int


@dataclass(frozen=True)
class ShiftDesignInstance:
    """A shift-design instance. ``demand`` holds workers wanted per slot of the week."""

    name: str
    interval_minutes: int
    days: int
    demand: tuple[int, ...]
    shift_types: tuple[ShiftTypeWindow, ...]
    min_duties_per_week: Fraction
    max_duties_per_week: Fraction
    avg_minutes_per_week: Fraction
    weight_under_cover: int
    weight_over_cover: int
    weight_duties_per_week: int
    weight_shift_instances: int

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def slots_per_week(self) -> int:
        return self.days * self.slots_per_day

    @property
    def demand_worker_minutes(self) -> int:
        return sum(self.demand) * self.interval_minutes

    def candidate_shifts(self) -> tuple[tuple[int, int], ...]:
        """Distinct ``(start_slot, length_slots)`` allowed by some shift type, sorted."""
        found = {(start, length)
                 for t in self.shift_types
                 for start in range(t.min_start_slot, t.max_start_slot + 1)
                 for length in range(t.min_length_slots, t.max_length_slots + 1)}
        return tuple(sorted(found))


def load_dzn(path: Path | str) -> ShiftDesignInstance:
    """Read and check one ``.dzn`` file; the instance is named after the file stem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DznFormatError(f"{file}: cannot read: {error}") from error
    return parse_dzn(text, name=file.stem)


def parse_dzn(text: str, name: str = "instance") -> ShiftDesignInstance:
    """Parse the text of a ``.dzn`` file (see the module docstring for what is accepted)."""
    values = _statements(text, name)
    missing = [k for k in (*_SCALARS, *_ARRAYS) if k not in values]
    if missing:
        raise DznFormatError(f"{name}: missing field(s) {', '.join(missing)}")
    for key in _SCALARS:
        if isinstance(values[key], list):
            raise DznFormatError(f"{name}: {key} must be a number, not an array")
    for key in _ARRAYS:
        if not isinstance(values[key], list):
            raise DznFormatError(f"{name}: {key} must be an array")

    def scalar(key: str) -> Fraction:
        value = values[key]
        assert isinstance(value, Fraction)
        return value

    def integer(key: str, minimum: int) -> int:
        value = scalar(key)
        if value.denominator != 1 or value < minimum:
            raise DznFormatError(f"{name}: {key} must be an integer >= {minimum}, got {value}")
        return int(value)

    def int_array(key: str, minimum: int) -> tuple[int, ...]:
        raw = values[key]
        assert isinstance(raw, list)
        bad = [v for v in raw if v.denominator != 1 or v < minimum]
        if bad:
            raise DznFormatError(f"{name}: {key} must hold integers >= {minimum}, "
                                 f"got {bad[0]}")
        return tuple(int(v) for v in raw)

    interval = integer("interval", 1)
    if MINUTES_PER_DAY % interval:
        raise DznFormatError(f"{name}: interval {interval} min does not divide a day")
    days = integer("days", 1)
    slots_per_day = MINUTES_PER_DAY // interval
    demand = int_array("demand", 0)
    if len(demand) != days * slots_per_day:
        raise DznFormatError(f"{name}: demand has {len(demand)} values, expected days * "
                             f"1440 / interval = {days * slots_per_day}")
    type_count = integer("shiftTypes", 1)
    columns = [int_array(k, 0) for k in ("minStart", "maxStart", "minLength", "maxLength")]
    for key, column in zip(("minStart", "maxStart", "minLength", "maxLength"), columns,
                           strict=True):
        if len(column) != type_count:
            raise DznFormatError(f"{name}: {key} has {len(column)} values, expected "
                                 f"shiftTypes = {type_count}")
    windows = tuple(ShiftTypeWindow(*row) for row in zip(*columns, strict=True))
    for number, w in enumerate(windows, start=1):
        if not w.min_start_slot <= w.max_start_slot < slots_per_day:
            raise DznFormatError(f"{name}: shift type {number}: need minStart <= maxStart < "
                                 f"{slots_per_day} slots per day, got {w.min_start_slot}.."
                                 f"{w.max_start_slot}")
        if not 1 <= w.min_length_slots <= w.max_length_slots <= days * slots_per_day:
            raise DznFormatError(f"{name}: shift type {number}: need 1 <= minLength <= "
                                 f"maxLength <= {days * slots_per_day} slots, got "
                                 f"{w.min_length_slots}..{w.max_length_slots}")
    min_duties, max_duties = scalar("minDuties"), scalar("maxDuties")
    if not 0 <= min_duties <= max_duties or max_duties == 0:
        raise DznFormatError(f"{name}: need 0 <= minDuties <= maxDuties and maxDuties > 0, "
                             f"got {min_duties}, {max_duties}")
    avg_minutes = scalar("avgMinutes")
    if avg_minutes <= 0:
        raise DznFormatError(f"{name}: avgMinutes must be > 0, got {avg_minutes}")
    return ShiftDesignInstance(
        name=name, interval_minutes=interval, days=days, demand=demand,
        shift_types=windows, min_duties_per_week=min_duties, max_duties_per_week=max_duties,
        avg_minutes_per_week=avg_minutes,
        weight_under_cover=integer("weightUnderCover", 0),
        weight_over_cover=integer("weightOverCover", 0),
        weight_duties_per_week=integer("weightDutiesPerWeek", 0),
        weight_shift_instances=integer("weightShiftInstances", 0))


def _statements(text: str, name: str) -> dict[str, Fraction | list[Fraction]]:
    """``name = value`` pairs; values are exact (``3.4`` is ``Fraction(17, 5)``)."""
    stripped = "\n".join(line.split("%", 1)[0] for line in text.splitlines())
    values: dict[str, Fraction | list[Fraction]] = {}
    offset = 0
    pieces = stripped.split(";")
    for index, piece in enumerate(pieces):
        leading = len(piece) - len(piece.lstrip())
        line = stripped.count("\n", 0, offset + leading) + 1
        offset += len(piece) + 1
        if not piece.strip():
            continue
        if index == len(pieces) - 1:
            raise DznFormatError(f"{name}: line {line}: statement not ended by ';'")
        match = _STATEMENT.fullmatch(piece)
        if match is None:
            raise DznFormatError(f"{name}: line {line}: expected 'name = value', got "
                                 f"{piece.strip()[:40]!r}")
        key, raw = match.group(1), match.group(2)
        if key not in _SCALARS and key not in _ARRAYS:
            raise DznFormatError(f"{name}: line {line}: unknown field {key!r}")
        if key in values:
            raise DznFormatError(f"{name}: line {line}: {key} given twice")
        values[key] = _value(raw, name, line, key)
    return values


def _value(raw: str, name: str, line: int, key: str) -> Fraction | list[Fraction]:
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise DznFormatError(f"{name}: line {line}: {key}: array not closed by ']'")
        inner = raw[1:-1].strip()
        items = [item.strip() for item in inner.split(",")] if inner else []
        if items and items[-1] == "":
            items.pop()  # MiniZinc allows a trailing comma
        return [_number(item, name, line, key) for item in items]
    return _number(raw, name, line, key)


def _number(raw: str, name: str, line: int, key: str) -> Fraction:
    if not _NUMBER.fullmatch(raw):
        raise DznFormatError(f"{name}: line {line}: {key}: not a number: {raw[:40]!r}")
    return Fraction(raw)
