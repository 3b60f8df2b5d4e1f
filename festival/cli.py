"""The ``festival`` command: serve, migrate, load demo data, run the job worker, manage accounts."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from festival.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"festival: configuration error: {exc}", err=True)
        sys.exit(2)


def _run_with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the database engine of ``settings`` open, reporting domain errors in one line."""
    from festival import database
    from festival.errors import FestivalError

    async def runner() -> T:
        engine = database.build_engine(settings.database)
        database.use_engine(engine)
        async with database.connected(engine, settings.database):
            return await work()

    try:
        return asyncio.run(runner())
    except Exception as exc:
        if database.is_missing_table(exc):
            click.echo("festival: the database has no festival tables yet; run `festival migrate` first", err=True)
            sys.exit(1)
        if isinstance(exc, FestivalError):
            click.echo(f"festival: {exc.message} ({exc.code})", err=True)
            sys.exit(1)
        if isinstance(exc, OSError):
            click.echo(f"festival: cannot reach the database: {exc}", err=True)
            sys.exit(1)
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The festival system: programme, tickets, check-in, logistics and calendar feeds.

    Configure it with environment variables (all optional on a laptop): DATABASE_URL
    (sqlite:///path or postgres://...), REDIS_URL (jobs on arq; absent = in-process),
    SMTP_URL (absent = e-mails written to var/outbox), STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
    SECRET_KEY (generated on first run of the SQLite default) and PUBLIC_URL.

    First run: `festival migrate`, `festival demo`, `festival serve`.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 for all).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web server processes. More than one needs PostgreSQL and REDIS_URL.",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=False,
    show_default=True,
    help="Trust X-Forwarded-* from the proxy in front (production behind a load balancer).",
)
def serve(host: str, port: int, workers: int, proxy_headers: bool) -> None:
    """Serve the web app and API (uvicorn)."""
    import uvicorn

    settings = _settings()
    if workers > 1 and (settings.database.is_sqlite or not settings.redis_url):
        click.echo(
            "festival: --workers > 1 needs DATABASE_URL (PostgreSQL) and REDIS_URL: SQLite and in-process jobs "
            "belong to one process",
            err=True,
        )
        sys.exit(2)
    _print_banner(settings, host, port)
    uvicorn.run(
        "festival.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips="*" if proxy_headers else None,
        log_level="info",
    )


def _print_banner(settings: Settings, host: str, port: int) -> None:
    from festival import demo

    shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - compares, does not bind
    base = f"http://{shown_host}:{port}"
    has_demo = _run_with_db(settings, demo.demo_accounts_present)
    lines = [
        "",
        f"  Festival is starting on {base}/  ({settings.database.kind}, jobs "
        f"{'on arq/Redis' if settings.redis_url else 'in-process'})",
        f"  Programme:  {base}/hsf-2027/   (all editions: {base}/)" if has_demo else f"  Home:       {base}/",
        f"  Admin:      {base}/admin/",
    ]
    if has_demo:
        lines.append(f"              sign in as organiser@{demo.DEMO_DOMAIN} / {demo.DEMO_PASSWORD}")
        lines.append(f"              (every role: `festival demo --accounts`; superuser admin@{demo.DEMO_DOMAIN})")
    lines += [
        f"  API docs:   {base}/schema   (OpenAPI JSON: {base}/schema/openapi.json)",
        f"  Health:     {base}/health",
        "  Stop with Ctrl+C.",
        "",
    ]
    click.echo("\n".join(lines))


@main.command()
def migrate() -> None:
    """Create or update the database tables (safe to run again)."""
    from festival import database

    settings = _settings()
    apps = _run_with_db(settings, database.migrate)
    click.echo(f"festival: database up to date ({settings.database.kind}; apps: {', '.join(apps)})")


@main.command()
@click.option("--accounts", is_flag=True, help="Only list the demo accounts and their roles.")
def demo(accounts: bool) -> None:
    """Load the demo festivals (HSF 2027 in Helsinki, Moi Helsinki 2027 in Beijing) and demo accounts.

    Running it again changes nothing.
    """
    from festival import demo as demo_data

    settings = _settings()
    if not accounts:
        report = _run_with_db(settings, demo_data.load_demo)
        summary = ", ".join(f"{n} {kind}" for kind, n in report.created.items() if n)
        click.echo(f"festival: demo data {'loaded (' + summary + ')' if report.changed else 'already present'}")
    click.echo(f"Demo accounts (password for all: {demo_data.DEMO_PASSWORD}):")
    for account in demo_data.ACCOUNTS:
        roles = ", ".join(f"{role.label} in {ed}" for ed, role in account.roles) or "superuser"
        click.echo(f"  {account.email:<42} {roles}")


