"""CP-SAT model of the Curtois & Qu benchmark (the IP of Curtois & Qu 2014, in CP-SAT's
native constraints) and its solve.

Variables: ``x[e][d][s]`` (employee ``e`` works shift ``s`` on day ``d``, one per valid
shift) and ``work[e][d]``, tied by ``exactly_one(x[e][d][*], not work[e][d])``.

Hard rules:

* rest: shifts closer than ``MinRestTime`` are forbidden in sequence. The conflicts between
  day ``d`` and day ``d+g`` form a chain (a later end forbids more starts), so one
  ``at_most_one`` per distinct end time covers every forbidden pair (clique cuts);
* ``MaxSeq k``: a clause over every window of ``k+1`` days;
* ``MinSeq k``: for runs of ``1..k-1`` days bounded on both sides inside the horizon, a
  clause forbidding "not, run, not" (the horizon may cut a run);
* ``MaxTot``/``MinTot``, workload minutes: linear sums;
* pattern counts: a match literal per window (weekends: ``worked >= each day`` of the
  weekend, the usual ``$-``/``-$``/``$$`` pattern set), summed;
* fixed assignments: fixed literals.

Objective: shift-on/off request weights plus, per cover entry, the under-cover weight
times the shortfall and the over-cover weight times the excess.

Search: on fewer than 8 workers CP-SAT runs its LP-heavy subsolvers (``SMALL_PORTFOLIO``)
plus LNS. Long horizons (``WARM_START_EMPLOYEE_DAYS``), where CP-SAT alone finds no
roster in a minute, start from ``greedy_roster``: hard rules bind one employee each, so
employee-by-employee sub-problems give a feasible roster, improved by re-solving each
employee against the others' cover; its complete hint is CP-SAT's first solution.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from helpline.wfm.schedule.curtois.bounds import counting_bound
from helpline.wfm.schedule.curtois.ros_format import (
    ANY_SHIFT,
    DAY_OFF,
    MINUTES_PER_DAY,
    Cover,
    Employee,
    Instance,
    Pattern,
    PatternMatch,
)

#: A literal, or a constant when the spec cannot hold (``False``) or always holds.
Lit = cp_model.BoolVarT | bool


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve. ``roster`` maps employee id -> one shift id or ``None`` per
    day (empty when no solution was found); ``objective`` is ``None`` then too."""

    instance_name: str
    status: str
    objective: int | None
    best_bound: int
    wall_seconds: float
    build_seconds: float
    roster: Mapping[str, tuple[str | None, ...]]
    variables: int
    constraints: int
    #: CP-SAT's own value of the roster: its cover slacks are only bounded below, so a
    #: non-optimal solution may carry slack (never at optimum); ``objective`` has none.
    solver_objective: int | None = None
    #: Steps of the large-neighbourhood search (``lns.solve_lns``), else ``None``.
    lns_steps: int | None = None

    @property
    def gap(self) -> float | None:
        """(objective - bound) / objective, 0 when proven optimal."""
        if self.objective is None:
            return None
        return (self.objective - self.best_bound) / self.objective if self.objective else 0.0


Rows = Sequence[Sequence[str | None]]


@dataclass(frozen=True)
class _HintContext:
    rows: Rows  # per employee (model order), a shift id or None per day
    staffed: Counter[tuple[int, str]]


Derivation = Callable[[_HintContext], int]


@dataclass
class CurtoisModel:
    """The built model with its decision variables (``work[e][d]``, ``x[e][d][shift]``)."""

    model: cp_model.CpModel
    instance: Instance
    employees: tuple[Employee, ...]
    work: list[list[cp_model.IntVar]]
    x: list[list[dict[str, cp_model.IntVar]]]
    objective_offset: int
    #: Auxiliary variables and how to compute each from a roster (to complete a hint).
    derived: list[tuple[cp_model.IntVar, Derivation]]


