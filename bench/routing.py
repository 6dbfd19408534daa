"""Routing benchmark: offers per second and decision latency of ``routing.dispatch``.

Measured on SQLite and on PostgreSQL (skipped with a message when unreachable), each
in a database of its own that is migrated, filled and removed by this script:

* N agents (``accounts.create_user``: skills {"mobile": 80}, language ru, default
  capacity of 3 chats) set available through ``desk.set_status``;
* the demo's ``mobile`` queue; chat contacts in ru are added through a unit of work
  (``Contact.create`` + ``uow.contacts.add``, untimed).

Two modes, each against a raw baseline on the same database and the same kind of rows:

* single: one contact is enqueued (untimed), then one ``dispatch()`` call is timed; it
  must make exactly one offer. p50/p99 of that call is the decision latency, and
  decisions/s = calls / summed call time.
* batch: as many contacts as there are free chat slots are enqueued (untimed), then
  ``dispatch()`` is called until it returns nothing; offers/s = offers / summed time.

Between rounds the offered contacts are closed with one SQL UPDATE (untimed), so
there is always capacity.

Baseline ("raw"): a DB-API loop with one transaction per offer --
``SELECT id FROM contacts WHERE state='queued' ORDER BY priority DESC, enqueued_at
LIMIT 1 FOR UPDATE SKIP LOCKED``, ``SELECT id FROM agents WHERE status='available'
ORDER BY idle_since LIMIT 1 FOR UPDATE SKIP LOCKED``, UPDATE the contact to offered,
UPDATE the agent's idle_since (so that agents take turns, as dispatch does), COMMIT
(SQLite: ``BEGIN IMMEDIATE`` and no FOR UPDATE). Helpline and raw samples alternate
so that both see the same table sizes.

Usage: python bench/routing.py [--quick] [--db sqlite|postgres|both] [--json] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import platform
import pstats
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import (
    RUN_DATE,
    Table,
    add_mobile_queue,
    context_for,
    emit_json,
    fresh_database,
    pg_unavailable_reason,
    ratio,
    summary_ms,
)
from sqlalchemy import func, select, update

from helpline.domain.agents import AgentStatus, Role
from helpline.domain.channels import Channel
from helpline.domain.contacts import Contact, ContactState
from helpline.services import accounts, desk, routing
from helpline.services.chat import hash_token
from helpline.services.context import ServiceContext
from helpline.store.tables import ContactRow

TARGET_THROUGHPUT = 1000.0  # assignments/s on PostgreSQL
TARGET_P99_MS = 10.0  # per decision on PostgreSQL
CHAT_SLOTS = 3  # DEFAULT_CAPACITY[Channel.CHAT]
HISTORY_PER_AGENT = 30  # closed contacts per agent made before timing


@dataclass
class Size:
    agents: int
    single: int  # timed single-offer decisions per implementation
    warmup: int  # untimed decisions per implementation before that
    rounds: int  # batch rounds per implementation
    backlog: int  # queued contacts behind full agents in the saturated mode
    saturated: int  # timed saturated passes per implementation


FULL = Size(agents=50, single=3000, warmup=100, rounds=20, backlog=1000, saturated=200)
QUICK = Size(agents=8, single=150, warmup=10, rounds=3, backlog=200, saturated=20)


# -- setup ------------------------------------------------------------------------------
def add_agents(ctx: ServiceContext, count: int) -> list[str]:
    ids = []
    for i in range(count):
        agent_id = accounts.create_user(
            ctx, username=f"bench{i:04d}", password="bench-password-1",
            display_name=f"Bench Agent {i}", role=Role.AGENT, skills={"mobile": 80},
            languages=("ru",))
        desk.set_status(ctx, agent_id, AgentStatus.AVAILABLE)
        ids.append(agent_id)
    return ids


def enqueue(ctx: ServiceContext, count: int) -> None:
    """Queued ru chats in the mobile queue, as chat.start_chat creates them."""
    with ctx.uow() as uow:
        now = ctx.now()
        for i in range(count):
            contact = Contact.create(
                contact_id=str(uuid.uuid4()), channel=Channel.CHAT, queue_id="mobile",
                customer_name=f"Customer {i}", customer_phone="+79990000000", now=now,
                attributes={"language": "ru", "topic": "mobile", "segment": "standard"})
            uow.contacts.add(contact, customer_token_hash=hash_token(secrets.token_hex(8)))
        uow.commit()


AUTOVACUUM_NAPTIME_S = 60.0


@dataclass
class Maintenance:
    """VACUUM (ANALYZE) at the untimed bulk closes of one database (``--no-maintenance``
    turns it off), at most once per AUTOVACUUM_NAPTIME_S like autovacuum's default
    naptime; ``last`` is when it last ran (``time.monotonic``)."""

    enabled: bool = True
    last: float = float("-inf")


def free_agents(engine: Any, upkeep: Maintenance, *, force: bool = False) -> int:
    """Close every offered contact in one statement: all chat slots are free again.
    Then, on PostgreSQL, the maintenance that autovacuum does on a production server
    (this machine's PostgreSQL runs with ``autovacuum = off``): without it the tables
    keep every dead row version and the planner keeps the statistics of an empty
    database, which no real deployment has. Like autovacuum, at most once a naptime
    (60 s) — or at once with ``force`` (after the history is built)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        result = conn.execute(
            update(ContactRow).where(ContactRow.state == ContactState.OFFERED.value)
            .values(state=ContactState.CLOSED.value, ended_at=now, offer_expires_at=None))
        closed = int(result.rowcount or 0)
    due = force or time.monotonic() - upkeep.last >= AUTOVACUUM_NAPTIME_S
    if upkeep.enabled and due and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) contacts, agents, events")
        upkeep.last = time.monotonic()
    return closed


