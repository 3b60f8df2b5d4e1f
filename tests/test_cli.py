"""The ``festival`` command, run for real in subprocesses.

A first run goes through a fresh SQLite file (and, with ``FESTIVAL_TEST_DB=postgres``, also a fresh
PostgreSQL database that the test creates and drops). Tokens are made by the CLI on the test
database and then used against the in-process app.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import click
import pytest

from festival.cli import main
from tests.browser import clean_env, festival_command, free_port
from tests.conftest import POSTGRES_ADMIN_URL, TEST_DB, service_missing

pytestmark = pytest.mark.anyio

COMMAND_TIMEOUT_S = 60
FRESH_ENGINES = ["sqlite", "postgres"] if TEST_DB == "postgres" else ["sqlite"]
GATE = "gate@demo.festival.example"
PG_SECRET_KEY = "cli-test-secret-key-" + "k" * 32


def run_command(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Any:
    """Run ``command`` in its own process group; on timeout kill the whole group (``serve`` may fork workers)."""
    with subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail(f"{' '.join(command)} still ran after {timeout}s\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


async def festival(*args: str, env: dict[str, str], cwd: Path, timeout_s: float = COMMAND_TIMEOUT_S) -> Any:
    """Run ``festival *args`` in a worker thread (the event loop, and the in-process app, keep running)."""
    return await anyio.to_thread.run_sync(
        functools.partial(run_command, [*festival_command(), *args], env, cwd, timeout_s)
    )


async def festival_all(
    commands: list[tuple[str, ...]], env: dict[str, str], cwd: Path, timeout_s: float = COMMAND_TIMEOUT_S
) -> list[Any]:
    """Run independent ``festival`` commands side by side (each one starts Python: ~0.5 s); results in order."""
    results: list[Any] = [None] * len(commands)

    async def run(index: int) -> None:
        results[index] = await festival(*commands[index], env=env, cwd=cwd, timeout_s=timeout_s)

    async with anyio.create_task_group() as group:
        for index in range(len(commands)):
            group.start_soon(run, index)
    return results


def sqlite_files(folder: Path) -> list[Path]:
    return list(folder.rglob("*.sqlite3"))


def outcome(result: Any) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def one_line_error(result: Any) -> str:
    """The single stderr line of a failed command (no traceback)."""
    assert "Traceback" not in result.stdout + result.stderr, outcome(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, outcome(result)
    return lines[0]


def env_for_test_database(tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at this run's test database (where the ``demo`` fixture loaded data)."""
    return clean_env(
        DATABASE_URL=os.environ["DATABASE_URL"],
        SECRET_KEY=os.environ["SECRET_KEY"],
        FESTIVAL_STATE_DIR=str(tmp_path / "state"),
    )


@pytest.fixture(params=FRESH_ENGINES)
async def fresh_env(
    request: pytest.FixtureRequest, tmp_path: Path, anyio_backend: str
) -> AsyncIterator[dict[str, str]]:
    """Environment for a brand-new, empty database: a SQLite file in tmp_path or a new PostgreSQL database."""
    state = tmp_path / "state"
    if request.param == "sqlite":
        yield clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", FESTIVAL_STATE_DIR=str(state))
        return
    import asyncpg

    name = f"festival_cli_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {POSTGRES_ADMIN_URL} ({exc})")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield clean_env(DATABASE_URL=url, SECRET_KEY=PG_SECRET_KEY, FESTIVAL_STATE_DIR=str(state))
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# ---------------------------------------------------------------------------------------------
# help


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
    return found