class ModelBuilder:
    """Builds the hard rules of ``employees`` (all by default); ``build`` adds the
    objective of the full problem, with the cover counted against ``others`` (shifts of
    employees outside the model) when given. Used whole by ``build_model`` and for a
    few employees by the greedy start and the large-neighbourhood search."""

    def __init__(self, instance: Instance, employees: Sequence[Employee] | None = None) -> None:
        self.instance = instance
        self.employees = tuple(instance.employees if employees is None else employees)
        self.index = {employee.id: e for e, employee in enumerate(self.employees)}
        self.model = cp_model.CpModel()
        self.days = instance.days
        self.work: list[list[cp_model.IntVar]] = []
        self.x: list[list[dict[str, cp_model.IntVar]]] = []
        self.terms: list[cp_model.BoolVarT] = []
        self.coefs: list[int] = []
        self.offset = 0
        self.derived: list[tuple[cp_model.IntVar, Derivation]] = []

    # -- literals ---------------------------------------------------------------------
    def lit(self, e: int, day: int, spec: str) -> Lit:
        if spec == ANY_SHIFT:
            return self.work[e][day]
        if spec == DAY_OFF:
            return self.work[e][day].Not()
        return self.x[e][day].get(spec, False)

    def clause(self, literals: Sequence[Lit]) -> None:
        """At least one literal true (constants folded)."""
        if any(lit is True for lit in literals):
            return
        self.model.add_bool_or([lit for lit in literals if lit is not False])

    @staticmethod
    def negate(lit: Lit) -> Lit:
        return (not lit) if isinstance(lit, bool) else lit.Not()

    def cost(self, var: Lit, weight: int) -> None:
        if weight == 0:
            return
        if isinstance(var, bool):
            self.offset += weight * int(var)
        else:
            self.terms.append(var)
            self.coefs.append(weight)

    # -- model --------------------------------------------------------------------------
    def build_hard(self) -> None:
        """Variables, per-employee rules and fixed assignments."""
        m = self.model
        for employee in self.employees:
            valid = self.instance.valid_shifts(employee)
            work_row = [m.new_bool_var("") for _ in range(self.days)]
            x_row: list[dict[str, cp_model.IntVar]] = []
            for day in range(self.days):
                shifts = {s: m.new_bool_var("") for s in valid}
                m.add_exactly_one([*shifts.values(), work_row[day].Not()])
                x_row.append(shifts)
            self.work.append(work_row)
            self.x.append(x_row)
        for e, employee in enumerate(self.employees):
            self.employee_rules(e, employee)
        for fixed in self.instance.fixed:
            if fixed.employee_id in self.index:
                self.clause([self.lit(self.index[fixed.employee_id], fixed.day, fixed.shift)])

    def add_requests(self) -> None:
        for request in self.instance.requests:
            if request.employee_id not in self.index:
                continue
            lit = self.lit(self.index[request.employee_id], request.day, request.shift)
            if request.on:  # weight * (1 - lit)
                self.offset += request.weight
                self.cost(lit, -request.weight)
            else:
                self.cost(lit, request.weight)

    def set_objective(self) -> None:
        self.model.minimize(cp_model.LinearExpr.weighted_sum(self.terms, self.coefs)
                            + self.offset)

    def build(self, others: Mapping[tuple[int, str], int] | None = None) -> CurtoisModel:
        """The problem of the builder's employees: hard rules, requests and cover in the
        objective (``others``: employees outside the model already on a (day, shift))."""
        self.build_hard()
        self.add_requests()
        self.cover(others)
        self.set_objective()
        return self.result()

    def result(self) -> CurtoisModel:
        return CurtoisModel(self.model, self.instance, self.employees, self.work, self.x,
                            self.offset, self.derived)

    def cover(self, others: Mapping[tuple[int, str], int] | None = None) -> None:
        """Cover penalties; ``others`` counts employees outside the model already on a
        (day, shift)."""
        m = self.model
        on_shift: dict[tuple[int, str], list[cp_model.IntVar]] = {}
        for row in self.x:
            for day, shifts in enumerate(row):
                for shift_id, var in shifts.items():
                    on_shift.setdefault((day, shift_id), []).append(var)
        for c in self.instance.cover:
            staffed = on_shift.get((c.day, c.shift), [])
            fixed = 0 if others is None else others.get((c.day, c.shift), 0)
            total = cp_model.LinearExpr.sum(staffed) + fixed
            if c.min_count is not None and c.min_count > fixed:
                if c.min_weight is None:
                    m.add(total >= c.min_count)
                else:
                    under = m.new_int_var(0, c.min_count - fixed, "")
                    m.add(total + under >= c.min_count)
                    self.cost(under, c.min_weight)
                    self.derived.append((under, partial(_shortfall, c, fixed)))
            if c.max_count is not None and c.max_count < fixed + len(staffed):
                if c.max_weight is None:
                    m.add(total <= c.max_count)
                else:
                    over = m.new_int_var(0, fixed + len(staffed) - c.max_count, "")
                    m.add(total - over <= c.max_count)
                    self.cost(over, c.max_weight)
                    self.derived.append((over, partial(_excess, c, fixed)))

    def employee_rules(self, e: int, employee: Employee) -> None:
        instance = self.instance
        m = self.model
        self.rest(e, employee)
        x_all = [(var, instance.shift(s).duration_minutes)
                 for row in self.x[e] for s, var in row.items()]
        minutes = cp_model.LinearExpr.weighted_sum([v for v, _ in x_all],
                                                    [d for _, d in x_all])
        for contract in instance.contracts_of(employee):
            for limit in contract.max_workload_minutes:
                m.add(minutes <= limit)
            for limit in contract.min_workload_minutes:
                m.add(minutes >= limit)
            for rule in contract.max_tot:
                m.add(self.count(e, rule.shift) <= rule.count)
            for rule in contract.min_tot:
                m.add(self.count(e, rule.shift) >= rule.count)
            for seq in contract.max_seq:
                self.max_run(e, seq.shift, seq.days)
            for seq in contract.min_seq:
                self.min_run(e, seq.shift, seq.days)
            for match in contract.matches:
                self.pattern_match(e, match)

    def max_run(self, e: int, spec: str, k: int) -> None:
        """No ``k+1`` consecutive days match ``spec``: one clause per window."""
        for start in range(self.days - k):
            self.clause([self.negate(self.lit(e, start + i, spec)) for i in range(k + 1)])

    def min_run(self, e: int, spec: str, k: int) -> None:
        """Runs of days matching ``spec`` with a non-matching day inside the horizon on
        both sides last ``k`` days at least: forbid "not, 1..k-1 matches, not"."""
        for length in range(1, k):
            for before in range(self.days - length - 1):
                self.clause([self.lit(e, before, spec),
                             *(self.negate(self.lit(e, before + 1 + i, spec))
                               for i in range(length)),
                             self.lit(e, before + length + 1, spec)])

    def count(self, e: int, spec: str) -> cp_model.LinearExprT:
        lits = [self.lit(e, d, spec) for d in range(self.days)]
        constant = sum(1 for lit in lits if lit is True)
        return cp_model.LinearExpr.sum([lit for lit in lits if not isinstance(lit, bool)]) \
            + constant

    def rest(self, e: int, employee: Employee) -> None:
        """Clique cuts over pairs of shifts ``gap`` days apart with too little rest."""
        rest = self.instance.min_rest_minutes(employee)
        shifts = [self.instance.shift(s) for s in self.instance.valid_shifts(employee)]
        if rest <= 0 or not shifts:
            return
        for gap in itertools.count(1):
            offset = gap * MINUTES_PER_DAY
            # s1 then s2 conflict iff s2.start < s1.end + rest - offset.
            if not any(b.start_minute < a.end_minute + rest - offset
                       for a in shifts for b in shifts):
                break
            cliques: dict[tuple[str, ...], list[str]] = {}
            for end in sorted({a.end_minute for a in shifts}, reverse=True):
                late = [a.id for a in shifts if a.end_minute >= end]
                early = tuple(b.id for b in shifts if b.start_minute < end + rest - offset)
                if early:
                    cliques[early] = late  # smaller ``end`` overwrites: a larger clique
            for day in range(self.days - gap):
                first, second = self.x[e][day], self.x[e][day + gap]
                for early, late in cliques.items():
                    self.model.add_at_most_one([*(first[s] for s in late),
                                                *(second[s] for s in early)])

    def pattern_match(self, e: int, match: PatternMatch) -> None:
        m = self.model
        counted: list[cp_model.IntVar] = []
        constant = 0
        groups: dict[tuple[int | None, int], list[Pattern]] = {}
        for pattern in match.patterns:
            groups.setdefault((pattern.start_weekday, len(pattern.shifts)), []).append(pattern)
        for (weekday, width), patterns in groups.items():
            shapes = {p.shifts for p in patterns}
            any_work = (len(shapes) == len(patterns)
                        and shapes == {s for s in itertools.product((ANY_SHIFT, DAY_OFF),
                                                                    repeat=width)
                                       if ANY_SHIFT in s})
            for start in range(self.days - width + 1):
                if weekday is not None and self.instance.weekday(start) != weekday:
                    continue
                if any_work:  # exactly one pattern matches iff some day is worked
                    window = [self.work[e][start + i] for i in range(width)]
                    worked = m.new_bool_var("")
                    for day_var in window:
                        m.add_implication(day_var, worked)
                    m.add_bool_or([worked.Not(), *window])
                    self.derived.append((worked, partial(_any_work, e, start, width)))
                    counted.append(worked)
                    continue
                for pattern in patterns:
                    lits = [self.lit(e, start + i, spec) for i, spec in enumerate(pattern.shifts)]
                    if any(lit is False for lit in lits):
                        continue
                    live = [lit for lit in lits if not isinstance(lit, bool)]
                    if not live:
                        constant += 1
                        continue
                    hit = m.new_bool_var("")
                    m.add_bool_or([hit, *(lit.Not() for lit in live)])
                    for lit in live:
                        m.add_implication(hit, lit)
                    self.derived.append((hit, partial(_pattern_hit, e, start, pattern.shifts)))
                    counted.append(hit)
        total = cp_model.LinearExpr.sum(counted) + constant
        if match.max_count is not None:
            m.add(total <= match.max_count)
        if match.min_count is not None:
            m.add(total >= match.min_count)


