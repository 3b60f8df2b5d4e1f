"""The ``festival`` command, run for real in subprocesses.

A first run goes through a fresh SQLite file (and, with ``FESTIVAL_TEST_DB=postgres``, also a fresh
PostgreSQL database that the test creates and drops). Tokens are made by the CLI on the test
database and then used against the in-process app.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import click
import httpx
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

    # On PostgreSQL the demo refuses to run without --force (it looks like production).
    force = ("--force",) if env["DATABASE_URL"].startswith("postgres") else ()
    demo = await festival("demo", *force, env=env, cwd=cwd)
    assert demo.returncode == 0, outcome(demo)
    assert "demo data loaded" in demo.stdout
    assert "organiser@demo.festival.example" in demo.stdout
    demo_again = await festival("demo", *force, env=env, cwd=cwd)
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
    # --force: on PostgreSQL the demo refuses without it (see test_demo_refuses_what_looks_like_production).
    commands = [("demo", "--force"), ("token", "list"), ("serve", "--port", str(free_port()))]
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


# ---------------------------------------------------------------------------------------------
# well-formed but wrong values: one stderr line naming the variable, exit 1 or 2, no traceback


def assert_one_line_naming(result: Any, variable: str, *, hidden: str = "hunter2") -> str:
    assert result.returncode != 0, outcome(result)
    line = one_line_error(result)
    assert line.startswith("festival: ") and variable in line, outcome(result)
    assert hidden not in result.stdout + result.stderr, "a password never reaches the terminal"
    assert "Uvicorn running" not in result.stdout + result.stderr, "nothing is served"
    return line


async def test_unreachable_redis_stops_serve_and_worker_in_one_line(engine: Any, tmp_path: Path) -> None:
    redis_port = free_port()  # nothing listens there
    env = {**env_for_test_database(tmp_path), "REDIS_URL": f"redis://:hunter2@127.0.0.1:{redis_port}/0"}
    commands = [("serve", "--port", str(free_port())), ("worker",)]
    results = await festival_all(commands, env=env, cwd=tmp_path, timeout_s=30)
    for command, result in zip(commands, results, strict=True):
        line = assert_one_line_naming(result, "REDIS_URL")
        assert result.returncode == 1, f"festival {command[0]}: {outcome(result)}"
        assert line.startswith(f"festival: REDIS_URL: cannot reach Redis at 127.0.0.1:{redis_port} ("), line


def unusable_settings(tmp_path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Case name: (the variable the one line must name, the environment)."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return {
        "PostgreSQL port closed": (
            "DATABASE_URL",
            {
                "DATABASE_URL": f"postgres://festival:hunter2@127.0.0.1:{free_port()}/festival",
                "SECRET_KEY": PG_SECRET_KEY,
                "FESTIVAL_STATE_DIR": str(tmp_path / "state"),
            },
        ),
        "SQLite path is a folder": (
            "DATABASE_URL",
            {"DATABASE_URL": f"sqlite:///{tmp_path}", "FESTIVAL_STATE_DIR": str(tmp_path / "state")},
        ),
        "SQLite folder cannot be made": (
            "DATABASE_URL",
            {"DATABASE_URL": f"sqlite:///{a_file}/festival.sqlite3", "FESTIVAL_STATE_DIR": str(tmp_path / "state")},
        ),
        "state folder under /proc": ("FESTIVAL_STATE_DIR", {"FESTIVAL_STATE_DIR": "/proc/festival"}),
        "state folder is a file": ("FESTIVAL_STATE_DIR", {"FESTIVAL_STATE_DIR": str(a_file)}),
    }


async def test_unusable_database_or_state_folder_in_one_line(tmp_path: Path) -> None:
    """Piccolo's own coloured warnings about the database are silenced: our line is the only one."""
    cases = unusable_settings(tmp_path)
    commands = [("migrate",), ("serve", "--port", str(free_port())), ("token", "list"), ("demo", "--force")]
    runs = [(case, command) for case in cases for command in commands]
    results = []
    for case in cases:  # the commands of one case side by side; cases one after another
        env = clean_env(**cases[case][1])
        results += await festival_all(commands, env=env, cwd=tmp_path, timeout_s=30)
    problems = []
    for (case, command), result in zip(runs, results, strict=True):
        variable = cases[case][0]
        try:
            assert_one_line_naming(result, variable)
        except AssertionError as exc:
            problems.append(f"{case}: festival {' '.join(command)}: {exc}")
    assert not problems, "\n\n".join(problems)
    assert not sqlite_files(tmp_path / "state"), "nothing is created for a set-up that cannot work"


