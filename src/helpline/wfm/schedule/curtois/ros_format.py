"""Reader for the ``.ros`` XML files (SchedulingPeriod-3.0) of the Curtois & Qu employee
shift scheduling benchmark (schedulingbenchmarks.org, Instance1..24).

Days are ``0..days-1`` from ``StartDate`` (``EndDate`` included). A *shift spec* is a
shift id, ``"$"`` (any shift: the employee works) or ``"-"`` (day off). Contract rules
without a ``weight`` attribute are hard; requests and cover carry weights (soft). Parts of
the general SchedulingPeriod format that the benchmark does not use (skills, time-period
cover, weighted contract rules, regional workloads, ...) raise ``RosFormatError``
instead of being silently ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from helpline.domain.errors import ValidationFailed

ANY_SHIFT = "$"
DAY_OFF = "-"
MINUTES_PER_DAY = 1440
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Best-known penalties (minimise) of Instance1..24, from ../shared/data/README.md
#: (schedulingbenchmarks.org changes page and ORProjects/NRP ComputationalResults).
BEST_KNOWN_PENALTY: Mapping[int, int] = {
    1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439,
    10: 4631, 11: 3443, 12: 4040, 13: 1348, 14: 1278, 15: 3834, 16: 3225, 17: 5746,
    18: 4459, 19: 3149, 20: 4943, 21: 21159, 22: 33155, 23: 17428, 24: 48777,
}
#: Instances whose best-known value is proven optimal (lower bound equal), same sources.
PROVEN_OPTIMAL: frozenset[int] = frozenset({1, 2, 3, 4, 8, 9, 13, 14, 16, 17, 18})


class RosFormatError(ValidationFailed):
    """The file is not a benchmark ``.ros`` instance, or uses an unsupported feature."""

    error_id = "ros_format_invalid"


@dataclass(frozen=True)
class ShiftType:
    """A shift type: starts ``start_minute`` minutes after midnight, lasts
    ``duration_minutes`` (it may run past midnight)."""

    id: str
    start_minute: int
    duration_minutes: int

    @property
    def end_minute(self) -> int:
        """End in minutes after the midnight of its own day (may exceed 1440)."""
        return self.start_minute + self.duration_minutes


@dataclass(frozen=True)
class SequenceRule:
    """Runs of days matching ``shift`` (a shift spec) last at most / at least ``days``."""

    shift: str
    days: int
    label: str = ""


@dataclass(frozen=True)
class CountRule:
    """The number of days matching ``shift`` over the horizon is at most / at least
    ``count`` (``MaxTot`` / ``MinTot``)."""

    shift: str
    count: int
    label: str = ""


@dataclass(frozen=True)
class Pattern:
    """Consecutive day specs starting on weekday ``start_weekday`` (0 = Monday; ``None``:
    any day)."""

    shifts: tuple[str, ...]
    start_weekday: int | None = None


@dataclass(frozen=True)
class PatternMatch:
    """The number of matches of ``patterns`` (every start day, every pattern) is at most
    ``max_count`` and at least ``min_count`` (``None``: no bound). Windows must lie inside
    the horizon."""

    patterns: tuple[Pattern, ...]
    max_count: int | None = None
    min_count: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Contract:
    """Hard rules of a contract. An employee is bound by all rules of all its
    contracts."""

    id: str
    min_rest_minutes: int | None = None
    max_seq: tuple[SequenceRule, ...] = ()
    min_seq: tuple[SequenceRule, ...] = ()
    max_tot: tuple[CountRule, ...] = ()
    min_tot: tuple[CountRule, ...] = ()
    max_workload_minutes: tuple[int, ...] = ()
    min_workload_minutes: tuple[int, ...] = ()
    matches: tuple[PatternMatch, ...] = ()
    valid_shifts: frozenset[str] | None = None


@dataclass(frozen=True)
class Employee:
    id: str
    contract_ids: tuple[str, ...]


@dataclass(frozen=True)
class FixedAssignment:
    """Hard: employee ``employee_id`` gets ``shift`` (a shift id or ``"-"``) on ``day``."""

    employee_id: str
    day: int
    shift: str


@dataclass(frozen=True)
class ShiftRequest:
    """Soft: ``on`` requests cost ``weight`` when the day does NOT match ``shift``; off
    requests (ShiftOff, DayOff) cost ``weight`` when it does."""

    employee_id: str
    day: int
    shift: str
    weight: int
    on: bool


@dataclass(frozen=True)
class Cover:
    """Employees on ``shift`` on ``day``: below ``min_count`` costs ``min_weight`` per
    missing employee, above ``max_count`` costs ``max_weight`` per extra one; a ``None``
    weight makes that bound hard; a ``None`` count means no bound."""

    day: int
    shift: str
    min_count: int | None
    min_weight: int | None
    max_count: int | None
    max_weight: int | None


@dataclass(frozen=True)
class Instance:
    name: str
    start_date: date
    days: int
    shift_types: tuple[ShiftType, ...]
    contracts: Mapping[str, Contract]
    employees: tuple[Employee, ...]
    fixed: tuple[FixedAssignment, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    cover: tuple[Cover, ...] = ()
    shift_index: Mapping[str, int] = field(default_factory=dict)

    @property
    def number(self) -> int | None:
        """N of ``InstanceN`` (for the best-known table), else ``None``."""
        return instance_number(self.name)

    def weekday(self, day: int) -> int:
        """0 = Monday of day ``day``."""
        return (self.start_date + timedelta(days=day)).weekday()

    def shift(self, shift_id: str) -> ShiftType:
        return self.shift_types[self.shift_index[shift_id]]

    def contracts_of(self, employee: Employee) -> tuple[Contract, ...]:
        return tuple(self.contracts[c] for c in employee.contract_ids)

    def valid_shifts(self, employee: Employee) -> tuple[str, ...]:
        """Shift ids the employee may work, in file order (intersection of the contracts'
        ``ValidShifts``; all shifts when none says)."""
        allowed = {s.id for s in self.shift_types}
        for contract in self.contracts_of(employee):
            if contract.valid_shifts is not None:
                allowed &= contract.valid_shifts
        return tuple(s.id for s in self.shift_types if s.id in allowed)

    def min_rest_minutes(self, employee: Employee) -> int:
        rests = [c.min_rest_minutes for c in self.contracts_of(employee)
                 if c.min_rest_minutes is not None]
        return max(rests, default=0)


def instance_number(name: str) -> int | None:
    """``Instance7.ros`` / ``Instance7`` -> 7."""
    match = re.fullmatch(r"instance(\d+)(\.ros)?", Path(name).name, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def best_known_penalty(name: str) -> int | None:
    """Best-known penalty of a benchmark instance named like ``Instance7.ros``."""
    number = instance_number(name)
    return BEST_KNOWN_PENALTY.get(number) if number is not None else None


# -- parsing -----------------------------------------------------------------------------
_IGNORED = {"Color", "Label", "Description"}
_CONTRACT_TAGS = {"MinRestTime", "MaxSeq", "MinSeq", "MaxTot", "MinTot", "Workload",
                  "Patterns", "ValidShifts"}


def load_ros(path: Path | str) -> Instance:
    """Parse a ``.ros`` file; raises ``RosFormatError`` on anything not understood."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        raise RosFormatError(f"cannot read {path}: {error}", path=str(path)) from error
    return parse_ros(root, name=path.stem)