#: Employees x days from which ``solve`` starts from ``greedy_roster`` by default.
WARM_START_EMPLOYEE_DAYS = 5000
#: Share of the time limit the warm start gets: on those sizes its employee-by-employee
#: passes improve the roster faster than CP-SAT's search on the whole model.
WARM_START_SHARE = 0.67
#: Full-problem subsolvers on fewer than 8 workers (CP-SAT uses the first ones that fit):
#: on the benchmark the LP-heavy ones find and prove optima far better than CP-SAT's
#: default small portfolio (default_lp alone gave a bound of 208 on Instance2 vs 828).
SMALL_PORTFOLIO = ("max_lp", "reduced_costs", "core", "default_lp", "quick_restart")
#: Interleaved helpers dropped on fewer than 8 workers: their time goes to the LNS
#: neighbourhoods, which improved every roster faster in our runs (feasibility jump still
#: finds the first solution).
SMALL_IGNORED = ("ls", "feasibility_pump")
#: Cost per employee that a hard cover bound gets in ``greedy_roster``'s sub-problems.
_HARD_COVER_WEIGHT = 10_000


def _marginal_cost(covers: Sequence[Cover], staffed: int) -> int:
    """Change of the cover penalty when one more employee joins ``staffed`` others."""
    cost = 0
    for c in covers:
        if c.min_count is not None and staffed < c.min_count:
            cost -= _HARD_COVER_WEIGHT if c.min_weight is None else c.min_weight
        if c.max_count is not None and staffed >= c.max_count:
            cost += _HARD_COVER_WEIGHT if c.max_weight is None else c.max_weight
    return cost


