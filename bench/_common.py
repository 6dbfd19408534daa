"""Helpers shared by the benchmarks: throwaway databases, percentiles, output.

Every benchmark creates its own database and removes it at the end:

* PostgreSQL: a fresh database ``helpline_bench_<random>`` on the server named by
  ``HELPLINE_BENCH_PG_URL`` (default: the local test server), dropped at the end;
* SQLite: a file in a temporary directory, deleted at the end.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text

from helpline.services.context import ServiceContext
from helpline.store.database import make_engine, make_session_factory
from helpline.store.migrate import upgrade
from helpline.store.tables import QueueRow

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RUN_DATE = "2026-11-22"


def pg_admin_url() -> str:
    return os.environ.get("HELPLINE_BENCH_PG_URL", DEFAULT_PG)


def pg_unavailable_reason() -> str | None:
    """None if the PostgreSQL admin database answers, else why not."""
    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure means "skip PostgreSQL"
        return f"PostgreSQL not reachable at {pg_admin_url()}: {type(error).__name__}"
    return None


@contextmanager
def fresh_database(kind: str, *, migrate: bool = True) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, migrated database; remove it afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="helpline_bench_")
        url = f"sqlite:///{folder}/helpline.db"
        try:
            if migrate:
                _migrate(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"helpline_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url().rsplit("/", 1)[0] + "/" + name
    try:
        if migrate:
            _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def context_for(url: str, *, auto_dispatch: bool = False) -> tuple[Any, ServiceContext]:
    """An engine and a service context on ``url`` (no publisher, real clock)."""
    engine = make_engine(url)
    ctx = ServiceContext(session_factory=make_session_factory(engine),
                         auto_dispatch=auto_dispatch)
    return engine, ctx


def add_mobile_queue(ctx: ServiceContext) -> None:
    """The demo's ``mobile`` queue (see services/demo_data.py), nothing else."""
    with ctx.uow() as uow:
        uow.queues.add(QueueRow(
            id="mobile", name="Mobile", name_ru="Мобильная связь", skill="mobile",
            min_level=30, require_language=True, sl_threshold_seconds={"chat": 30, "call": 180},
            offer_timeout_seconds=20, max_missed_offers=2, redo_after_seconds=60,
            escalation=[{"after_seconds": 60, "min_level": 1},
                        {"after_seconds": 120, "extra_skills": ["expert"]},
                        {"after_seconds": 180, "any_language": True}],
            business_hours=None, aht_seconds=240))
        uow.commit()


def raise_open_files(needed: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``needed`` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return soft
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


# -- statistics and output --------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3) if ms else math.nan,
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else math.nan,
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else math.nan


@dataclass
class Table:
    headers: Sequence[str]
    rows: list[Sequence[Any]]

    def render(self) -> str:
        cells = [[_fmt(c) for c in row] for row in self.rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(self.headers)]
        line = "  ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True))
        out = [line, "  ".join("-" * w for w in widths)]
        for row in cells:
            out.append("  ".join(c.rjust(w) if i else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        return "\n".join(out)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}" if value else "0"
    return str(value)


def emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False, sort_keys=False))
