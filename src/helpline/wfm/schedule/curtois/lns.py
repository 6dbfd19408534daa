"""Large-neighbourhood search over the CP-SAT model of the Curtois & Qu benchmark.

CP-SAT on the whole month of the larger instances (12-19: 20-120 employees, 28-84 days)
stays far from the best-known values within ten minutes on two threads. The search here
keeps one complete roster (the incumbent) and repeatedly frees a part of it -- a few
employees over the whole horizon, every employee over a window of days (or over two
windows, so work can move between distant weeks), some employees over a window, every
employee's shift choice over a window with who works on which day kept ("reassign"),
some employees over every weekend (Friday to Monday, so weekend work moves between weeks),
or, around a short cover entry, employees who could take it and employees with workload
room to take over what the first drop, over every weekend and the short day ("takers") --
fixes every other cell to the incumbent, and lets CP-SAT re-optimise the free part. When
the free cells touch a minority of employees, the step's model holds only them, with the
cover counted against the others' fixed shifts; otherwise it is a copy of the whole model
(built once) whose fixed cells have a one-value domain, so presolve removes them. The
incumbent is every step's complete hint. Half of the neighbourhoods are centred on a
cover entry the incumbent misses (its day, employees who may work its shift).

A step's result is kept when it is no worse, so plateaus are crossed. A step's CP-SAT gets
3 s, or 20 s once 30 s have passed without an improvement, so larger neighbourhoods are
tried where the small ones are exhausted. Each neighbourhood kind has its own size,
grown after a step that CP-SAT solved to optimality and shrunk after one it could not
finish, and is drawn with a probability that follows its recent share of improving
steps. Several searchers run in threads (CP-SAT releases the GIL), one
CP-SAT worker each, on one shared incumbent: a result computed from an older incumbent
is merged -- whole rows of employees nobody changed meanwhile, only the changed days of
the others -- when the independent evaluator finds no hard violation in the merged
roster and it is no worse, and dropped otherwise.

``solve_lns`` runs the search in two phases where contracts limit the weekends worked
and the horizon is at most ``WHOLE_WEEKENDS_MAX_DAYS``: first under the whole-weekends
rule (``weekends.whole_weekends``: no weekend worked on one day only) -- with, where
``MaxTot`` limits leave some shift types short whatever the roster, the other types'
missing shifts weighing more (``steering.favour_short_types``) -- then under the
instance's own rules and weights from the roster that phase left, its step models still
weighted that way (``improve``'s ``steps_on``): a step that moves a gap onto a short
type is then taken as a tie under the real weights, and the next can fill what it freed.
Where the staff's maximum workload barely covers the cover wanted (Instance12, 13), the
search stops early and ``lp_dive`` turns the column-generation LP over the rows the
search produced into a roster: on Instance13 the LP equals the optimum, which the
search alone misses by 10% (its rosters pay ~130 more in requests).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from ortools.sat.python import cp_model

from helpline.wfm.schedule.curtois.bounds import counting_bound, workload_ratio
from helpline.wfm.schedule.curtois.cpsat_model import (
    CurtoisModel,
    ModelBuilder,
    SolveResult,
    add_hint,
    build_model,
    greedy_roster,
    read_row,
    soft_penalty,
)
from helpline.wfm.schedule.curtois.evaluate import evaluate
from helpline.wfm.schedule.curtois.lp_dive import lp_dive
from helpline.wfm.schedule.curtois.ros_format import Instance
from helpline.wfm.schedule.curtois.steering import favour_short_types
from helpline.wfm.schedule.curtois.weekends import (
    SATURDAY,
    is_max_weekends_rule,
    whole_weekends,
)

Roster = dict[str, tuple[str | None, ...]]
Row = tuple[str | None, ...]
#: Rows per employee id.
RowPool = dict[str, set[Row]]
#: A neighbourhood: the (employee index, day) cells CP-SAT may change.
Cells = set[tuple[int, int]]
#: Wall-clock seconds one step's CP-SAT gets at most.
STEP_SECONDS = 3.0
#: After this many seconds without an improvement the steps get ``STALLED_STEP_SECONDS``
#: (until the next improvement), so the kinds' sizes grow past what 3 s can solve: from
#: the 600 s rosters of Instance18 (4,763) and 19 (3,361), where 3 s steps found nothing
#: in 120 s, 20 s steps reached 4,761 / 4,762 and 3,301 / 3,359 / 3,361 (seeds 1-3).
STALL_SECONDS = 30.0
STALLED_STEP_SECONDS = 20.0
#: Weight of the latest step in a kind's score; a kind is drawn with probability
#: proportional to its score, at least ``SCORE_FLOOR``.
SCORE_DECAY = 0.1
SCORE_FLOOR = 0.05


@dataclass
class _Kind:
    """One neighbourhood kind with its adaptive size in [low, high]."""

    name: str
    size: float
    low: float
    high: float
    tried: int = 0
    improved: int = 0
    #: Recent share of steps that improved the incumbent (exponentially weighted).
    score: float = 0.5

    def grow(self) -> None:
        self.size = min(self.high, self.size * 1.15)

    def shrink(self) -> None:
        self.size = max(self.low, self.size / 1.3)


@dataclass
class LnsStats:
    """What the search did: steps, improvements, merges of results computed from an
    older incumbent, the objective over time (seconds, penalty) and, per kind, steps and
    improvements."""

    steps: int = 0
    improvements: int = 0
    merged: int = 0
    dropped: int = 0
    trace: list[tuple[float, int]] = field(default_factory=list)
    kinds: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Size of the CP-SAT model the neighbourhoods are cut from.
    variables: int = 0
    constraints: int = 0


class _Search:
    """The shared incumbent, the neighbourhood kinds and the built model."""

    def __init__(self, instance: Instance, roster: Mapping[str, Sequence[str | None]],
                 steps_on: Instance | None = None, pool: RowPool | None = None) -> None:
        self.instance = instance
        #: Where every row a step's CP-SAT produced is collected (each meets the
        #: employee's hard rules), for ``lp_dive``'s column generation.
        self.pool = pool
        #: The instance the step models are built from: ``instance`` itself, or a copy
        #: with other cover weights (same rules) whose optimum a step seeks while the
        #: incumbent is still judged by ``instance``'s penalty.
        self.steps_on = instance if steps_on is None else steps_on
        self.built: CurtoisModel = build_model(self.steps_on)
        self.rows: list[Row] = [tuple(roster[e.id]) for e in self.built.employees]
        self.objective = soft_penalty(instance, self.roster())
        self.version = 0
        #: Longest wall time a step's model took to build (seconds): a step is not begun
        #: when less than that is left (Instance24's whole-model copies take seconds).
        self.slowest_build_seconds = 0.0
        #: Per employee, the incumbent version that last changed the row.
        self.changed_at = [0] * len(self.rows)
        self.lock = threading.Lock()
        self.valid = [frozenset(instance.valid_shifts(e)) for e in self.built.employees]
        #: A merge of rows from two solutions may break a hard cover bound.
        self.hard_cover = any((c.min_count is not None and c.min_weight is None)
                              or (c.max_count is not None and c.max_weight is None)
                              for c in instance.cover)
        n, days = len(self.rows), instance.days
        self.kinds = [
            _Kind("employees", size=min(n, 4.0), low=1.0, high=float(n)),
            _Kind("days", size=min(days, 4.0), low=1.0, high=float(days)),
            _Kind("block", size=0.15 * n * days, low=8.0, high=float(n * days)),
            _Kind("reassign", size=min(days, 7.0), low=1.0, high=float(days)),
            _Kind("split", size=min(days, 8.0), low=2.0, high=float(days)),
        ]
        #: Friday to Monday: the weekends with the days their shift sequences hinge on.
        self.weekend_days = [d for d in range(days) if instance.weekday(d) in (4, 5, 6, 0)]
        if self.weekend_days:
            self.kinds.append(_Kind("weekends", size=min(n, 6.0), low=1.0, high=float(n)))
            self.kinds.append(_Kind("takers", size=min(n, 12.0), low=2.0, high=float(n)))
        employees = self.built.employees
        #: Per employee, the tightest maximum workload (minutes) and maximum weekends.
        self.max_minutes = [min((m for c in instance.contracts_of(e)
                                 for m in c.max_workload_minutes), default=None)
                            for e in employees]
        self.max_weekends = [min((m.max_count for c in instance.contracts_of(e)
                                  for m in c.matches
                                  if is_max_weekends_rule(m) and m.max_count is not None),
                                 default=None)
                             for e in employees]
        self.duration = {s.id: s.duration_minutes for s in instance.shift_types}

    def pick(self, rng: random.Random) -> _Kind:
        """A neighbourhood kind, drawn by recent success."""
        with self.lock:
            weights = [max(SCORE_FLOOR, k.score) for k in self.kinds]
        return rng.choices(self.kinds, weights)[0]

    def roster(self, rows: Sequence[Row] | None = None) -> Roster:
        return {e.id: row for e, row in zip(self.built.employees, rows or self.rows,
                                            strict=True)}

    # -- neighbourhoods ------------------------------------------------------------------
    def missed_cover(self, rows: Sequence[Row], *,
                     short_only: bool = False) -> list[tuple[int, str]]:
        """(day, shift) entries whose cover is short or over (short only, if asked)."""
        staffed = Counter((day, entry) for row in rows
                          for day, entry in enumerate(row) if entry)
        missed = []
        for c in self.instance.cover:
            count = staffed[(c.day, c.shift)]
            if ((c.min_count is not None and count < c.min_count)
                    or (not short_only and c.max_count is not None
                        and count > c.max_count)):
                missed.append((c.day, c.shift))
        return missed

    def cells(self, kind: _Kind, rows: Sequence[Row], rng: random.Random) -> Cells:
        n, days = len(rows), self.instance.days
        missed = self.missed_cover(rows)
        target = rng.choice(missed) if missed and rng.random() < 0.5 else None
        if kind.name == "employees":
            chosen = self._employees(round(kind.size), target, rng)
            return {(e, d) for e in chosen for d in range(days)}
        if kind.name in ("days", "reassign"):
            width = max(1, min(days, round(kind.size)))
            start = self._window_start(width, target, rng)
            return {(e, d) for e in range(n) for d in range(start, start + width)}
        if kind.name == "takers":
            short, chosen = self._takers(round(kind.size), rows, rng)
            days_free = {*self.weekend_days, *([] if short is None else [short])}
            return {(e, d) for e in chosen for d in days_free}
        if kind.name == "weekends":  # weekend work moves between weeks
            chosen = self._employees(round(kind.size), target, rng)
            return {(e, d) for e in chosen for d in self.weekend_days}
        if kind.name == "split":  # two windows: work moves between distant weeks
            width = max(1, min(days // 2, round(kind.size / 2)))
            first = self._window_start(width, target, rng)
            second = rng.randrange(days - width + 1)
            window = {*range(first, first + width), *range(second, second + width)}
            return {(e, d) for e in range(n) for d in window}
        # block: about ``size`` cells, as k employees over a window of w days (w >= 7
        # where the horizon allows, so weekly rules can move)
        width = min(days, max(7, round(math.sqrt(kind.size * days / n))))
        start = self._window_start(width, target, rng)
        chosen = self._employees(round(kind.size / width), target, rng)
        return {(e, d) for e in chosen for d in range(start, start + width)}

    def _employees(self, k: int, target: tuple[int, str] | None,
                   rng: random.Random) -> list[int]:
        """``k`` employees; around a missed cover entry, half of them among those who
        may work its shift."""
        n = len(self.rows)
        k = max(1, min(n, k))
        if target is None:
            return rng.sample(range(n), k)
        related = [e for e in range(n) if target[1] in self.valid[e]]
        rng.shuffle(related)
        chosen = related[:max(1, k // 2)]
        taken = set(chosen)
        rest = [e for e in range(n) if e not in taken]
        return chosen + rng.sample(rest, k - len(chosen))

    def _takers(self, k: int, rows: Sequence[Row],
                rng: random.Random) -> tuple[int | None, list[int]]:
        """A short cover entry's day and ``k`` employees around it: half who could
        take it (off that day, may work its shift, no weekend over their limit), the
        rest drawn by workload room (minutes below their maximum), who can take over
        the work the first ones drop. Random employees when no entry is short."""
        n = len(rows)
        k = min(n, max(2, k))  # one employee: one
        short = self.missed_cover(rows, short_only=True)
        if not short:
            return None, rng.sample(range(n), k)
        day, shift = rng.choice(short)
        takers = [e for e in range(n) if rows[e][day] is None and shift in self.valid[e]
                  and not self._one_weekend_too_many(e, rows[e], day)]
        rng.shuffle(takers)
        chosen = takers[:k // 2]
        room = {e: minutes for e in sorted(set(range(n)) - set(chosen))
                if (minutes := self._room_minutes(e, rows[e])) > 0}
        while room and len(chosen) < k:
            e = rng.choices(list(room), list(room.values()))[0]
            chosen.append(e)
            del room[e]
        taken = set(chosen)
        rest = [e for e in range(n) if e not in taken]
        return day, chosen + rng.sample(rest, max(0, k - len(chosen)))

    def _room_minutes(self, e: int, row: Row) -> int:
        """Minutes employee ``e`` may still work below their maximum (0 without one)."""
        limit = self.max_minutes[e]
        return 0 if limit is None else limit - sum(self.duration[x] for x in row if x)

    def _one_weekend_too_many(self, e: int, row: Row, day: int) -> bool:
        """Whether working ``day`` would take employee ``e`` over their weekend limit
        (a Saturday or Sunday whose weekend is not worked yet)."""
        limit, weekday = self.max_weekends[e], self.instance.weekday(day)
        if limit is None or weekday < SATURDAY:
            return False
        partner = day + 1 if weekday == SATURDAY else day - 1
        if not 0 <= partner < len(row) or row[partner] is not None:
            return False  # a weekend the horizon cuts is not counted, or one worked
        worked = sum(1 for d in range(len(row) - 1)
                     if self.instance.weekday(d) == SATURDAY
                     and (row[d] is not None or row[d + 1] is not None))
        return worked >= limit

    def _window_start(self, width: int, target: tuple[int, str] | None,
                      rng: random.Random) -> int:
        days = self.instance.days
        if target is None:
            return rng.randrange(days - width + 1)
        return rng.randint(max(0, target[0] - width + 1), min(target[0], days - width))

    # -- one step ------------------------------------------------------------------------
    def step(self, kind: _Kind, seconds: float, deadline: float,
             rng: random.Random) -> tuple[str, str]:
        """Re-optimise one neighbourhood of the incumbent for at most ``seconds`` and
        not past ``deadline`` (``time.perf_counter``); returns (outcome, log line),
        outcome one of ``better``, ``same``, ``worse``, ``merged``, ``dropped``,
        ``none``."""
        with self.lock:
            rows, objective, version = list(self.rows), self.objective, self.version
            free = self.cells(kind, rows, rng)
        building = time.perf_counter()
        model, read = self._step_model(rows, free, shift_only=kind.name == "reassign")
        built = time.perf_counter()
        with self.lock:
            self.slowest_build_seconds = max(self.slowest_build_seconds, built - building)
        seconds = min(seconds, deadline - built)
        if seconds < 0.05:
            return "none", f"{kind.name}: no time left"
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = 1
        # The LP with cuts: sub-problems of the benchmark close several times faster
        # with it (Instance12, six days of every employee: 0.8 s vs over 5 s).
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = rng.randrange(1 << 30)
        status = solver.solve(model)
        line = (f"{kind.name} size {kind.size:.1f} ({len(free)} cells): "
                f"{solver.status_name(status)} in {solver.wall_time:.2f} s")
        with self.lock:
            kind.tried += 1
            if status == cp_model.OPTIMAL:
                kind.grow()
            elif status != cp_model.FEASIBLE or solver.wall_time >= seconds * 0.9:
                kind.shrink()
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return "none", line
            new_rows = read(solver)
            outcome = self._commit(rows, new_rows, version, objective)
            gained = outcome == "better" or (outcome == "merged" and self.objective < objective)
            kind.improved += gained
            kind.score = (1 - SCORE_DECAY) * kind.score + SCORE_DECAY * gained
            return outcome, f"{line} -> {outcome} {self.objective}"

    def _commit(self, base: list[Row], new_rows: list[Row], version: int,
                base_objective: int) -> str:
        """Take ``new_rows`` (computed from incumbent ``version``) if no worse; caller
        holds the lock."""
        changed = [e for e, (old, new) in enumerate(zip(base, new_rows, strict=True))
                   if old != new]
        if self.pool is not None:
            for e in changed:
                self.pool.setdefault(self.built.employees[e].id, set()).add(new_rows[e])
        if version == self.version:
            objective = soft_penalty(self.instance, self.roster(new_rows))
            if objective > self.objective:
                return "worse"
            self._install(new_rows, changed, objective)
            return "better" if objective < base_objective else "same"
        if not changed:
            return "same"
        merged = list(self.rows)
        clash = False
        for e in changed:
            if self.changed_at[e] <= version:
                merged[e] = new_rows[e]
                continue
            # The row changed meanwhile too: take the step's changed days into it.
            clash = True
            merged[e] = tuple(new if new != old else now for old, new, now
                              in zip(base[e], new_rows[e], merged[e], strict=True))
        if (clash or self.hard_cover) and evaluate(self.instance,
                                                   self.roster(merged)).violations:
            return "dropped"
        objective = soft_penalty(self.instance, self.roster(merged))
        if objective > self.objective:
            return "dropped"
        self._install(merged, changed, objective)
        return "merged"

    def _install(self, rows: list[Row], changed: Sequence[int], objective: int) -> None:
        if not changed:
            return
        self.version += 1
        for e in changed:
            self.changed_at[e] = self.version
        self.rows, self.objective = rows, objective

    def _step_model(self, rows: Sequence[Row], free: Cells, *, shift_only: bool = False,
                    ) -> tuple[cp_model.CpModel, Callable[[cp_model.CpSolver], list[Row]]]:
        """The model of one step -- every cell outside ``free`` fixed to ``rows``,
        ``rows`` its complete hint -- and the reader of a solution's full rows.

        When the free cells touch a minority of employees, the model holds only those
        employees (their rules and requests, the cover against the others' fixed
        counts): built in milliseconds where fixing a copy of the whole model took
        0.4 s on Instance13 (120 employees) and left presolve that much more to remove.
        """
        touched = sorted({e for e, _ in free})
        if 2 * len(touched) > len(rows):
            return (self._fixed_model(self.built, rows, free, shift_only=shift_only),
                    partial(self._read, self.built, rows, range(len(rows))))
        subset = set(touched)
        others: Counter[tuple[int, str]] = Counter(
            (day, entry) for e, row in enumerate(rows) if e not in subset
            for day, entry in enumerate(row) if entry)
        sub = ModelBuilder(self.steps_on,
                           [self.built.employees[e] for e in touched]).build(others)
        position = {e: i for i, e in enumerate(touched)}
        local = {(position[e], day) for e, day in free}
        model = self._fixed_model(sub, [rows[e] for e in touched], local,
                                  shift_only=shift_only)
        return model, partial(self._read, sub, rows, touched)

    @staticmethod
    def _fixed_model(built: CurtoisModel, rows: Sequence[Row], free: Cells, *,
                     shift_only: bool = False) -> cp_model.CpModel:
        """A copy of ``built``'s model (``rows`` per employee of it) with every cell
        outside ``free`` fixed to ``rows``, and ``rows`` as its complete hint."""
        model = built.model.clone()
        proto = model.proto
        for e, (work_row, x_row) in enumerate(zip(built.work, built.x, strict=True)):
            for day, (work, shifts) in enumerate(zip(work_row, x_row, strict=True)):
                entry = rows[e][day]
                if (e, day) in free:
                    if shift_only:  # who works stays; which shift is free
                        _fix(proto, work.index, int(entry is not None))
                    continue
                _fix(proto, work.index, int(entry is not None))
                for shift_id, var in shifts.items():
                    _fix(proto, var.index, int(shift_id == entry))
        add_hint(replace(built, model=model),
                 {employee.id: row for employee, row in zip(built.employees, rows,
                                                            strict=True)})
        return model

    @staticmethod
    def _read(built: CurtoisModel, rows: Sequence[Row], employees: Sequence[int],
              solver: cp_model.CpSolver) -> list[Row]:
        """``rows`` with the rows of ``employees`` (``built``'s, in order) read from
        ``solver``."""
        new_rows = list(rows)
        for e, work_row, x_row in zip(employees, built.work, built.x, strict=True):
            new_rows[e] = read_row(solver, work_row, x_row)
        return new_rows


def _fix(proto: object, index: int, value: int) -> None:
    domain = proto.variables[index].domain  # type: ignore[attr-defined]
    domain[0] = value  # a Boolean's domain is [0, 1]
    domain[1] = value


def _check_same_rules(instance: Instance, steps_on: Instance) -> None:
    """Raise ``ValueError`` unless ``steps_on`` differs from ``instance`` in soft
    weights only (cover and request weights): the step models are built from it and
    their rows are read back into ``instance``'s roster."""
    def hard(i: Instance) -> tuple[object, ...]:
        cover = tuple((c.day, c.shift, c.min_count, c.max_count, c.min_weight is None,
                       c.max_weight is None) for c in i.cover)
        requests = tuple((r.employee_id, r.day, r.shift, r.on) for r in i.requests)
        return (i.start_date, i.days, i.shift_types, dict(i.contracts), i.employees,
                i.fixed, cover, requests)

    if hard(instance) != hard(steps_on):
        raise ValueError(f"steps_on must be {instance.name} with other soft weights "
                         "only (same days, shift types, contracts, employees, fixed "
                         "shifts, cover entries and requests)")


def improve(instance: Instance, roster: Mapping[str, Sequence[str | None]], *,
            time_limit_seconds: float, workers: int = 1, random_seed: int | None = None,
            step_seconds: float = STEP_SECONDS,
            stall_seconds: float = STALL_SECONDS,
            stalled_step_seconds: float = STALLED_STEP_SECONDS,
            steps_on: Instance | None = None, pool: RowPool | None = None,
            progress: Callable[[float, int], None] | None = None,
            step_log: Callable[[str], None] | None = None,
            ) -> tuple[Roster, LnsStats]:
    """Improve ``roster`` (which must meet the hard rules) for ``time_limit_seconds`` of
    wall time with ``workers`` searcher threads; returns the best roster (never worse
    than ``roster``) and what the search did. A step's CP-SAT gets ``step_seconds``, or
    ``stalled_step_seconds`` once ``stall_seconds`` have passed since the last
    improvement. ``steps_on`` (same rules, other cover weights) is what the steps'
    CP-SAT models optimise, when given (``ValueError`` when it differs in more than
    soft weights); the roster is still judged by ``instance``'s penalty. ``pool``, when
    given, collects every row a step produced and the start's (per employee id).
    ``progress(seconds, penalty)`` is called on every improvement, ``step_log`` with
    one line per step. An exception in a searcher thread stops the others and is
    raised here."""
    if (time_limit_seconds <= 0 or workers < 1 or step_seconds <= 0
            or stalled_step_seconds <= 0 or stall_seconds < 0):
        raise ValueError("time limits must be > 0, stall_seconds >= 0, workers >= 1")
    if steps_on is not None:
        _check_same_rules(instance, steps_on)
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    search = _Search(instance, roster, steps_on, pool)
    if pool is not None:
        for employee_id, row in search.roster().items():
            pool.setdefault(employee_id, set()).add(row)
    stats = LnsStats(trace=[(0.0, search.objective)])
    report = threading.Lock()
    seeds = random.Random(random_seed)
    #: A searcher's exception, re-raised once every thread has stopped (a thread's
    #: exception is otherwise only printed, and the search went on with fewer threads).
    failures: list[BaseException] = []
    stop = threading.Event()

    def searcher(rng: random.Random) -> None:
        try:
            search_until_deadline(rng)
        except BaseException as error:
            with report:
                failures.append(error)
            stop.set()

    def search_until_deadline(rng: random.Random) -> None:
        while (not stop.is_set()
               and deadline - time.perf_counter() >= 0.5 + search.slowest_build_seconds):
            kind = search.pick(rng)
            before = search.objective
            stalled = time.perf_counter() - started - stats.trace[-1][0] >= stall_seconds
            outcome, line = search.step(
                kind, stalled_step_seconds if stalled else step_seconds, deadline, rng)
            with report:
                stats.steps += 1
                stats.merged += outcome == "merged"
                stats.dropped += outcome == "dropped"
                elapsed = time.perf_counter() - started
                if step_log is not None:
                    step_log(f"{elapsed:.1f}s {line}")
                if search.objective < before and search.objective < stats.trace[-1][1]:
                    stats.improvements += 1
                    stats.trace.append((elapsed, search.objective))
                    if progress is not None:
                        progress(elapsed, search.objective)

    threads = [threading.Thread(target=searcher, args=(random.Random(seeds.random()),),
                                daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    stats.kinds = {k.name: (k.tried, k.improved) for k in search.kinds}
    stats.variables = len(search.built.model.proto.variables)
    stats.constraints = len(search.built.model.proto.constraints)
    return search.roster(), stats


#: Share of the time limit the greedy start gets (at most ``START_MAX_SECONDS``).
START_SHARE = 0.05
START_MAX_SECONDS = 30.0
#: When that start finds no roster, a second one may use up to this share of the limit.
RETRY_SHARE = 0.5
#: Seconds kept back for joining the searchers and reporting: CP-SAT may overrun its
#: limit (600 s runs with 0.3 s kept back ended at 600.53 s and 601.59 s).
FINISH_SECONDS = 3.0
FINISH_SHARE = 0.005  # of the time limit, when that is less
#: Share of the search spent under the whole-weekends rule (``weekends.whole_weekends``)
#: before the instance's own rules, on horizons of at most ``WHOLE_WEEKENDS_MAX_DAYS``
#: (the longest it was measured on).
WHOLE_WEEKENDS_SHARE = 0.7
WHOLE_WEEKENDS_MAX_DAYS = 84
#: Where the cover wants at least this share of the summed maximum workloads (12, 13),
#: the last ``DIVE_SHARE`` of the search goes to ``lp_dive`` from the rows the search
#: produced (horizons of at most ``WHOLE_WEEKENDS_MAX_DAYS``).
DIVE_MIN_WORKLOAD_RATIO = 0.99
DIVE_SHARE = 0.65
#: The dive is not tried with less time than this (seconds).
DIVE_MIN_SECONDS = 30.0


def solve_lns(instance: Instance, *, time_limit_seconds: float, workers: int = 2,
              random_seed: int | None = None,
              step_log: Callable[[str], None] | None = None) -> SolveResult:
    """A roster from ``greedy_roster`` (``START_SHARE`` of the time, on ``workers``
    threads; again with up to ``RETRY_SHARE`` of it when that finds none), then ``improve``
    for the rest of ``time_limit_seconds`` with ``workers`` searcher threads: first, for
    ``WHOLE_WEEKENDS_SHARE`` of it, under the whole-weekends rule (``weekends``; the start
    is then built under it too; horizons of at most ``WHOLE_WEEKENDS_MAX_DAYS`` only, and
    without that phase when no start is found under the rule), then under the instance's
    own rules. Missing shifts of the types ``MaxTot`` does not leave short weigh more
    (``steering``) in the first phase and in the second phase's step models (the second
    phase's roster is judged by the real weights), so the forced gaps fall where the
    staff is short anyway. Where the cover wants at least ``DIVE_MIN_WORKLOAD_RATIO``
    of the staff's summed maximum workload (Instance12, 13), the last ``DIVE_SHARE`` of
    the time goes to ``lp_dive`` from every row the search produced, and its roster is
    kept when better and free of hard violations; time the dive leaves is searched on
    from the better roster. The search proves
    nothing: ``best_bound`` is the instance's counting bound (``bounds``) and the status
    ``LNS`` (``UNKNOWN`` when the greedy start finds no roster)."""
    if time_limit_seconds <= 0 or workers < 1:
        raise ValueError("time_limit_seconds must be > 0 and workers >= 1")
    started = time.perf_counter()
    start_seconds = min(START_MAX_SECONDS, START_SHARE * time_limit_seconds)
    steered = favour_short_types(instance)  # None where no shift type is short
    restricted = (whole_weekends(steered or instance)
                  if instance.days <= WHOLE_WEEKENDS_MAX_DAYS else None)
    roster = None
    if restricted is not None:
        roster = greedy_roster(restricted, time_limit_seconds=start_seconds,
                               workers=workers, random_seed=random_seed)
        if roster is None:  # e.g. a fixed shift on a Saturday and a fixed Sunday off
            restricted = None
    if roster is None:
        roster = greedy_roster(instance, time_limit_seconds=start_seconds, workers=workers,
                               random_seed=random_seed)
    if roster is None:
        # 364-day horizons: one employee's first schedule alone can take CP-SAT seconds
        # (Instance24, 150 employees: 45 s for the first 60), so the start gets more time.
        retry_seconds = (RETRY_SHARE * time_limit_seconds
                         - (time.perf_counter() - started)) / 2  # greedy may take twice
        if retry_seconds > start_seconds:
            roster = greedy_roster(instance, time_limit_seconds=retry_seconds,
                                   workers=workers, random_seed=random_seed)
    if roster is None:
        return SolveResult(instance.name, "UNKNOWN", None, counting_bound(instance).penalty,
                           time.perf_counter() - started,
                           0.0, {}, 0, 0, lns_steps=0)
    kept_back = min(FINISH_SECONDS, FINISH_SHARE * time_limit_seconds)
    remaining = time_limit_seconds - (time.perf_counter() - started) - kept_back
    ratio = workload_ratio(instance)
    pool: RowPool | None = (
        {} if ratio is not None and ratio >= DIVE_MIN_WORKLOAD_RATIO
        and instance.days <= WHOLE_WEEKENDS_MAX_DAYS
        and DIVE_SHARE * remaining >= DIVE_MIN_SECONDS else None)
    dive_seconds = DIVE_SHARE * remaining if pool is not None else 0.0
    remaining -= dive_seconds
    steps = 0
    stats = LnsStats()
    if restricted is not None and remaining * WHOLE_WEEKENDS_SHARE > 1.0:
        log = step_log
        roster, stats = improve(
            restricted, roster, time_limit_seconds=remaining * WHOLE_WEEKENDS_SHARE,
            workers=workers, random_seed=random_seed, pool=pool,
            step_log=None if log is None else (lambda line: log(f"[whole weekends] {line}")))
        steps = stats.steps
        remaining = (time_limit_seconds - (time.perf_counter() - started) - kept_back
                     - dive_seconds)
    if remaining > 1.0:
        roster, stats = improve(instance, roster, time_limit_seconds=remaining,
                                workers=workers, random_seed=random_seed, step_log=step_log,
                                steps_on=steered, pool=pool)
        steps += stats.steps
    objective = soft_penalty(instance, roster)
    remaining = time_limit_seconds - (time.perf_counter() - started) - kept_back
    if pool is not None and remaining > 1.0:
        dived = lp_dive(instance, pool, time_limit_seconds=remaining, workers=workers)
        penalty = soft_penalty(instance, dived.roster)
        if step_log is not None:
            step_log(f"[lp dive] LP {dived.lp_start:.1f} -> {dived.lp_end:.1f} in "
                     f"{dived.steps} steps, {dived.seconds:.1f} s; roster {penalty} "
                     f"(search: {objective})")
        if penalty < objective and not evaluate(instance, dived.roster).violations:
            roster, objective = dived.roster, penalty
        remaining = time_limit_seconds - (time.perf_counter() - started) - kept_back
        if remaining > 1.0:  # the dive finished early: search on from its roster
            roster, stats = improve(instance, roster, time_limit_seconds=remaining,
                                    workers=workers, random_seed=random_seed,
                                    step_log=step_log, steps_on=steered)
            steps += stats.steps
            objective = soft_penalty(instance, roster)
    return SolveResult(
        instance_name=instance.name, status="LNS", objective=objective,
        best_bound=counting_bound(instance).penalty,
        wall_seconds=time.perf_counter() - started, build_seconds=0.0, roster=roster,
        variables=stats.variables, constraints=stats.constraints,
        solver_objective=objective, lns_steps=steps)