def greedy_roster(instance: Instance, *, time_limit_seconds: float, max_passes: int = 4,
                  workers: int = 2, random_seed: int | None = None,
                  ) -> dict[str, tuple[str | None, ...]] | None:
    """A feasible roster built employee by employee (hard rules bind one employee each).

    Pass 0 gives each employee, in file order, a feasible schedule of its own rules, then
    the best one against the cover the previous employees leave (requests and marginal
    cover penalty). Later passes re-solve each employee with all others fixed, until a
    pass changes nothing, ``max_passes`` or the time limit. Sub-problems are solved with
    CP-SAT on up to two threads. Pass 0 may run past the time limit, up to twice it
    (feasibility only: a second per employee, retried with 4 s and 16 s when CP-SAT finds
    nothing); ``None`` when some employee has no schedule by then.
    """
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    hard_stop = started + 2 * time_limit_seconds
    covers: dict[tuple[int, str], list[Cover]] = {}
    for c in instance.cover:
        covers.setdefault((c.day, c.shift), []).append(c)
    staffed: Counter[tuple[int, str]] = Counter()
    roster: dict[str, tuple[str | None, ...]] = {}
    builders: dict[str, ModelBuilder] = {}
    employees = instance.employees
    for pass_number in range(max_passes):
        changed = 0
        for position, employee in enumerate(employees):
            now = time.perf_counter()
            remaining = deadline - now
            if remaining <= 0 and pass_number > 0:
                return roster
            if now > hard_stop:
                return None
            builder = builders.get(employee.id)
            if builder is None:
                builder = ModelBuilder(instance, [employee])
                builder.build_hard()
                builder.add_requests()
                builders[employee.id] = builder
            share_seconds = remaining / (len(employees) - position)
            old = roster.get(employee.id)
            if old is None:  # feasibility first: hard to find with an objective
                builder.model.clear_objective()  # type: ignore[no-untyped-call]
                cap_seconds = max(1.0, 2 * share_seconds)
                for _attempt in range(3):  # long horizons can take CP-SAT seconds
                    cap_seconds = max(0.1, min(cap_seconds, hard_stop - time.perf_counter()))
                    status, solver = _solve_small(builder.model, cap_seconds, workers,
                                                  random_seed, feasibility=True)
                    if status != cp_model.UNKNOWN:
                        break
                    cap_seconds *= 4
                if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    return None
                old = read_row(solver, builder.work[0], builder.x[0])
                share_seconds /= 2  # keep time for the feasibility of the others
            else:
                _add_row(staffed, old, -1)
            row = old
            if share_seconds > 0.02:
                _set_marginal_objective(builder, covers, staffed, old)
                status, solver = _solve_small(builder.model, share_seconds, workers,
                                              random_seed)
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    row = read_row(solver, builder.work[0], builder.x[0])
            changed += row != roster.get(employee.id)
            roster[employee.id] = row
            _add_row(staffed, row, +1)
        if pass_number > 0 and changed == 0:
            break
    return roster


