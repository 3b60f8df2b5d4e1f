"""Browser-test harness: the real app served by ``festival serve`` in a subprocess, driven by Chromium.

The server is a separate process on 127.0.0.1 and a free port, pointed at the test database
(``DATABASE_URL`` of the run), so it sees whatever the test loaded (``demo_site`` or ``demo``).
Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright's async API (the tests run in
the anyio event loop, where Playwright's sync API cannot); no browser is ever downloaded.

Test modules import the fixtures they use::

    from tests.browser import chromium_browser, demo_site, live_server  # pytest fixtures
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3

# Variables of the app that a developer's shell may hold; the server gets only what the test gives.
APP_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "DATABASE_POOL_SIZE",
    "SECRET_KEY",
    "PUBLIC_URL",
    "FESTIVAL_STATE_DIR",
    "FESTIVAL_DEBUG",
    "SESSION_TTL_S",
    "LOGIN_ATTEMPTS_PER_MINUTE",
    "CALENDAR_CANCELLED_KEEP_DAYS",
    "CALENDAR_UID_DOMAIN",
    "RESERVATION_TTL_S",
    "MAIL_FROM",
    "FESTIVAL_PASSWORD",
)


def service_missing(what: str) -> None:
    """``conftest.service_missing``: skip locally, fail under ``CI=true``.

    Looked up at call time: importing ``conftest`` statically would make ``mypy --strict`` on this
    module check conftest too (whose asyncpg import has no stubs).
    """
    conftest: Any = importlib.import_module(f"{__package__}.conftest" if __package__ else "conftest")
    conftest.service_missing(what)


def chromium_installed() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def festival_command() -> list[str]:
    """The ``festival`` console script of this virtualenv (or the module, if the script is absent)."""
    script = Path(sys.executable).with_name("festival")
    return [str(script)] if script.exists() else [sys.executable, "-m", "festival.cli"]


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without the app's variables, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update(variables)
    return env


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the server retries if another process takes it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A running ``festival serve``: its base URL and its log (stdout and stderr together)."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def url(self, path: str) -> str:
        return self.base_url + path


def _wait_until_healthy(server: LiveServer, deadline: float) -> bool:
    """True once ``/health`` answers 200; False if the process ends or the deadline passes."""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            if httpx.get(server.url("/health"), timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)


@contextlib.contextmanager
def run_live_server(state_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """Run ``festival serve`` on the test database until the block ends; fail with its log if it does not start.

    ``env`` adds or overrides variables (the defaults are the run's ``DATABASE_URL`` and ``SECRET_KEY``,
    a private ``FESTIVAL_STATE_DIR`` and a ``PUBLIC_URL`` matching the port).
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    log_text = ""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        variables = {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "FESTIVAL_STATE_DIR": str(state_dir),
            "PUBLIC_URL": base_url,
            **(env or {}),
        }
        log_path = state_dir / f"server-{attempt}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [*festival_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=clean_env(**variables),
                cwd=state_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(base_url=base_url, process=process, log_path=log_path)
        try:
            if _wait_until_healthy(server, time.monotonic() + STARTUP_TIMEOUT_S):
                yield server
                return
        finally:
            _stop(process)
        log_text = server.log()
        if "address already in use" not in log_text.lower():
            break
    pytest.fail(f"festival serve did not become healthy within {STARTUP_TIMEOUT_S:.0f}s; its log:\n{log_text}")


@pytest.fixture(scope="module")
def live_server(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module, on the migrated test database (load data with ``demo_site`` or ``demo``)."""
    with run_live_server(tmp_path_factory.mktemp("live-server")) as server:
        yield server


@pytest.fixture(scope="module")
async def demo_site(engine: Any, anyio_backend: str) -> Any:
    """The test database emptied (as the ``db`` fixture does) and the demo data loaded, once per module.

    The function-scoped ``demo`` fixture costs ~3 s a test (seven PBKDF2 password hashes); browser
    tests only read the demo data and each uses its own browser context, so one load serves them all.
    """
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    from festival.demo import load_demo

    for table in reversed(sort_table_classes(Finder().get_table_classes())):
        await engine.run_ddl(f"DELETE FROM {table._meta.tablename}")
    return await load_demo()


@pytest.fixture(scope="module")
async def chromium_browser(anyio_backend: str) -> AsyncIterator[Browser]:
    """Headless Debian Chromium, one per module; skips locally and fails under ``CI=true`` when it is missing."""
    if not chromium_installed():
        service_missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class PageProblems:
    """What went wrong while a page was open: script errors and failed responses (favicon excepted)."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.request.method} {response.url}")

    def on_error(self, error: Exception) -> None:
        self.errors.append(str(error))

    def assert_none(self) -> None:
        assert not self.errors, f"script errors on the page: {self.errors}"
        assert not self.failed, f"failed requests: {self.failed}"


@contextlib.asynccontextmanager
async def open_page(
    browser: Browser, server: LiveServer, *, locale: str = "en-US"
) -> AsyncIterator[tuple[Page, PageProblems]]:
    """A fresh browser context (no cookies) on ``server`` with one page that records its problems."""
    context: BrowserContext = await browser.new_context(
        base_url=server.base_url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    problems = PageProblems()
    page.on("response", problems.on_response)
    page.on("pageerror", problems.on_error)
    try:
        yield page, problems
    finally:
        await context.close()


def artifact_path(name: str) -> Path:
    """Where a test saves a screenshot or similar (``test-artifacts/`` at the repository root, git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
