"""Renewals benchmark: «Обнови пакет» per second on PostgreSQL through the service.

Setup (untimed), in a fresh database removed at the end: one tariff (500.00/month,
with "renew package"), one customer, L lines opened today with enough money for
every renewal they will get (top-up + the opening night's charge, via the services).

Timed: P processes (``--processes``, default 1; like app servers) of T threads call
``billing.renew(ctx, msisdn, channel="api", idempotency_key=…,
confirmed=True)``, each on its own lines, every call with a new key, R renewals in
all: renewals/s = R / wall time; p50/p99 per call.

Baseline (same DB, P x T threads in one process, same number of statements, on L other lines):
a bare autocommitted ``UPDATE lines SET money_minor = money_minor - 50000 WHERE
msisdn = %s`` loop over psycopg. Ratio = helpline renewals/s ÷ baseline updates/s.

Exactly once: afterwards the renewal ledger entries must equal R, every renewal must
have succeeded, and SUM(ledger) == money on every service line.

Usage: python bench/renewals.py [--quick] [--json] [--threads N] [--renewals N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from typing import Any

import psycopg
from _common import (
    RUN_DATE,
    Table,
    context_for,
    emit_json,
    fresh_database,
    pg_unavailable_reason,
    ratio,
    summary_ms,
)
from sqlalchemy import text

from helpline.domain.billing import Tariff
from helpline.domain.subscribers.customers import DocumentType
from helpline.realtime.bus import libpq_dsn
from helpline.services import billing, provisioning
from helpline.services.context import ServiceContext
from helpline.services.keys import document_key

TARGET_PER_SECOND = 500.0
FEE_MINOR = 50000
TARIFF = Tariff(code="smart", name="Smart", monthly_fee_minor=FEE_MINOR, daily_fee_minor=1667,
                included_minutes=300, included_sms=100, included_mb=10240,
                minute_rate_minor=300, renew_package_available=True)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _numbers(prefix: str, count: int) -> list[str]:
    return [f"7{prefix}{i:07d}" for i in range(count)]


def setup(ctx: ServiceContext, lines: int, per_line: int) -> tuple[list[str], list[str]]:
    provisioning.create_tariff(ctx, TARIFF)
    owner = provisioning.create_customer(
        ctx, full_name="Bench Holder", document_type=DocumentType.PASSPORT_RF,
        document_number="4510 123456", document_key=document_key("bench-secret")).id
    today = provisioning.local_today(ctx)
    service, raw = _numbers("900", lines), _numbers("901", lines)
    for msisdn in service + raw:
        provisioning.create_line(ctx, msisdn=msisdn, customer_id=owner, tariff_code="smart",
                                 opened_on=today)
        billing.top_up(ctx, msisdn, FEE_MINOR * (per_line + 1), idempotency_key="funding")
        billing.charge_line(ctx, msisdn, today)
    return service, raw


def _threads(work: list[list[str]], call: Any) -> tuple[float, list[float]]:
    """Run ``call(worker, msisdn, n)`` for each worker's list; wall seconds, latencies."""
    latencies: list[list[float]] = [[] for _ in work]
    barrier = threading.Barrier(len(work) + 1)

    def run(worker: int) -> None:
        barrier.wait()
        for n, msisdn in enumerate(work[worker]):
            started = time.perf_counter()
            call(worker, msisdn, n)
            latencies[worker].append(time.perf_counter() - started)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(len(work))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, [x for per in latencies for x in per]


def _plan(lines: list[str], threads: int, per_line: int) -> list[list[str]]:
    """Each thread gets its own lines; each line is renewed ``per_line`` times."""
    return [[m for m in lines[w::threads] for _ in range(per_line)] for w in range(threads)]


def run_service(ctx: ServiceContext, lines: list[str], threads: int,
                per_line: int, prefix: str = "") -> tuple[float, list[float]]:
    def call(worker: int, msisdn: str, n: int) -> None:
        result = billing.renew(ctx, msisdn, channel="api",
                               idempotency_key=f"{prefix}w{worker}-{n}", confirmed=True)
        if not result.renewed:
            raise AssertionError(f"renewal refused: {result.refusal}")

    return _threads(_plan(lines, threads, per_line), call)


def _service_process(url: str, lines: list[str], threads: int, per_line: int, worker: int,
                     go: Any, results: Any) -> None:
    """One app-server-like process: its own engine and pool, ``threads`` threads."""
    engine, ctx = context_for(url)
    try:
        if not go.wait(120):
            raise RuntimeError("never told to start")
        started = time.time()
        wall, latencies = run_service(ctx, lines, threads, per_line, prefix=f"p{worker}")
        results.put((started, started + wall, latencies))
    finally:
        engine.dispose()