def _add_row(staffed: Counter[tuple[int, str]], row: Sequence[str | None], sign: int) -> None:
    for day, shift_id in enumerate(row):
        if shift_id is not None:
            staffed[(day, shift_id)] += sign


def _set_marginal_objective(builder: ModelBuilder, covers: Mapping[tuple[int, str], list[Cover]],
                            staffed: Counter[tuple[int, str]],
                            hint: Sequence[str | None]) -> None:
    """One employee's requests plus the cover penalty change it causes; ``hint`` as the
    starting schedule."""
    terms = list(builder.terms)
    coefs = list(builder.coefs)
    for day, shifts in enumerate(builder.x[0]):
        for shift_id, var in shifts.items():
            cost = _marginal_cost(covers.get((day, shift_id), ()), staffed[(day, shift_id)])
            if cost:
                terms.append(var)
                coefs.append(cost)
    builder.model.minimize(cp_model.LinearExpr.weighted_sum(terms, coefs))
    builder.model.clear_hints()  # type: ignore[no-untyped-call]
    add_hint(builder.result(), {builder.employees[0].id: hint})


def _solve_small(model: cp_model.CpModel, time_limit_seconds: float, workers: int,
                 random_seed: int | None, *, feasibility: bool = False,
                 ) -> tuple[CpSolverStatus, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    # Two threads: the second (local search, LNS) finds schedules that one thread's tree
    # search often misses. For a bare feasible schedule, search without LP and with
    # restarts: on 364-day horizons it answers in under a second where the default
    # search took from 1 s to over 16 s (Instance22).
    solver.parameters.num_workers = min(workers, 2)
    if feasibility:
        solver.parameters.subsolvers.append("quick_restart_no_lp")
    solver.parameters.max_time_in_seconds = time_limit_seconds
    if random_seed is not None:
        solver.parameters.random_seed = random_seed
    return solver.solve(model), solver


def read_row(solver: cp_model.CpSolver, work_row: Sequence[cp_model.IntVar],
             x_row: Sequence[dict[str, cp_model.IntVar]]) -> tuple[str | None, ...]:
    """One employee's roster row (shift id or ``None`` per day) from a solved model."""
    return tuple(next((s for s, var in shifts.items() if solver.boolean_value(var)), None)
                 if solver.boolean_value(work) else None
                 for work, shifts in zip(work_row, x_row, strict=True))


def build_model(instance: Instance) -> CurtoisModel:
    """The CP-SAT model of ``instance`` (no solve)."""
    return ModelBuilder(instance).build()


def solve(instance: Instance, *, time_limit_seconds: float = 60.0, workers: int = 8,
          random_seed: int | None = None,
          log_callback: Callable[[str], None] | None = None,
          hint: Mapping[str, Sequence[str | None]] | None = None,
          warm_start: bool | None = None) -> SolveResult:
    """Build and solve within ``time_limit_seconds`` of wall time, model building and the
    warm start included (CP-SAT itself gets at least one second; a warm start on a huge
    instance may overrun, see ``greedy_roster``).

    ``hint``: a roster to start from (employee id -> shift id or ``None`` per day).
    ``warm_start``: build one with ``greedy_roster`` in ``WARM_START_SHARE`` of the time
    (``None``: when employees x days reach ``WARM_START_EMPLOYEE_DAYS`` and no hint is
    given); if CP-SAT then finds nothing in time, that roster is returned with status
    ``GREEDY_ONLY``; if the warm start finds none and the time is up, the result is
    ``UNKNOWN`` with no model built (0 variables). With fewer than 8 workers the
    full-problem subsolvers are ``SMALL_PORTFOLIO``, without ``SMALL_IGNORED``.
    ``log_callback`` receives CP-SAT's search log lines.
    """
    if time_limit_seconds <= 0 or workers < 1:
        raise ValueError("time_limit_seconds must be > 0 and workers >= 1")
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    if warm_start is None:
        warm_start = (hint is None and len(instance.employees) * instance.days
                      >= WARM_START_EMPLOYEE_DAYS)
    greedy: dict[str, tuple[str | None, ...]] | None = None
    if warm_start:
        greedy = greedy_roster(instance, time_limit_seconds=time_limit_seconds * WARM_START_SHARE,
                               workers=workers, random_seed=random_seed)
        if hint is None:
            hint = greedy
        if greedy is None and time.perf_counter() >= deadline:
            return SolveResult(instance.name, "UNKNOWN", None, 0,
                               time.perf_counter() - started, 0.0, {}, 0, 0)
    build_started = time.perf_counter()
    built = build_model(instance)
    if hint is not None:
        add_hint(built, hint)
    build_seconds = time.perf_counter() - build_started
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, deadline - time.perf_counter())
    solver.parameters.num_workers = workers
    if workers < 8:
        solver.parameters.subsolvers.extend(SMALL_PORTFOLIO)
        solver.parameters.ignore_subsolvers.extend(SMALL_IGNORED)
    if random_seed is not None:
        solver.parameters.random_seed = random_seed
    if log_callback is not None:
        solver.parameters.log_search_progress = True
        solver.parameters.log_to_stdout = False
        solver.log_callback = log_callback
    status = solver.solve(built.model)
    status_name = solver.status_name(status)
    roster: dict[str, tuple[str | None, ...]] = {}
    objective = solver_objective = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for employee, work_row, x_row in zip(instance.employees, built.work, built.x,
                                             strict=True):
            roster[employee.id] = read_row(solver, work_row, x_row)
        objective = soft_penalty(instance, roster)
        solver_objective = round(solver.objective_value)
    elif greedy is not None:  # CP-SAT found nothing in time: the warm start stands
        roster = dict(greedy)
        objective = soft_penalty(instance, roster)
        status_name = "GREEDY_ONLY"
    bound = solver.best_objective_bound
    proto = built.model.proto
    return SolveResult(
        instance_name=instance.name,
        status=status_name,
        objective=objective,
        best_bound=max(math.ceil(bound - 1e-6) if math.isfinite(bound) else 0,
                       counting_bound(instance).penalty),
        wall_seconds=time.perf_counter() - started,
        build_seconds=build_seconds,
        roster=roster,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        solver_objective=solver_objective,
    )