def squash(text: str) -> str:
    """Whitespace collapsed, and words that click wrapped at a hyphen ("clean-\\n  ups") joined again."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


async def test_help_explains_every_command(tmp_path: Path) -> None:
    commands = [((), main), *all_commands(main)]
    names = {" ".join(path) for path, _ in commands}
    assert {"serve", "migrate", "demo", "worker", "user add", "token add", "token revoke", "token list"} <= names
    env = clean_env(FESTIVAL_STATE_DIR=str(tmp_path))
    results = await festival_all([(*path, "--help") for path, _ in commands], env=env, cwd=tmp_path)

    for (path, command), result in zip(commands, results, strict=True):
        shown = "festival " + " ".join(path)
        assert result.returncode == 0, f"{shown} --help: {outcome(result)}"
        assert "Usage:" in result.stdout, shown
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        assert summary, f"{shown} has no help text"
        assert squash(summary) in squash(result.stdout), f"{shown} --help does not show its summary"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"{shown} {param.opts[0]} has no help"
    assert not sqlite_files(tmp_path), "--help touches no database"


# ---------------------------------------------------------------------------------------------
# a first run on an empty database


async def test_first_run_on_an_empty_database(fresh_env: dict[str, str], tmp_path: Path) -> None:
    env, cwd = fresh_env, tmp_path

    first = await festival("migrate", env=env, cwd=cwd)
    assert first.returncode == 0, outcome(first)
    assert "database up to date" in first.stdout
    again = await festival("migrate", env=env, cwd=cwd)
    assert again.returncode == 0, outcome(again)
    assert "database up to date" in again.stdout

    demo = await festival("demo", env=env, cwd=cwd)
    assert demo.returncode == 0, outcome(demo)
    assert "demo data loaded" in demo.stdout
    assert "organiser@demo.festival.example" in demo.stdout
    demo_again = await festival("demo", env=env, cwd=cwd)
    assert demo_again.returncode == 0, outcome(demo_again)
    assert "already present" in demo_again.stdout

    add = ("user", "add", "--email", "x@example.org", "--role", "gate", "--edition", "hsf-2027")
    created = await festival(*add, "--password", "long-enough-pw", env=env, cwd=cwd)
    assert created.returncode == 0, outcome(created)
    assert "account created" in created.stdout
    assert "gate in hsf-2027" in created.stdout
    assert "already held" not in created.stdout
    held = await festival(*add, env=env, cwd=cwd)  # existing account: no password needed
    assert held.returncode == 0, outcome(held)
    assert "existing account" in held.stdout
    assert "already held" in held.stdout

    unknown = await festival(
        "user", "add", "--email", "x@example.org", "--role", "gate", "--edition", "no-such-edition", env=env, cwd=cwd
    )
    assert unknown.returncode == 1, outcome(unknown)
    assert "no-such-edition" in one_line_error(unknown)


USAGE_ERRORS = {
    "role without edition": ("--role", "gate"),
    "edition without role": ("--edition", "hsf-2027"),
    "neither": (),
    "unknown role": ("--role", "janitor", "--edition", "hsf-2027"),
}


async def test_user_add_usage_errors(tmp_path: Path) -> None:
    base = ("user", "add", "--email", "x@example.org", "--password", "long-enough-pw")
    results = await festival_all(
        [(*base, *args) for args in USAGE_ERRORS.values()],
        env=clean_env(FESTIVAL_STATE_DIR=str(tmp_path)),
        cwd=tmp_path,
    )
    for case, result in zip(USAGE_ERRORS, results, strict=True):
        assert result.returncode == 2, f"{case}: {outcome(result)}"
        assert "Usage:" in result.stderr, case
        assert "Traceback" not in result.stderr, case
    assert not sqlite_files(tmp_path), "a usage error stops before the database"


async def test_commands_before_migrate_say_what_to_do(fresh_env: dict[str, str], tmp_path: Path) -> None:
    """On a database without tables, a command says to run ``festival migrate`` (one line, no traceback)."""
    commands = [("demo",), ("token", "list"), ("serve", "--port", str(free_port()))]
    results = await festival_all(commands, env=fresh_env, cwd=tmp_path, timeout_s=30)
    problems = []
    for command, result in zip(commands, results, strict=True):
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if (
            result.returncode == 0
            or "Traceback" in result.stderr
            or len(lines) != 1
            or "festival migrate" not in lines[0]
        ):
            problems.append(f"festival {' '.join(command)}: {outcome(result)}")
    assert not problems, "expected one stderr line naming `festival migrate`:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# tokens, on the test database, used against the in-process app


async def test_token_add_authenticates_and_revoke_stops_it(demo: Any, client: Any, tmp_path: Path) -> None:
    env = env_for_test_database(tmp_path)
    added = await festival("token", "add", "--user", GATE, "--name", "North gate", env=env, cwd=tmp_path)
    assert added.returncode == 0, outcome(added)
    secret = added.stdout.strip().splitlines()[-1].strip()
    assert secret.startswith("fst_"), outcome(added)
    prefix = secret[:12]
    assert prefix in added.stdout.splitlines()[0]

    bearer = {"authorization": f"Bearer {secret}"}
    me = await client.get("/api/v1/auth/me", headers=bearer)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == GATE
    assert me.json()["authenticated_by"] == "token"
    assert me.json()["roles"] == {"hsf-2027": ["gate"]}

    listed = await festival("token", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, outcome(listed)
    assert prefix in listed.stdout and "North gate" in listed.stdout
    assert secret not in listed.stdout, "the secret is shown once, never listed"

    revoked = await festival("token", "revoke", prefix, env=env, cwd=tmp_path)
    assert revoked.returncode == 0, outcome(revoked)
    assert "revoked" in revoked.stdout

    me = await client.get("/api/v1/auth/me", headers=bearer)
    assert me.status_code == 401, me.text
    assert me.headers["content-type"].startswith("application/problem+json")

    listed, unknown, nobody = await festival_all(
        [
            ("token", "list"),
            ("token", "revoke", "fst_nosuchtok"),
            ("token", "add", "--user", "nobody@example.org", "--name", "x"),
        ],
        env=env,
        cwd=tmp_path,
    )
    assert "revoked" in listed.stdout, outcome(listed)
    assert unknown.returncode == 1, outcome(unknown)
    assert "fst_nosuchtok" in one_line_error(unknown)
    assert nobody.returncode == 1, outcome(nobody)
    assert "nobody@example.org" in one_line_error(nobody)


# ---------------------------------------------------------------------------------------------
# serve --workers


async def test_serve_workers_refused_on_the_embedded_default(tmp_path: Path) -> None:
    port = free_port()
    result = await festival(
        "serve", "--workers", "2", "--port", str(port), env=clean_env(FESTIVAL_STATE_DIR=str(tmp_path)), cwd=tmp_path
    )
    assert result.returncode == 2, outcome(result)
    message = one_line_error(result)
    assert "--workers" in message and "REDIS_URL" in message
    assert "Uvicorn running" not in result.stdout + result.stderr
    assert not sqlite_files(tmp_path), "it stops before opening the database"


async def test_serve_workers_need_both_postgres_and_redis(tmp_path: Path) -> None:
    """``--workers`` says "More than one needs PostgreSQL and REDIS_URL": each half alone is refused too.

    Both databases here are unusable (a file without tables, a closed port), so a server never starts.
    """
    cases = {
        "sqlite with Redis": {
            "DATABASE_URL": f"sqlite:///{tmp_path}/festival.sqlite3",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
        "PostgreSQL without Redis": {
            "DATABASE_URL": "postgres://festival@127.0.0.1:1/festival",
            "SECRET_KEY": PG_SECRET_KEY,
        },
    }
    results = []
    for variables in cases.values():
        env = clean_env(FESTIVAL_STATE_DIR=str(tmp_path), **variables)
        command = ("serve", "--workers", "2", "--port", str(free_port()))
        results.append(await festival(*command, env=env, cwd=tmp_path, timeout_s=30))
    problems = []
    for case, result in zip(cases, results, strict=True):
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        refused = result.returncode == 2 and len(lines) == 1 and "--workers" in lines[0] and "REDIS_URL" in lines[0]
        if not refused:
            problems.append(f"{case}: {outcome(result)}")
    assert not problems, "expected exit 2 and one line about --workers:\n" + "\n".join(problems)
