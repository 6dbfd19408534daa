"""Chat fan-out benchmark: many concurrent customer WebSockets against a real server.

What happens:

1. a fresh database (PostgreSQL by default, ``--db sqlite`` for a temp file) is
   migrated with ``helpline.store.migrate.upgrade`` and seeded by
   ``python -m helpline.cli demo --no-serve``;
2. ``python -m helpline.cli serve --port P`` runs in a subprocess (uvicorn, one
   process, HELPLINE_DEMO=1) on 127.0.0.1;
3. N chats are created with ``POST /api/v1/chats`` (topic mobile, language ru;
   httpx, limited concurrency); no operator is logged in, so they stay queued;
4. N sockets open ``/ws/chat/{contact_id}?token=...`` (the ``websockets`` library)
   and send ``{"type": "hello", "last_seq": 0}``; the first frame back ends the
   handshake;
5. the sockets idle for a while, and the server's CPU use in that window is recorded;
6. rounds: every client sends one ``{"type": "message", "client_msg_id", "body"}``,
   the sends spread evenly (random order) over ``--stagger`` seconds, and waits for the
   server's ``{"type": "message", "client_msg_id": same}`` broadcast on its own socket
   (stored, committed, published on the notifier, fanned out). Latency is
   send -> that frame. Then one burst round: all clients send at once.

Baseline: a bare echo server (``websockets.serve`` echoing each frame; uvloop if
installed, like uvicorn) in a subprocess on another port, with the same clients,
handshake, rounds and burst. The client runs on uvloop when it is installed.

Usage: python bench/chat_fanout.py [--quick] [--db postgres|sqlite] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import (
    RUN_DATE,
    Table,
    emit_json,
    fresh_database,
    pg_unavailable_reason,
    raise_open_files,
    ratio,
    summary_ms,
)
from websockets.asyncio.client import ClientConnection, connect

TARGET_P99_MS = 50.0
HOST = "127.0.0.1"


@dataclass
class Size:
    clients: int
    rounds: int
    stagger: float  # seconds over which one round's sends are spread
    idle: float  # seconds of idle sockets before the rounds (server CPU is sampled)


FULL = Size(clients=1000, rounds=5, stagger=2.0, idle=10.0)
QUICK = Size(clients=100, rounds=2, stagger=1.0, idle=2.0)
MESSAGE_TIMEOUT = 30.0
OPEN_CONCURRENCY = 50
CREATE_CONCURRENCY = 16


# -- processes --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (uvicorn workers)
    on Linux (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    total += cpu_seconds(int(child))
    return total


def postgres_cpu_seconds() -> float:
    """CPU time of all processes named postgres, including their exited children
    (backends that ended are reaped by the postmaster). 0 if none is visible."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            name, _, rest = (entry / "stat").read_text().partition(") ")
            if name.endswith("(postgres"):
                fields = rest.split()
                total += sum(int(x) for x in fields[11:15]) / tick
    return total