def add_history(ctx: ServiceContext, engine: Any, upkeep: Maintenance, agents: int,
                per_agent: int) -> None:
    """Closed contacts for every agent before anything is timed: a contact centre's
    database has history, and the load counts must not depend on its size."""
    slots = agents * CHAT_SLOTS
    for _ in range(max(1, agents * per_agent // slots)):
        enqueue(ctx, slots)
        while routing.dispatch(ctx):
            pass
        free_agents(engine, upkeep)
    free_agents(engine, upkeep, force=True)  # statistics of a database with history


def count_queued(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ContactRow).where(
            ContactRow.state == ContactState.QUEUED.value)) or 0)


# -- the raw baseline -------------------------------------------------------------------
class RawRouter:
    """One offer per transaction with plain DB-API calls on one connection."""

    def __init__(self, engine: Any) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.conn = engine.raw_connection()
        lock = "" if self.sqlite else " FOR UPDATE SKIP LOCKED"
        p = "?" if self.sqlite else "%s"
        self.pick_contact = ("SELECT id FROM contacts WHERE state = 'queued' "
                             f"ORDER BY priority DESC, enqueued_at LIMIT 1{lock}")
        self.pick_agent = ("SELECT id FROM agents WHERE status = 'available' "
                           f"ORDER BY idle_since LIMIT 1{lock}")
        self.offer_sql = (f"UPDATE contacts SET state = 'offered', agent_id = {p}, "
                          f"offered_at = {p}, offer_expires_at = {p} WHERE id = {p}")
        self.idle_sql = f"UPDATE agents SET idle_since = {p} WHERE id = {p}"
        holds = "'offered', 'active', 'wrap_up'"
        self.pick_agent_with_room = (
            "SELECT a.id FROM agents a WHERE a.status = 'available' AND (SELECT count(*) "
            "FROM contacts c WHERE c.agent_id = a.id AND c.channel = 'chat' AND c.state IN "
            f"({holds})) < {CHAT_SLOTS} ORDER BY a.idle_since LIMIT 1{lock}")

    def _ts(self, value: datetime) -> Any:
        # SQLAlchemy stores naive UTC text on SQLite, timestamptz on PostgreSQL.
        return value.replace(tzinfo=None).isoformat(" ") if self.sqlite else value

    def offer_one(self) -> bool:
        cur = self.conn.cursor()
        try:
            if self.sqlite:
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(self.pick_contact)
            contact = cur.fetchone()
            cur.execute(self.pick_agent)
            agent = cur.fetchone()
            if contact is None or agent is None:
                self.conn.rollback() if not self.sqlite else cur.execute("ROLLBACK")
                return False
            now = datetime.now(UTC)
            cur.execute(self.offer_sql, (agent[0], self._ts(now),
                                         self._ts(now + timedelta(seconds=20)), contact[0]))
            cur.execute(self.idle_sql, (self._ts(now), agent[0]))
            if self.sqlite:
                cur.execute("COMMIT")
            else:
                self.conn.commit()
            return True
        finally:
            cur.close()

    def nothing_to_route(self) -> bool:
        """The raw pass when every agent is full: look, find no agent with room, roll back."""
        cur = self.conn.cursor()
        try:
            if self.sqlite:
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(self.pick_contact)
            contact = cur.fetchone()
            cur.execute(self.pick_agent_with_room)
            agent = cur.fetchone()
            if self.sqlite:
                cur.execute("ROLLBACK")
            else:
                self.conn.rollback()
            return contact is not None and agent is None
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()