def soft_penalty(instance: Instance, roster: Mapping[str, Sequence[str | None]]) -> int:
    """Requests and cover penalty of a roster that meets the hard rules (the objective
    of the model, for a roster CP-SAT did not produce)."""
    index = {employee.id: e for e, employee in enumerate(instance.employees)}
    rows = [tuple(roster[employee.id]) for employee in instance.employees]
    total = 0
    for request in instance.requests:
        entry = rows[index[request.employee_id]][request.day]
        total += request.weight if _day_matches(entry, request.shift) != request.on else 0
    staffed = Counter((day, entry) for row in rows for day, entry in enumerate(row) if entry)
    for c in instance.cover:
        count = staffed[(c.day, c.shift)]
        if c.min_count is not None and c.min_weight is not None:
            total += c.min_weight * max(0, c.min_count - count)
        if c.max_count is not None and c.max_weight is not None:
            total += c.max_weight * max(0, count - c.max_count)
    return total


def _day_matches(entry: str | None, spec: str) -> bool:
    if spec == ANY_SHIFT:
        return entry is not None
    if spec == DAY_OFF:
        return entry is None
    return entry == spec


def _shortfall(cover: Cover, fixed: int, hint: _HintContext) -> int:
    return max(0, (cover.min_count or 0) - fixed - hint.staffed[(cover.day, cover.shift)])