async def test_missing_postgres_database_in_one_line(tmp_path: Path) -> None:
    """A database name that does not exist on a server that answers: the line names it, not the password.

    It needs the PostgreSQL server, not the test database, so it runs in the SQLite pass too.
    """
    import asyncpg

    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {POSTGRES_ADMIN_URL} ({exc})")
    await admin.close()
    parts = urlsplit(POSTGRES_ADMIN_URL)
    secret = parts.password or "hunter2"  # a trusting server ignores a password it does not ask for
    netloc = f"{parts.username}:{secret}@{parts.hostname}:{parts.port or 5432}"
    missing = f"festival_missing_{secrets.token_hex(4)}"
    url = urlunsplit(("postgres", netloc, f"/{missing}", parts.query, ""))
    env = clean_env(DATABASE_URL=url, SECRET_KEY=PG_SECRET_KEY, FESTIVAL_STATE_DIR=str(tmp_path))
    commands = [
        ("migrate",),
        ("serve", "--port", str(free_port())),
        ("user", "add", "--email", "a@b.org", "--superuser"),
    ]
    results = await festival_all(commands, env=env, cwd=tmp_path, timeout_s=30)
    for result in results:
        line = assert_one_line_naming(result, "DATABASE_URL", hidden=secret)
        assert result.returncode == 1, outcome(result)
        assert f'database "{missing}" does not exist' in line, line
        assert f"{parts.username}@{parts.hostname}:{parts.port or 5432}/{missing}" in line, line


# ---------------------------------------------------------------------------------------------
# user add: all or nothing, and honest about what it did


async def test_user_add_is_all_or_nothing_and_honest(demo: Any, tmp_path: Path) -> None:
    from piccolo.apps.user.tables import BaseUser

    from festival.demo import DEMO_PASSWORD

    env = env_for_test_database(tmp_path)
    newcomer = "newcomer@example.org"

    async def signs_in(email: str, password: str) -> bool:
        return await BaseUser.login(email, password) is not None

    async def flags(email: str) -> dict[str, Any] | None:
        row: dict[str, Any] | None = (
            await BaseUser.select(BaseUser.superuser, BaseUser.admin).where(BaseUser.username == email).first()
        )
        return row

    # An unknown edition creates nothing, so a re-run is a first run with the password given then.
    add = ("user", "add", "--email", newcomer, "--role", "organiser")
    unknown = await festival(*add, "--edition", "nope", "--password", "first-password", env=env, cwd=tmp_path)
    assert unknown.returncode == 1, outcome(unknown)
    assert "nope" in one_line_error(unknown)
    assert not await BaseUser.exists().where(BaseUser.username == newcomer), "no account without its role"
    created = await festival(*add, "--edition", "hsf-2027", "--password", "second-password", env=env, cwd=tmp_path)
    assert created.returncode == 0, outcome(created)
    assert "account created" in created.stdout and "organiser in hsf-2027" in created.stdout
    assert await signs_in(newcomer, "second-password")

    # A password for an existing account is refused, not ignored; --reset-password sets it.
    gate_add = ("user", "add", "--email", GATE, "--role", "gate", "--edition", "hsf-2027")
    refused = await festival(*gate_add, "--password", "a-new-password", env=env, cwd=tmp_path)
    assert refused.returncode == 1, outcome(refused)
    assert "--reset-password" in one_line_error(refused)
    assert await signs_in(GATE, DEMO_PASSWORD), "nothing changed"
    reset = await festival(*gate_add, "--password", "a-new-password", "--reset-password", env=env, cwd=tmp_path)
    assert reset.returncode == 0, outcome(reset)
    assert "password reset" in reset.stdout and "(already held)" in reset.stdout
    assert await signs_in(GATE, "a-new-password")
    assert not await signs_in(GATE, DEMO_PASSWORD)
    too_short = await festival(
        "user", "add", "--email", GATE, "--reset-password", "--password", "short", env=env, cwd=tmp_path
    )
    assert too_short.returncode == 1, outcome(too_short)
    assert "10" in one_line_error(too_short)
    assert await signs_in(GATE, "a-new-password"), "a refused password changes nothing"

    # --superuser on an existing account makes it one, and says so.
    assert await flags(GATE) == {"superuser": False, "admin": False}
    promoted = await festival("user", "add", "--email", GATE, "--superuser", env=env, cwd=tmp_path)
    assert promoted.returncode == 0, outcome(promoted)
    assert "now a superuser" in promoted.stdout
    assert await flags(GATE) == {"superuser": True, "admin": True}
    unchanged = await festival("user", "add", "--email", GATE, "--superuser", env=env, cwd=tmp_path)
    assert unchanged.returncode == 0, outcome(unchanged)
    assert "already a superuser" in unchanged.stdout


# ---------------------------------------------------------------------------------------------
# demo: never on what looks like production, unless --force