# -- measurement ------------------------------------------------------------------------
@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)  # seconds per timed call
    offers: int = 0
    seconds: float = 0.0  # summed time of the timed calls
    cpu: float = 0.0  # summed CPU time of this process during the timed calls

    def record(self, elapsed: float, offers: int, cpu: float = 0.0) -> None:
        self.latencies.append(elapsed)
        self.offers += offers
        self.seconds += elapsed
        self.cpu += cpu

    def result(self) -> dict[str, Any]:
        return {"offers": self.offers, "calls": len(self.latencies),
                "seconds": round(self.seconds, 4),
                "offers_per_s": round(self.offers / self.seconds, 1) if self.seconds else 0.0,
                "cpu_ms_per_call": round(1000 * self.cpu / len(self.latencies), 3)
                if self.latencies else 0.0,
                **summary_ms(self.latencies)}


def helpline_single(ctx: ServiceContext) -> tuple[float, float]:
    cpu, started = time.process_time(), time.perf_counter()
    offers = routing.dispatch(ctx)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if len(offers) != 1:
        raise RuntimeError(f"dispatch made {len(offers)} offers for one queued contact")
    return elapsed, cpu


def raw_single(raw: RawRouter) -> tuple[float, float]:
    cpu, started = time.process_time(), time.perf_counter()
    made = raw.offer_one()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not made:
        raise RuntimeError("raw loop found no queued contact or no agent")
    return elapsed, cpu


def run_single(engine: Any, upkeep: Maintenance, ctx: ServiceContext, raw: RawRouter,
               size: Size, profile: cProfile.Profile | None) -> dict[str, Samples]:
    """Alternate helpline and raw decisions, one queued contact at a time."""
    slots = size.agents * CHAT_SLOTS
    out = {"helpline": Samples(), "raw": Samples()}
    since_free = 0
    for i in range(size.warmup + size.single):
        timed = i >= size.warmup
        for name in ("helpline", "raw"):
            enqueue(ctx, 1)
            if name == "helpline":
                if profile is not None and timed:
                    profile.enable()
                elapsed, cpu = helpline_single(ctx)
                if profile is not None and timed:
                    profile.disable()
            else:
                elapsed, cpu = raw_single(raw)
            if timed:
                out[name].record(elapsed, 1, cpu)
            since_free += 1
        if since_free >= slots // 2:
            free_agents(engine, upkeep)
            since_free = 0
    free_agents(engine, upkeep)
    return out


def run_batch(engine: Any, upkeep: Maintenance, ctx: ServiceContext, raw: RawRouter,
              size: Size) -> dict[str, Samples]:
    """Rounds of ``slots`` queued contacts, served by repeated calls until none is left."""
    slots = size.agents * CHAT_SLOTS
    out = {"helpline": Samples(), "raw": Samples()}
    calls: dict[str, Callable[[], int]] = {
        "helpline": lambda: len(routing.dispatch(ctx)),
        "raw": lambda: int(raw.offer_one()),
    }
    for round_no in range(size.rounds + 1):  # round 0 is warm-up
        for name in ("helpline", "raw"):
            enqueue(ctx, slots)
            made_total = 0
            spent = 0.0
            cpu = time.process_time()
            while True:
                started = time.perf_counter()
                made = calls[name]()
                spent += time.perf_counter() - started
                made_total += made
                if made == 0:
                    break
            cpu = time.process_time() - cpu
            if made_total != slots:
                raise RuntimeError(f"{name}: {made_total} offers for {slots} queued contacts")
            if round_no:
                out[name].record(spent, made_total, cpu)
            free_agents(engine, upkeep)
    return out


