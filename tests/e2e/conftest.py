"""Browser end-to-end fixtures: a real ``helpline serve`` process on a demo database
and Debian's chromium driven through Playwright (never ``playwright install``).

The demo database is seeded once per run (``helpline demo --no-serve``) and copied for
each test, so every test starts from the same data on a server of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo12345"
STARTUP_SECONDS = 20.0

expect.set_options(timeout=10_000)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli() -> list[str]:
    return [sys.executable, "-m", "helpline.cli"]


class Server:
    """One ``helpline serve`` subprocess that can be killed and restarted on the same
    port and database."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(HELPLINE_DATABASE_URL=self.database_url, HELPLINE_DEMO="1",
                   HELPLINE_TICK_SECONDS="0.5", HELPLINE_REALTIME="auto")
        env.pop("HELPLINE_SECRET_KEY", None)  # the demo key: cookies survive restarts
        return env

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.starts += 1
        log = (self.workdir / f"server-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [*_cli(), "serve", "--port", str(self.port), "--log-level", "info"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"helpline serve exited with {self.proc.returncode}:\n"
                                   + self.logs())
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError("helpline serve did not answer /healthz:\n" + self.logs())

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, sockets drop as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.workdir.glob("server-*.log")))


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded demo SQLite database, built once per run."""
    path = tmp_path_factory.mktemp("e2e-template") / "e2e.db"
    env = dict(os.environ, HELPLINE_DATABASE_URL=f"sqlite:///{path}")
    done = subprocess.run([*_cli(), "demo", "--no-serve"], env=env, capture_output=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError("helpline demo --no-serve failed:\n"
                           + done.stdout.decode(errors="replace")
                           + done.stderr.decode(errors="replace"))
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """Attach the server's log to failed e2e tests."""
    report = yield
    srv = getattr(item, "_helpline_server", None)
    if report.failed and isinstance(srv, Server):
        report.sections.append(("helpline serve log", srv.logs()[-20_000:]))
    return report


@pytest.fixture
def server(demo_db_template: Path, tmp_path: Path,
           request: pytest.FixtureRequest) -> Iterator[Server]:
    """A running server on a private copy of the demo database."""
    db = tmp_path / "e2e.db"
    shutil.copyfile(demo_db_template, db)
    srv = Server(f"sqlite:///{db}", tmp_path)
    request.node._helpline_server = srv
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (never run "
                    "`playwright install` here)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_context(browser: Browser, server: Server) -> Iterator[Callable[[], BrowserContext]]:
    """Factory for isolated browser contexts (one per person) on the test's server."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=server.base_url, locale="ru-RU")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _login(context: BrowserContext, username: str, password: str = DEMO_PASSWORD) -> Page:
    """Sign in through the login form; returns the page where the app lands."""
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#login-submit")
    return page


@pytest.fixture
def login() -> Callable[..., Page]:
    """``login(context, "anna")`` signs in through /login and returns the landed page."""
    return _login