def _excess(cover: Cover, fixed: int, hint: _HintContext) -> int:
    return max(0, fixed + hint.staffed[(cover.day, cover.shift)] - (cover.max_count or 0))


def _any_work(e: int, start: int, width: int, hint: _HintContext) -> int:
    return int(any(hint.rows[e][start + i] is not None for i in range(width)))


def _pattern_hit(e: int, start: int, shifts: tuple[str, ...], hint: _HintContext) -> int:
    return int(all(_day_matches(hint.rows[e][start + i], spec)
                   for i, spec in enumerate(shifts)))


def add_hint(built: CurtoisModel, hint: Mapping[str, Sequence[str | None]]) -> None:
    """Hint every variable: the roster's, and the auxiliary ones derived from it (a
    complete feasible hint is CP-SAT's first solution)."""
    rows: list[list[str | None]] = []
    for employee in built.employees:
        given = list(hint.get(employee.id, ()))[:built.instance.days]
        row = [None if entry in (None, "", DAY_OFF) else entry for entry in given]
        rows.append(row + [None] * (built.instance.days - len(row)))
    for row, work_row, x_row in zip(rows, built.work, built.x, strict=True):
        for entry, work, shifts in zip(row, work_row, x_row, strict=True):
            built.model.add_hint(work, entry is not None)
            for shift_id, var in shifts.items():
                built.model.add_hint(var, shift_id == entry)
    context = _HintContext(rows, Counter((day, entry) for row in rows
                                         for day, entry in enumerate(row) if entry))
    for var, derive in built.derived:
        built.model.add_hint(var, derive(context))