def run_saturated(engine: Any, upkeep: Maintenance, ctx: ServiceContext, raw: RawRouter,
                  size: Size) -> dict[str, Samples]:
    """Every chat slot taken and a backlog waiting: the pass that the ticker (every
    second) and every start_chat/decline/close run while the center is busy."""
    slots = size.agents * CHAT_SLOTS
    enqueue(ctx, slots)
    while routing.dispatch(ctx):
        pass
    enqueue(ctx, size.backlog)
    out = {"helpline": Samples(), "raw": Samples()}
    for i in range(size.saturated + 5):
        for name in ("helpline", "raw"):
            cpu, started = time.process_time(), time.perf_counter()
            if name == "helpline":
                made = len(routing.dispatch(ctx))
                ok = made == 0
            else:
                ok = raw.nothing_to_route()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            if not ok:
                raise RuntimeError(f"{name}: saturated pass routed something")
            if i >= 5:
                out[name].record(elapsed, 0, cpu)
    free_agents(engine, upkeep)
    with engine.begin() as conn:  # leave no backlog behind
        conn.execute(update(ContactRow).where(ContactRow.state == ContactState.QUEUED.value)
                     .values(state=ContactState.ABANDONED.value))
    return out


def bench_db(kind: str, size: Size, want_profile: bool,
             maintenance: bool = True) -> dict[str, Any]:
    upkeep = Maintenance(enabled=maintenance)
    with fresh_database(kind) as url:
        engine, ctx = context_for(url, auto_dispatch=False)
        try:
            started = time.perf_counter()
            add_mobile_queue(ctx)
            add_agents(ctx, size.agents)
            add_history(ctx, engine, upkeep, size.agents, HISTORY_PER_AGENT)
            setup_s = time.perf_counter() - started
            raw = RawRouter(engine)
            profile = cProfile.Profile() if want_profile else None
            try:
                single = run_single(engine, upkeep, ctx, raw, size, profile)
                batch = run_batch(engine, upkeep, ctx, raw, size)
                saturated = run_saturated(engine, upkeep, ctx, raw, size)
            finally:
                raw.close()
            leftover = count_queued(engine)
        finally:
            engine.dispose()
    if profile is not None:
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(30)
        print(f"--- cProfile of single-offer dispatch() on {kind} ---", file=sys.stderr)
        print(stream.getvalue(), file=sys.stderr)
    h1, r1 = single["helpline"].result(), single["raw"].result()
    hb, rb = batch["helpline"].result(), batch["raw"].result()
    hs, rs = saturated["helpline"].result(), saturated["raw"].result()
    return {
        "setup_seconds": round(setup_s, 2),
        "queued_left": leftover,
        "single": {"helpline": h1, "raw": r1,
                   "ratio_throughput": ratio(h1["offers_per_s"], r1["offers_per_s"]),
                   "ratio_p50": ratio(h1["p50_ms"], r1["p50_ms"]),
                   "ratio_p99": ratio(h1["p99_ms"], r1["p99_ms"]),
                   "ratio_cpu": ratio(h1["cpu_ms_per_call"], r1["cpu_ms_per_call"])},
        "batch": {"helpline": hb, "raw": rb,
                  "offers_per_call": round(hb["offers"] / max(1, hb["calls"]), 1),
                  "ratio_throughput": ratio(hb["offers_per_s"], rb["offers_per_s"]),
                  "ratio_cpu": ratio(hb["cpu_ms_per_call"], rb["cpu_ms_per_call"])},
        "saturated": {"helpline": hs, "raw": rs, "backlog": size.backlog,
                      "ratio_p50": ratio(hs["p50_ms"], rs["p50_ms"]),
                      "ratio_p99": ratio(hs["p99_ms"], rs["p99_ms"]),
                      "ratio_cpu": ratio(hs["cpu_ms_per_call"], rs["cpu_ms_per_call"])},
    }


def targets(results: dict[str, Any]) -> dict[str, Any]:
    pg = results.get("postgres", {})
    if "single" not in pg:
        return {"evaluated": False, "reason": "PostgreSQL was not measured"}
    single_rate = pg["single"]["helpline"]["offers_per_s"]
    batch_rate = pg["batch"]["helpline"]["offers_per_s"]
    p99 = pg["single"]["helpline"]["p99_ms"]
    return {
        "evaluated": True,
        "throughput_target_per_s": TARGET_THROUGHPUT,
        "p99_target_ms": TARGET_P99_MS,
        "batch_throughput_met": batch_rate >= TARGET_THROUGHPUT,
        "single_throughput_met": single_rate >= TARGET_THROUGHPUT,
        "p99_met": p99 < TARGET_P99_MS,
    }