def machine_busy_seconds() -> float:
    """Busy CPU time of the whole machine (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Server:
    """A subprocess serving on 127.0.0.1:port; output goes to a log file."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="helpline_bench_", suffix=".log",  # noqa: SIM115
                                               delete=False)
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return
            time.sleep(0.1)
        raise RuntimeError(f"server did not listen on {self.port}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


# -- the bare echo baseline (runs in its own process) -----------------------------------
def run_echo_server(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def echo(ws: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                await ws.send(frame)

    async def main() -> None:
        async with serve(echo, HOST, port, ping_interval=None, backlog=2048) as server:
            await server.serve_forever()

    _run(main())


def _run(coro: Awaitable[Any]) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


# -- clients ----------------------------------------------------------------------------
@dataclass
class Client:
    ws: ClientConnection
    pending: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    first: asyncio.Future[float] | None = None
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.perf_counter()
                if self.first is not None and not self.first.done():
                    self.first.set_result(now)
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    future = self.pending.pop(frame.get("client_msg_id"), None)
                    if future is not None and not future.done():
                        future.set_result(now)


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # no broadcast within MESSAGE_TIMEOUT
    late: list[asyncio.Future[float]] = field(default_factory=list)  # of those, came later
    seconds: float = 0.0  # wall time of the rounds
    sent_at: list[float] = field(default_factory=list)  # perf_counter of each delivered send

    def slow_episodes(self, limit_s: float = 0.05, gap_s: float = 0.25) -> list[dict[str, Any]]:
        """Messages slower than ``limit_s`` grouped into episodes (sends less than
        ``gap_s`` apart): one stall shows as one episode with many messages, a steady
        tail as many small ones. Times are seconds from the first send."""
        if not self.sent_at:
            return []
        origin = min(self.sent_at)
        slow = sorted((t - origin, lat) for t, lat in zip(self.sent_at, self.latencies,
                                                           strict=True) if lat > limit_s)
        episodes: list[dict[str, Any]] = []
        for at, lat in slow:
            if episodes and at - episodes[-1]["last_send_s"] < gap_s:
                e = episodes[-1]
                e["messages"] += 1
                e["last_send_s"] = round(at, 3)
                e["worst_ms"] = max(e["worst_ms"], round(1000 * lat, 1))
            else:
                episodes.append({"first_send_s": round(at, 3), "last_send_s": round(at, 3),
                                 "messages": 1, "worst_ms": round(1000 * lat, 1)})
        return episodes

    def result(self) -> dict[str, Any]:
        sent = len(self.latencies) + self.lost
        late = sum(1 for f in self.late if f.done() and not f.cancelled())
        return {"sent": sent, "delivered": len(self.latencies), "lost": self.lost,
                "arrived_after_timeout": late,
                "seconds": round(self.seconds, 3),
                "messages_per_s": round(len(self.latencies) / self.seconds, 1)
                if self.seconds else 0.0,
                **summary_ms(self.latencies)}


async def open_clients(urls: list[str]) -> list[Client]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def one(url: str) -> Client:
        async with gate:
            ws = await connect(url, ping_interval=None, open_timeout=60, close_timeout=2,
                               max_queue=64)
            client = Client(ws, first=loop.create_future())
            client.reader = asyncio.create_task(client.read())
            await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
            assert client.first is not None
            await asyncio.wait_for(client.first, 60)
            return client

    return list(await asyncio.gather(*(one(u) for u in urls)))


async def close_clients(clients: list[Client]) -> None:
    async def one(client: Client) -> None:
        with contextlib.suppress(Exception):
            await client.ws.close()
        if client.reader is not None:
            client.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await client.reader

    await asyncio.gather(*(one(c) for c in clients))


async def send_round(clients: list[Client], stagger: float, seed: int, phase: Phase) -> None:
    loop = asyncio.get_running_loop()
    order = list(range(len(clients)))
    random.Random(seed).shuffle(order)
    offsets = [0.0] * len(clients)
    for rank, index in enumerate(order):
        offsets[index] = stagger * rank / len(clients)
    start = loop.time() + 0.05

    async def one(client: Client, offset: float) -> None:
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        msg_id = uuid.uuid4().hex
        future: asyncio.Future[float] = loop.create_future()
        client.pending[msg_id] = future
        sent = time.perf_counter()
        await client.ws.send(json.dumps({"type": "message", "client_msg_id": msg_id,
                                         "body": f"benchmark message {msg_id[:8]}"}))
        try:
            received = await asyncio.wait_for(asyncio.shield(future), MESSAGE_TIMEOUT)
        except TimeoutError:
            phase.lost += 1  # left pending: the end of the run counts late arrivals
            phase.late.append(future)
            return
        phase.latencies.append(received - sent)
        phase.sent_at.append(sent)

    began = time.perf_counter()
    await asyncio.gather(*(one(c, o) for c, o in zip(clients, offsets, strict=True)))
    phase.seconds += time.perf_counter() - began


async def drive(urls: list[str], size: Size, server_pid: int) -> dict[str, Any]:
    """Open the sockets, idle, run the staggered rounds and the burst; measure."""
    began = time.perf_counter()
    clients = await open_clients(urls)
    opened_s = time.perf_counter() - began
    try:
        cpu0 = cpu_seconds(server_pid)
        await asyncio.sleep(size.idle)
        idle_cpu = (cpu_seconds(server_pid) - cpu0) / size.idle
        rounds, burst = Phase(), Phase()
        cpu0, client_cpu0 = cpu_seconds(server_pid), time.process_time()
        db_cpu0, machine0 = postgres_cpu_seconds(), machine_busy_seconds()
        for r in range(size.rounds):
            await send_round(clients, size.stagger, seed=r, phase=rounds)
        cpu_rounds = cpu_seconds(server_pid) - cpu0
        client_cpu = time.process_time() - client_cpu0
        db_cpu = postgres_cpu_seconds() - db_cpu0
        machine_cpu = machine_busy_seconds() - machine0
        await asyncio.sleep(0.5)
        await send_round(clients, 0.0, seed=999, phase=burst)
        if rounds.lost or burst.lost:
            await asyncio.sleep(MESSAGE_TIMEOUT)  # let late broadcasts arrive
    finally:
        await close_clients(clients)
    return {
        "open_seconds": round(opened_s, 2),
        "idle_server_cpu": round(idle_cpu, 3),  # cores busy while sockets idle
        "rounds": rounds.result(),
        "rounds_server_cpu": round(cpu_rounds / rounds.seconds, 3) if rounds.seconds else 0,
        "rounds_client_cpu": round(client_cpu / rounds.seconds, 3) if rounds.seconds else 0,
        # every PostgreSQL process (backends, WAL writer...), and the whole machine
        "rounds_postgres_cpu": round(db_cpu / rounds.seconds, 3) if rounds.seconds else 0,
        "rounds_machine_cpu": round(machine_cpu / rounds.seconds, 3) if rounds.seconds else 0,
        # server CPU per delivered message during the rounds (robust to a busy machine)
        "server_cpu_ms_per_message": round(1000 * cpu_rounds / len(rounds.latencies), 3)
        if rounds.latencies else 0,
        "burst": burst.result(),
        # where the rounds' messages slower than 50 ms came from (stalls vs steady tail)
        "rounds_slow_episodes": rounds.slow_episodes(),
    }


# -- the two servers --------------------------------------------------------------------
async def create_chats(base: str, count: int) -> tuple[list[tuple[str, str]], float]:
    gate = asyncio.Semaphore(CREATE_CONCURRENCY)
    limits = httpx.Limits(max_connections=CREATE_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120,
                                 trust_env=False) as http:

        async def one(i: int) -> tuple[str, str]:
            async with gate:
                reply = await http.post("/api/v1/chats", json={
                    "name": f"Клиент {i}", "phone": f"+7999{i:07d}", "topic": "mobile",
                    "language": "ru"})
                reply.raise_for_status()
                body = reply.json()
                return body["contact_id"], body["token"]

        began = time.perf_counter()
        chats = list(await asyncio.gather(*(one(i) for i in range(count))))
        return chats, time.perf_counter() - began


def bench_helpline(kind: str, size: Size, workers: int = 1) -> dict[str, Any]:
    python = sys.executable
    with fresh_database(kind) as url:
        env = {**os.environ, "HELPLINE_DATABASE_URL": url, "HELPLINE_DEMO": "1"}
        seeded = subprocess.run([python, "-m", "helpline.cli", "demo", "--no-serve"], env=env,
                                capture_output=True, text=True, check=False)
        if seeded.returncode:
            raise RuntimeError(f"demo seeding failed:\n{seeded.stdout}\n{seeded.stderr}")
        port = free_port()
        server = Server([python, "-m", "helpline.cli", "serve", "--host", HOST, "--port",
                         str(port), "--log-level", "warning", "--workers", str(workers)],
                        port, env)
        try:
            server.wait_listening()
            base = f"http://{HOST}:{port}"
            chats, create_s = _run(create_chats(base, size.clients))
            urls = [f"ws://{HOST}:{port}/ws/chat/{cid}?token={token}" for cid, token in chats]
            result = _run(drive(urls, size, server.pid))
            result["create_chats_per_s"] = round(len(chats) / create_s, 1)
            if server.proc.poll() is not None:
                raise RuntimeError(f"server died:\n{server.tail()}")
        except Exception:
            print(server.tail(), file=sys.stderr)
            raise
        finally:
            server.stop()
    return result


def bench_echo(size: Size) -> dict[str, Any]:
    port = free_port()
    server = Server([sys.executable, str(Path(__file__).resolve()), "--echo-server",
                     str(port)], port)
    try:
        server.wait_listening()
        urls = [f"ws://{HOST}:{port}/ws/chat/{i}" for i in range(size.clients)]
        return dict(_run(drive(urls, size, server.pid)))
    finally:
        server.stop()


# -- report -----------------------------------------------------------------------------
def render(report: dict[str, Any]) -> str:
    cfg = report["config"]
    table = Table(["phase", "server", "delivered", "lost", "msg/s", "p50 ms", "p99 ms",
                   "max ms", "x echo (p99)", "x echo (msg/s)"], [])
    for phase in ("rounds", "burst"):
        for name in ("helpline", "echo"):
            r = report["results"][name][phase]
            is_h = name == "helpline"
            table.rows.append([
                phase, name, r["delivered"], r["lost"], r["messages_per_s"], r["p50_ms"],
                r["p99_ms"], r["max_ms"],
                report["ratios"][f"{phase}_p99"] if is_h else 1.0,
                report["ratios"][f"{phase}_rate"] if is_h else 1.0,
            ])
    h, e = report["results"]["helpline"], report["results"]["echo"]
    p99 = h["rounds"]["p99_ms"]
    lines = [
        f"chat fan-out benchmark ({'quick' if report['quick'] else 'full'}; {report['db']}; "
        f"{cfg['clients']} sockets; {cfg['rounds']} rounds spread over {cfg['stagger_s']} s "
        "each, then one burst)",
        table.render(),
        f"server CPU (cores): idle sockets helpline {h['idle_server_cpu']} / echo "
        f"{e['idle_server_cpu']}; during rounds helpline {h['rounds_server_cpu']} / echo "
        f"{e['rounds_server_cpu']}; client {h['rounds_client_cpu']} / {e['rounds_client_cpu']}"
        f"; PostgreSQL {h['rounds_postgres_cpu']}; whole machine {h['rounds_machine_cpu']} / "
        f"{e['rounds_machine_cpu']} of {report['machine']['cpus']}",
        f"server CPU per message: helpline {h['server_cpu_ms_per_message']} ms / echo "
        f"{e['server_cpu_ms_per_message']} ms (x{report['ratios']['cpu_per_message']})",
        "messages over 50 ms in the rounds, by episode (first send s, messages, worst ms): "
        + (", ".join(f"{x['first_send_s']} s/{x['messages']}/{x['worst_ms']}"
                     for x in h["rounds_slow_episodes"][:8]) or "none")
        + (f" ... {len(h['rounds_slow_episodes'])} episodes"
           if len(h["rounds_slow_episodes"]) > 8 else ""),
        f"setup: {h['create_chats_per_s']} chats/s created, sockets opened in "
        f"{h['open_seconds']} s (echo {e['open_seconds']} s)",
        f"target p99 < {TARGET_P99_MS:.0f} ms (staggered rounds): {p99} ms -> "
        f"{'met' if report['target_met'] else 'NOT met'}"
        + (" (quick run: the target is for 1,000 sockets)" if report["quick"] else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (CI smoke, < 60 s)")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--clients", type=int, help="override the number of sockets")
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument("--stagger", type=float, help="override the seconds a round is spread over")
    parser.add_argument("--workers", type=int, default=1,
                        help="helpline serve --workers (PostgreSQL only; as app servers)")
    parser.add_argument("--echo-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.echo_server:
        raise_open_files(65536)
        run_echo_server(args.echo_server)
        return 0
    size = QUICK if args.quick else FULL
    if args.clients:
        size = dataclasses.replace(size, clients=args.clients)
    if args.rounds:
        size = dataclasses.replace(size, rounds=args.rounds)
    if args.stagger is not None:
        size = dataclasses.replace(size, stagger=args.stagger)
    if args.db == "postgres":
        reason = pg_unavailable_reason()
        if reason:
            print(f"skipping: {reason} (use --db sqlite)", file=sys.stderr)
            if args.json:
                emit_json({"benchmark": "chat_fanout", "skipped": reason})
            return 0
    nofile = raise_open_files(4 * size.clients + 1024)  # inherited by the servers
    load_start = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    if not args.json:
        print(f"echo baseline with {size.clients} sockets ...", file=sys.stderr)
    echo = bench_echo(size)
    if not args.json:
        print(f"helpline on {args.db} with {size.clients} sockets ...", file=sys.stderr)
    if args.workers > 1 and args.db != "postgres":
        parser.error("--workers > 1 needs PostgreSQL (SQLite serves one process)")
    helpline = bench_helpline(args.db, size, args.workers)
    report: dict[str, Any] = {
        "benchmark": "chat_fanout", "date": RUN_DATE, "quick": args.quick, "db": args.db,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "nofile": nofile, "loadavg_start": load_start,
                    "loadavg_end": [round(x, 2) for x in os.getloadavg()]},
        "config": {"clients": size.clients, "rounds": size.rounds, "stagger_s": size.stagger,
                   "idle_s": size.idle, "message_timeout_s": MESSAGE_TIMEOUT,
                   "server_workers": args.workers},
        "results": {"helpline": helpline, "echo": echo},
        "ratios": {
            "rounds_p50": ratio(helpline["rounds"]["p50_ms"], echo["rounds"]["p50_ms"]),
            "rounds_p99": ratio(helpline["rounds"]["p99_ms"], echo["rounds"]["p99_ms"]),
            "rounds_rate": ratio(helpline["rounds"]["messages_per_s"],
                                 echo["rounds"]["messages_per_s"]),
            "burst_p99": ratio(helpline["burst"]["p99_ms"], echo["burst"]["p99_ms"]),
            "burst_rate": ratio(helpline["burst"]["messages_per_s"],
                                echo["burst"]["messages_per_s"]),
            "cpu_per_message": ratio(helpline["server_cpu_ms_per_message"],
                                     echo["server_cpu_ms_per_message"]),
        },
        "target_p99_ms": TARGET_P99_MS,
        "target_met": helpline["rounds"]["p99_ms"] < TARGET_P99_MS
        and helpline["rounds"]["lost"] == 0,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        emit_json(report)
    else:
        print(render(report))
        print(f"(wall time {report['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