@main.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@click.option(
    "--health-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also answer GET /health on this port (for container probes).",
)
def worker(burst: bool, health_port: int | None) -> None:
    """Run the job worker (arq on REDIS_URL): e-mails, webhooks, periodic clean-ups."""
    from festival.jobs.worker import run_worker

    settings = _settings()
    if not settings.redis_url:
        click.echo("festival: the worker needs REDIS_URL; without it the web app runs jobs in-process", err=True)
        sys.exit(2)
    asyncio.run(run_worker(settings, burst=burst, health_port=health_port))


@main.group()
def user() -> None:
    """Accounts and their roles per edition."""


@user.command("add")
@click.option("--email", required=True, help="Sign-in e-mail of the person.")
@click.option(
    "--role",
    type=click.Choice(["organiser", "logistics", "box_office", "gate", "performer"]),
    help="Role to give in --edition.",
)
@click.option("--edition", help="Edition slug, e.g. hsf-2027 (needed with --role).")
@click.option("--name", default="", help="Full name, e.g. 'Aino Virtanen'.")
@click.option("--superuser", is_flag=True, help="Festival administrator: every role in every edition.")
@click.option("--password", envvar="FESTIVAL_PASSWORD", help="Password (else asked; or set FESTIVAL_PASSWORD).")
def user_add(
    email: str, role: str | None, edition: str | None, name: str, superuser: bool, password: str | None
) -> None:
    """Create an account (or reuse an existing one) and give it a role in an edition."""
    from festival.auth import services
    from festival.auth.roles import Role
    from festival.errors import NotFound

    if bool(role) != bool(edition):
        raise click.UsageError("--role and --edition go together")
    if not role and not superuser:
        raise click.UsageError("give --role with --edition, or --superuser")
    settings = _settings()

    async def work() -> str:
        try:
            account = await services.get_user_by_email(email)
            outcome = "existing account"
        except NotFound:
            secret = password or click.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True)
            first, _, last = name.partition(" ")
            account = await services.create_user(email, secret, first_name=first, last_name=last, superuser=superuser)
            outcome = "account created"
        if role and edition:
            granted = await services.grant_role(int(account.id), edition, Role(role))
            outcome += f"; {role} in {edition}" + ("" if granted else " (already held)")
        return outcome

    click.echo(f"festival: {email}: {_run_with_db(settings, work)}")


@main.group()
def token() -> None:
    """Bearer tokens for devices and scripts (gate scanners, box-office tills, integrations)."""


@token.command("add")
@click.option("--user", "user_email", required=True, help="E-mail of the account the token acts as.")
@click.option("--name", required=True, help="Where the token is used, e.g. 'North gate scanner 1'.")
def token_add(user_email: str, name: str) -> None:
    """Create a token and print its secret once (only a hash is stored)."""
    from festival.auth import services

    issued = _run_with_db(_settings(), lambda: services.issue_token(None, user_email, name))
    click.echo(f"Token {issued.prefix}… for {issued.user_email} ({issued.name}). Copy it now, it is not shown again:")
    click.echo(issued.secret)


@token.command("revoke")
@click.argument("token_ref")
def token_revoke(token_ref: str) -> None:
    """Revoke a token by its id or by the prefix shown in `festival token list`."""
    from festival.auth import services

    async def work() -> int:
        if token_ref.isdigit():
            await services.revoke_token(None, int(token_ref))
            return int(token_ref)
        return await services.revoke_token_by_prefix(token_ref.rstrip("…"))

    click.echo(f"festival: token {_run_with_db(_settings(), work)} revoked")


@token.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    from festival.auth import services

    for info in _run_with_db(_settings(), lambda: services.list_tokens(None)):
        state = "revoked" if info.revoked else f"last used {info.last_used_at or 'never'}"
        click.echo(f"{info.id:>4}  {info.prefix}…  {info.user_email:<40} {info.name}  ({state})")


if __name__ == "__main__":  # pragma: no cover
    main()