def run_processes(url: str, lines: list[str], processes: int, threads: int,
                  per_line: int) -> tuple[float, list[float]]:
    """The service in ``processes`` processes (as several app servers would run it),
    each on its own share of the lines; wall = first start to last finish."""
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    workers = [context.Process(target=_service_process,
                               args=(url, lines[i::processes], threads, per_line, i, go,
                                     results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(3.0)  # imports and engines ready
    go.set()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    if any(w.exitcode != 0 for w in workers):
        raise RuntimeError("a benchmark process failed")
    wall = max(end for _, end, _ in outcomes) - min(start for start, _, _ in outcomes)
    return wall, [x for _, _, lat in outcomes for x in lat]


def run_raw(url: str, lines: list[str], threads: int,
            per_line: int) -> tuple[float, list[float]]:
    connections = [psycopg.connect(libpq_dsn(url), autocommit=True) for _ in range(threads)]

    def call(worker: int, msisdn: str, n: int) -> None:
        connections[worker].execute(
            "UPDATE lines SET money_minor = money_minor - %s WHERE msisdn = %s",
            (FEE_MINOR, msisdn))

    try:
        return _threads(_plan(lines, threads, per_line), call)
    finally:
        for conn in connections:
            conn.close()


def verify(engine: Any, lines: list[str], expected: int) -> dict[str, Any]:
    with engine.connect() as conn:
        entries = conn.execute(text(
            "SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key LIKE 'renewal:%'")
        ).scalar_one()
        receipts = conn.execute(text("SELECT COUNT(*) FROM renewal_receipts")).scalar_one()
        mismatched = conn.execute(text(
            "SELECT COUNT(*) FROM lines l WHERE l.msisdn = ANY(:m) AND l.money_minor <> "
            "(SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entries e "
            "WHERE e.msisdn = l.msisdn)"), {"m": lines}).scalar_one()
    ok = entries == expected and receipts == expected and mismatched == 0
    return {"renewal_entries": entries, "receipts": receipts,
            "lines_ledger_mismatch": mismatched, "exactly_once": ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (CI smoke)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--processes", type=int, default=1,
                        help="service processes (like app servers on one database)")
    parser.add_argument("--renewals", type=int, default=None, help="total renewals")
    args = parser.parse_args(argv)
    total = args.renewals or (400 if args.quick else 4000)
    workers = args.threads * args.processes
    lines_count = max(workers, min(200, total // 10))
    per_line = -(-total // lines_count)
    total = per_line * lines_count
    reason = pg_unavailable_reason()
    if reason:
        _log(f"skipped: {reason}")
        return 0
    load_start = _load()
    with fresh_database("postgres") as url:
        engine, ctx = context_for(url)
        try:
            _log(f"setup: {2 * lines_count} lines ...")
            service_lines, raw_lines = setup(ctx, lines_count, per_line)
            _log(f"timed: {total} renewals on {lines_count} lines, {args.processes} "
                 f"process(es) x {args.threads} threads")
            if args.processes == 1:
                wall, latencies = run_service(ctx, service_lines, args.threads, per_line)
            else:
                wall, latencies = run_processes(url, service_lines, args.processes,
                                                args.threads, per_line)
            raw_wall, raw_latencies = run_raw(url, raw_lines, workers, per_line)
            checks = verify(engine, service_lines, total)
        finally:
            engine.dispose()
    per_second, raw_per_second = total / wall, total / raw_wall
    report: dict[str, Any] = {
        "benchmark": "renewals", "run_date": RUN_DATE, "db": "postgres",
        "renewals": total, "lines": lines_count, "threads": args.threads,
        "processes": args.processes,
        "renewals_per_s": round(per_second, 1), "raw_updates_per_s": round(raw_per_second, 1),
        "ratio_to_raw": ratio(per_second, raw_per_second),
        "target_per_s": TARGET_PER_SECOND, "target_met": per_second >= TARGET_PER_SECOND,
        "helpline": summary_ms(latencies), "raw": summary_ms(raw_latencies),
        **checks, "loadavg_start": load_start, "loadavg_end": _load(),
    }
    if args.json:
        emit_json(report)
    else:
        print(Table(["impl", "per s", "p50 ms", "p99 ms", "max ms"], [
            ["helpline renew", per_second, latencies and report["helpline"]["p50_ms"],
             report["helpline"]["p99_ms"], report["helpline"]["max_ms"]],
            ["raw UPDATE", raw_per_second, report["raw"]["p50_ms"], report["raw"]["p99_ms"],
             report["raw"]["max_ms"]],
        ]).render())
        print(f"ratio helpline/raw {report['ratio_to_raw']}; target {TARGET_PER_SECOND:.0f}/s "
              f"{'met' if report['target_met'] else 'NOT met'}; exactly once: "
              f"{checks['exactly_once']} ({checks['renewal_entries']} entries); "
              f"load {load_start} -> {report['loadavg_end']}")
    return 0 if checks["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