async def test_demo_refuses_what_looks_like_production(tmp_path: Path) -> None:
    postgres = clean_env(
        DATABASE_URL=f"postgres://festival:hunter2@127.0.0.1:{free_port()}/festival",
        SECRET_KEY=PG_SECRET_KEY,
        FESTIVAL_STATE_DIR=str(tmp_path / "pg"),
    )
    https = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'https' / 'festival.sqlite3'}",
        PUBLIC_URL="https://festival.example.org",
        FESTIVAL_STATE_DIR=str(tmp_path / "https"),
    )
    on_postgres, on_https, help_text = [
        await festival(*command, env=env, cwd=tmp_path)
        for command, env in ((("demo",), postgres), (("demo",), https), (("demo", "--help"), https))
    ]
    for result, reason in ((on_postgres, "DATABASE_URL"), (on_https, "PUBLIC_URL")):
        assert result.returncode == 2, outcome(result)
        line = one_line_error(result)
        assert reason in line and "--force" in line, line
    assert not sqlite_files(tmp_path), "refused before opening the database"
    assert "--force" in help_text.stdout and "PostgreSQL" in squash(help_text.stdout)

    migrated = await festival("migrate", env=https, cwd=tmp_path)
    assert migrated.returncode == 0, outcome(migrated)
    forced = await festival("demo", "--force", env=https, cwd=tmp_path)
    assert forced.returncode == 0, outcome(forced)
    assert "demo data loaded" in forced.stdout


# ---------------------------------------------------------------------------------------------
# serve --proxy-headers: only the configured proxies may set the client address


def test_serve_passes_exactly_the_trusted_proxies_to_uvicorn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from festival import cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli, "_run_with_db", lambda settings, work: False)  # no database needed here
    env = {"FESTIVAL_STATE_DIR": str(tmp_path), "FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.0.2.7"}
    cases: list[tuple[tuple[str, ...], list[str] | None]] = [
        ((), None),
        (("--proxy-headers",), ["10.0.0.0/8", "192.0.2.7"]),
        (("--proxy-headers", "--forwarded-allow-ips", "172.16.0.0/12,::1"), ["172.16.0.0/12", "::1"]),
    ]
    for args, expected in cases:
        calls.clear()
        result = CliRunner().invoke(main, ["serve", *args], env=env)
        assert result.exit_code == 0, result.output
        (call,) = calls
        assert call["proxy_headers"] is (expected is not None)
        assert call["forwarded_allow_ips"] == expected, args

    for bad in ("*", "10.0.0.1/8", "proxy.internal", ""):
        result = CliRunner().invoke(main, ["serve", "--proxy-headers", "--forwarded-allow-ips", bad], env=env)
        assert result.exit_code == 2, f"{bad!r}: {result.output}"
        assert "--forwarded-allow-ips" in result.output
    alone = CliRunner().invoke(main, ["serve", "--forwarded-allow-ips", "10.0.0.0/8"], env=env)
    assert alone.exit_code == 2 and "--proxy-headers" in alone.output


@contextlib.asynccontextmanager
async def serving(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> AsyncIterator[str]:
    """``festival serve *args`` on a free port until the block ends; yields its base URL once /health is 200."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = cwd / "serve.log"
    with log_path.open("wb") as log:
        process = await anyio.open_process(
            [*festival_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**env, "PUBLIC_URL": base_url},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole below
        )
    try:
        healthy = False
        async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
            with anyio.move_on_after(COMMAND_TIMEOUT_S / 2):
                while process.returncode is None and not healthy:
                    with contextlib.suppress(httpx.HTTPError):  # not listening yet
                        healthy = (await client.get("/health")).status_code == 200
                    await anyio.sleep(0 if healthy else 0.1)
        if not healthy:
            pytest.fail(f"festival serve did not become healthy; its log:\n{log_path.read_text(errors='replace')}")
        yield base_url
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            with anyio.move_on_after(10):
                await process.wait()
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


async def test_forged_forwarded_for_does_not_avoid_the_sign_in_limit(engine: Any, tmp_path: Path) -> None:
    """The peer (127.0.0.1) is a trusted proxy, so uvicorn takes the right-most untrusted X-Forwarded-For entry.

    A client that puts a new address in front of the list each time is still the same client.
    """
    env = {**env_for_test_database(tmp_path), "LOGIN_ATTEMPTS_PER_MINUTE": "3", "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    attempt = {"email": "nobody@example.org", "password": "not-the-password"}
    async with (
        serving(("--proxy-headers",), env, tmp_path) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        statuses = []
        for n in range(1, 6):
            forged = {"x-forwarded-for": f"198.51.100.{n}, 203.0.113.7"}
            statuses.append((await client.post("/api/v1/auth/login", json=attempt, headers=forged)).status_code)
        assert statuses == [401, 401, 401, 429, 429], statuses
        # Another client behind the same proxy (another right-most entry) has its own allowance.
        other = await client.post("/api/v1/auth/login", json=attempt, headers={"x-forwarded-for": "203.0.113.8"})
        assert other.status_code == 401, other.text
        health = await client.get("/health", headers={"x-forwarded-for": "198.51.100.99, 203.0.113.7"})
        assert health.status_code == 200, health.text
        live = await client.get("/health/live")
        assert live.status_code == 200 and live.json() == {"status": "alive"}