def parse_ros_text(text: str, name: str = "instance") -> Instance:
    """Parse ``.ros`` XML held in a string."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise RosFormatError(f"not XML: {error}") from error
    return parse_ros(root, name=name)


def parse_ros(root: ET.Element, name: str = "instance") -> Instance:
    if root.tag != "SchedulingPeriod":
        raise RosFormatError(f"root element is {root.tag}, expected SchedulingPeriod")
    known = {"StartDate", "EndDate", "ShiftTypes", "Contracts", "Employees",
             "FixedAssignments", "ShiftOffRequests", "ShiftOnRequests", "DayOffRequests",
             "DayOnRequests", "CoverRequirements"} | _IGNORED
    _check_children(root, known)
    start = _date(_text(root, "StartDate"))
    end = _date(_text(root, "EndDate"))
    days = (end - start).days + 1
    if days < 1:
        raise RosFormatError(f"EndDate {end} before StartDate {start}")
    shifts = tuple(_shift_type(e) for e in _children(root, "ShiftTypes", "Shift"))
    shift_index = {s.id: i for i, s in enumerate(shifts)}
    if len(shift_index) != len(shifts):
        raise RosFormatError("duplicate shift ids")
    specs = set(shift_index) | {ANY_SHIFT, DAY_OFF}
    contracts = {c.id: c for c in
                 (_contract(e, specs) for e in _children(root, "Contracts", "Contract"))}
    employees = tuple(_employee(e, contracts) for e in _children(root, "Employees", "Employee"))
    employee_ids = {e.id for e in employees}
    if len(employee_ids) != len(employees):
        raise RosFormatError("duplicate employee ids")

    def day_of(element: ET.Element) -> int:
        return _day(element, start, days)

    fixed = []
    for block in _children(root, "FixedAssignments", "Employee"):
        _check_children(block, {"EmployeeID", "Assign"})
        employee_id = _ref(_text(block, "EmployeeID"), employee_ids, "employee")
        for assign in block.findall("Assign"):
            _check_children(assign, {"Shift", "Day", "Date"})
            shift = _ref(_text(assign, "Shift"), set(shift_index) | {DAY_OFF}, "shift")
            fixed.append(FixedAssignment(employee_id, day_of(assign), shift))

    requests: list[ShiftRequest] = []
    for section, item, on in (("ShiftOffRequests", "ShiftOff", False),
                              ("ShiftOnRequests", "ShiftOn", True),
                              ("DayOffRequests", "DayOff", False),
                              ("DayOnRequests", "DayOn", True)):
        for element in _children(root, section, item):
            _check_children(element, {"Shift", "EmployeeID", "Day", "Date"})
            shift = (_ref(_text(element, "Shift"), specs, "shift") if item.startswith("Shift")
                     else ANY_SHIFT)
            requests.append(ShiftRequest(
                _ref(_text(element, "EmployeeID"), employee_ids, "employee"),
                day_of(element), shift, _weight(element, required=True) or 0, on))

    cover = _cover(root, start, days, shift_index)
    return Instance(name=name, start_date=start, days=days, shift_types=shifts,
                    contracts=contracts, employees=employees, fixed=tuple(fixed),
                    requests=tuple(requests), cover=tuple(cover), shift_index=shift_index)


def _cover(root: ET.Element, start: date, days: int,
           shift_index: Mapping[str, int]) -> list[Cover]:
    section = root.find("CoverRequirements")
    out: list[Cover] = []
    if section is None:
        return out
    _check_children(section, {"DateSpecificCover", "DayOfWeekCover"})
    for block in section:
        _check_children(block, {"Day", "Date", "Cover"})
        if block.tag == "DateSpecificCover":
            block_days = [_day(block, start, days)]
        else:
            weekday = _weekday(_text(block, "Day"))
            block_days = [d for d in range(days)
                          if (start + timedelta(days=d)).weekday() == weekday]
        for item in block.findall("Cover"):
            _check_children(item, {"Shift", "Min", "Max"})
            shift = _ref(_text(item, "Shift"), set(shift_index), "shift")
            bounds: dict[str, tuple[int | None, int | None]] = {}
            for tag in ("Min", "Max"):
                element = item.find(tag)
                bounds[tag] = ((None, None) if element is None else
                               (_int(element.text, tag), _weight(element, required=False)))
            for day in block_days:
                out.append(Cover(day, shift, bounds["Min"][0], bounds["Min"][1],
                                 bounds["Max"][0], bounds["Max"][1]))
    return out


def _shift_type(element: ET.Element) -> ShiftType:
    _check_children(element, {"StartTime", "Duration"} | _IGNORED)
    shift_id = element.get("ID")
    if not shift_id or shift_id in (ANY_SHIFT, DAY_OFF):
        raise RosFormatError(f"bad shift id {shift_id!r}")
    parts = _text(element, "StartTime").split(":")
    if not 2 <= len(parts) <= 3:
        raise RosFormatError(f"bad StartTime for shift {shift_id}")
    start = _int(parts[0], "StartTime") * 60 + _int(parts[1], "StartTime")
    duration = _int(_text(element, "Duration"), "Duration")
    if not 0 <= start < MINUTES_PER_DAY or duration <= 0:
        raise RosFormatError(f"shift {shift_id}: start {start} min, duration {duration} min")
    return ShiftType(shift_id, start, duration)


def _contract(element: ET.Element, specs: set[str]) -> Contract:
    contract_id = element.get("ID")
    if not contract_id:
        raise RosFormatError("contract without ID")
    _check_children(element, _CONTRACT_TAGS | _IGNORED)
    for child in element:
        if child.get("weight") is not None:
            raise RosFormatError(f"contract {contract_id}: weighted (soft) {child.tag} "
                                 "is not supported", contract=contract_id)
    rest = element.find("MinRestTime")
    valid = element.find("ValidShifts")
    valid_shifts = None
    if valid is not None:
        valid_shifts = frozenset(_ref(s.strip(), specs - {ANY_SHIFT, DAY_OFF}, "shift")
                                 for s in (valid.get("shift") or "").split(",") if s.strip())

    def rules(tag: str) -> list[tuple[str, int, str]]:
        return [(_ref(e.get("shift") or "", specs, "shift"), _int(e.get("value"), tag),
                 e.get("label") or "") for e in element.findall(tag)]

    workload_max: list[int] = []
    workload_min: list[int] = []
    for workload in element.findall("Workload"):
        _check_children(workload, {"TimeUnits"})
        for units in workload.findall("TimeUnits"):
            _check_children(units, {"Max", "Min"})
            for tag, target in (("Max", workload_max), ("Min", workload_min)):
                bound = units.find(tag)
                if bound is not None:
                    _check_children(bound, {"Count"} | _IGNORED)
                    if bound.get("weight") is not None:
                        raise RosFormatError(f"contract {contract_id}: soft workload")
                    target.append(_int(_text(bound, "Count"), "Workload Count"))
    return Contract(
        id=contract_id,
        min_rest_minutes=None if rest is None else _int(rest.text, "MinRestTime"),
        max_seq=tuple(SequenceRule(*r) for r in rules("MaxSeq")),
        min_seq=tuple(SequenceRule(*r) for r in rules("MinSeq")),
        max_tot=tuple(CountRule(*r) for r in rules("MaxTot")),
        min_tot=tuple(CountRule(*r) for r in rules("MinTot")),
        max_workload_minutes=tuple(workload_max),
        min_workload_minutes=tuple(workload_min),
        matches=tuple(_match(m, specs, contract_id)
                      for patterns in element.findall("Patterns")
                      for m in _checked(patterns, {"Match"}).findall("Match")),
        valid_shifts=valid_shifts,
    )


def _match(element: ET.Element, specs: set[str], contract_id: str) -> PatternMatch:
    _check_children(element, {"Max", "Min", "Pattern"})
    counts: dict[str, int | None] = {}
    for tag in ("Max", "Min"):
        bound = element.find(tag)
        counts[tag] = None
        if bound is not None:
            _check_children(bound, {"Count"} | _IGNORED)
            if bound.get("weight") is not None:
                raise RosFormatError(f"contract {contract_id}: soft pattern count")
            counts[tag] = _int(_text(bound, "Count"), f"Match {tag} Count")
    patterns = []
    for pattern in element.findall("Pattern"):
        _check_children(pattern, {"StartDay", "Shift"})
        start_day = pattern.findtext("StartDay")
        shifts = tuple(_ref((s.text or "").strip(), specs, "shift")
                       for s in pattern.findall("Shift"))
        if not shifts:
            raise RosFormatError(f"contract {contract_id}: empty pattern")
        patterns.append(Pattern(shifts, None if start_day is None else _weekday(start_day)))
    labels = [(b.findtext("Label") or "") for b in element if b.tag in ("Max", "Min")]
    return PatternMatch(tuple(patterns), counts["Max"], counts["Min"], "; ".join(labels))


def _employee(element: ET.Element, contracts: Mapping[str, Contract]) -> Employee:
    _check_children(element, {"ContractID"} | _IGNORED)
    employee_id = element.get("ID")
    if not employee_id:
        raise RosFormatError("employee without ID")
    ids = tuple(_ref((c.text or "").strip(), set(contracts), "contract")
                for c in element.findall("ContractID"))
    return Employee(employee_id, ids)


# -- small helpers ------------------------------------------------------------------------
def _checked(element: ET.Element, allowed: set[str]) -> ET.Element:
    _check_children(element, allowed)
    return element


def _check_children(element: ET.Element, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for child in element:
        if child.tag not in allowed:
            raise RosFormatError(f"unsupported element <{child.tag}> in <{element.tag}>",
                                 element=child.tag, parent=element.tag)


def _children(root: ET.Element, section: str, item: str) -> list[ET.Element]:
    parent = root.find(section)
    if parent is None:
        return []
    _check_children(parent, {item})
    return parent.findall(item)


def _text(element: ET.Element, tag: str) -> str:
    value = element.findtext(tag)
    if value is None or not value.strip():
        raise RosFormatError(f"<{element.tag}> lacks <{tag}>")
    return value.strip()


def _int(value: str | None, what: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError as error:
        raise RosFormatError(f"{what}: not an integer: {value!r}") from error


def _weight(element: ET.Element, *, required: bool) -> int | None:
    value = element.get("weight")
    if value is None:
        if required:
            raise RosFormatError(f"<{element.tag}> lacks its weight")
        return None
    weight = _int(value, "weight")
    if weight < 0:
        raise RosFormatError(f"negative weight {weight}")
    return weight


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise RosFormatError(f"bad date {text!r}") from error


def _day(element: ET.Element, start: date, days: int) -> int:
    day_text = element.findtext("Day")
    if day_text is not None:
        day = _int(day_text, "Day")
    else:
        day = (_date(_text(element, "Date")) - start).days
    if not 0 <= day < days:
        raise RosFormatError(f"day {day} outside the horizon 0..{days - 1}")
    return day


def _weekday(name: str) -> int:
    try:
        return WEEKDAYS.index(name.strip().capitalize())
    except ValueError as error:
        raise RosFormatError(f"bad weekday {name!r}") from error


def _ref(value: str, known: set[str], what: str) -> str:
    if value not in known:
        raise RosFormatError(f"unknown {what} {value!r}")
    return value