def render(report: dict[str, Any]) -> str:
    table = Table(["db", "mode", "impl", "offers", "offers/s", "p50 ms", "p99 ms",
                   "cpu ms/call", "x raw (rate)", "x raw (p99)"], [])
    notes = []
    for kind, res in report["results"].items():
        if "skipped" in res:
            notes.append(f"{kind}: skipped ({res['skipped']})")
            continue
        for mode in ("single", "batch", "saturated"):
            block = res[mode]
            for impl in ("helpline", "raw"):
                r = block[impl]
                is_h = impl == "helpline"
                table.rows.append([
                    kind, mode, impl, r["offers"] if mode != "saturated" else r["calls"],
                    r["offers_per_s"] if mode != "saturated" else float("nan"),
                    r["p50_ms"], r["p99_ms"], r["cpu_ms_per_call"],
                    block.get("ratio_throughput", float("nan")) if is_h else 1.0,
                    block.get("ratio_p99", float("nan")) if is_h else 1.0,
                ])
    lines = [f"routing.dispatch benchmark ({'quick' if report['quick'] else 'full'}; "
             f"{report['config']['agents']} agents x {CHAT_SLOTS} chat slots; "
             "batch p50/p99 are per dispatch-until-empty round; saturated: passes that find "
             f"every agent full and {report['config']['backlog']} contacts waiting, "
             "column offers = passes)", table.render()]
    lines += notes
    t = report["targets"]
    if t.get("evaluated"):
        pg = report["results"]["postgres"]
        lines.append(
            f"PostgreSQL targets: >= {TARGET_THROUGHPUT:,.0f} assignments/s -> batch "
            f"{pg['batch']['helpline']['offers_per_s']:,.0f}/s "
            f"({'met' if t['batch_throughput_met'] else 'NOT met'}), one-at-a-time "
            f"{pg['single']['helpline']['offers_per_s']:,.0f}/s "
            f"({'met' if t['single_throughput_met'] else 'NOT met'}); p99 < {TARGET_P99_MS} ms"
            f" -> {pg['single']['helpline']['p99_ms']} ms "
            f"({'met' if t['p99_met'] else 'NOT met'})")
    else:
        lines.append(f"targets not evaluated: {t.get('reason')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (CI smoke, < 60 s)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the single-offer dispatch calls (to stderr)")
    parser.add_argument("--agents", type=int, help="override the number of agents")
    parser.add_argument("--samples", type=int, help="override single-offer samples")
    parser.add_argument("--no-maintenance", action="store_true",
                        help="no VACUUM (ANALYZE) at the untimed bulk closes (PostgreSQL)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    if args.agents:
        size = dataclasses.replace(size, agents=args.agents)
    if args.samples:
        size = dataclasses.replace(size, single=args.samples)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {}
    load_start = _load()
    started = time.perf_counter()
    for kind in kinds:
        if kind == "postgres":
            reason = pg_unavailable_reason()
            if reason:
                print(f"skipping PostgreSQL: {reason}", file=sys.stderr)
                results[kind] = {"skipped": reason}
                continue
        if not args.json:
            print(f"running on {kind} ...", file=sys.stderr)
        results[kind] = bench_db(kind, size, args.profile,
                                 maintenance=not args.no_maintenance)
    report = {
        "benchmark": "routing", "date": RUN_DATE, "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_start": load_start, "loadavg_end": _load()},
        "config": {"agents": size.agents, "chat_slots": size.agents * CHAT_SLOTS,
                   "single_samples": size.single, "warmup": size.warmup,
                   "batch_rounds": size.rounds, "backlog": size.backlog,
                   "saturated_passes": size.saturated,
                   "history_per_agent": HISTORY_PER_AGENT,
                   "maintenance": not args.no_maintenance,
                   "dispatch_batch": routing.DISPATCH_BATCH},
        "results": results,
        "targets": {},
        "wall_seconds": 0.0,
    }
    report["targets"] = targets(results)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        emit_json(report)
    else:
        print(render(report))
        print(f"(wall time {report['wall_seconds']} s)")
    return 0


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


if __name__ == "__main__":
    sys.exit(main())
