"""The ``festival`` command: serve, migrate, load demo data, run the job worker, manage accounts."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, NoReturn, TypeVar
from urllib.parse import urlsplit

import click

from festival.settings import Settings, SettingsError, load_settings, parse_forwarded_allow_ips

if TYPE_CHECKING:  # importing them defines the tables, which builds Piccolo's engine: only inside _run_with_db
    from festival.auth.schemas import TokenOut
    from festival.auth.services import IssuedToken

T = TypeVar("T")

REDIS_TIMEOUT_S = 3.0


class _Unavailable(Exception):
    """A service named by a setting does not answer; reported as ``VARIABLE: problem``."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")


def _fail(line: str, code: int) -> NoReturn:
    click.echo(f"festival: {line}", err=True)
    sys.exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(f"configuration error: {exc}", 2)


def _reason(exc: BaseException) -> str:
    """The error's own words on one line (or its class name when it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _host_port(url: str, default_port: int, missing_host: str) -> str:
    """``host:port`` of a URL (IPv6 in brackets); never its password."""
    parts = urlsplit(url)
    try:
        port = parts.port or default_port
    except ValueError:  # pragma: no cover - the settings parser refuses a bad port
        port = default_port
    host = parts.hostname or missing_host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _postgres_place(dsn: str) -> str:
    """``user@host:port/db`` of a PostgreSQL URL: never the password."""
    parts = urlsplit(dsn)
    user = f"{parts.username}@" if parts.username else ""
    return f"{user}{_host_port(dsn, 5432, '(host from the query string)')}/{parts.path.lstrip('/')}"


def _redis_place(url: str) -> str:
    """``host:port`` of a Redis URL: never the password."""
    return _host_port(url, 6379, "?")


def _describe_failure(settings: Settings, exc: Exception) -> str | None:
    """One line for a failure that is about the set-up, not a bug; None for anything else (re-raised)."""
    import asyncpg

    from festival import database
    from festival.errors import FestivalError

    if isinstance(exc, _Unavailable):
        return str(exc)
    if database.is_missing_table(exc):
        return "the database has no festival tables yet; run `festival migrate` first"
    if isinstance(exc, FestivalError):
        return f"{exc.message} ({exc.code})"
    db = settings.database
    if db.is_sqlite and isinstance(exc, sqlite3.Error):
        return f"{db.path_variable}: cannot use the SQLite file {db.path} ({_reason(exc)})"
    if not db.is_sqlite and isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError):
        # The server's message (e.g. 'database "x" does not exist'); it never contains the password.
        return f"DATABASE_URL: PostgreSQL at {_postgres_place(db.dsn or '')}: {_reason(exc)} ({type(exc).__name__})"
    if isinstance(exc, OSError):  # ConnectionError and TimeoutError are OSErrors too
        place = _postgres_place(db.dsn or "") if not db.is_sqlite else str(db.path)
        return f"DATABASE_URL: cannot reach the database at {place} ({_reason(exc)})"
    return None


@contextlib.contextmanager
def _one_line_errors(settings: Settings) -> Iterator[None]:
    """Turn what commonly goes wrong into one stderr line: a setting (exit 2), the database, Redis or a rule (exit 1).

    Anything else is a bug and keeps its traceback. Piccolo reports an unreachable database with its
    own coloured ``warnings`` first; they are silenced here so that our line is the only one. They
    come from ``piccolo.*`` or, raised inside a coroutine run by asyncio, carry asyncio's module name:
    hence the second filter, on the colour code that starts every message of Piccolo's
    ``colored_warning``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="piccolo")
        warnings.filterwarnings("ignore", message="\x1b\\[")
        try:
            yield
        except SettingsError as exc:
            _fail(f"configuration error: {exc}", 2)
        except Exception as exc:
            line = _describe_failure(settings, exc)
            if line is None:
                raise
            _fail(_without_passwords(settings, line), 1)


def _without_passwords(settings: Settings, line: str) -> str:
    """A driver's message could quote the URL it was given: never let a password reach the terminal or logs."""
    for url in (settings.database.dsn, settings.redis_url):
        password = urlsplit(url).password if url else None
        if password:
            line = line.replace(password, "***")
    return line


def _run_with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the database engine of ``settings`` open, reporting set-up and domain errors in one line.

    Modules that define tables are imported inside ``work``: importing them builds Piccolo's engine,
    which already connects.
    """

    async def runner() -> T:
        from festival import database

        if settings.database.path is not None:
            # Open the file once ourselves: Piccolo's engine, built next, would only warn (from a
            # helper thread that then prints a traceback of its own) if it cannot.
            sqlite3.connect(settings.database.path).close()
        engine = database.build_engine(settings.database)
        database.use_engine(engine)
        async with database.connected(engine, settings.database):
            return await work()

    with _one_line_errors(settings):
        result = asyncio.run(runner())
    return result


async def _ping_redis(url: str) -> None:
    """Raise ``_Unavailable`` naming REDIS_URL when Redis does not answer PING within a few seconds."""
    import redis.asyncio
    from redis.exceptions import RedisError

    try:
        client = redis.asyncio.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
    except ValueError as exc:
        raise _Unavailable("REDIS_URL", f"cannot use the URL for {_redis_place(url)} ({_reason(exc)})") from None
    try:
        await asyncio.wait_for(client.ping(), 2 * REDIS_TIMEOUT_S)
    except (RedisError, OSError) as exc:  # TimeoutError is an OSError
        raise _Unavailable("REDIS_URL", f"cannot reach Redis at {_redis_place(url)} ({_reason(exc)})") from None
    finally:
        await client.aclose()


async def _services_answer(settings: Settings) -> None:
    """The database answers a query and, when configured, Redis a PING (else one line and exit 1)."""
    from festival import database

    await database.ping(database.current_engine())
    if settings.redis_url:
        await _ping_redis(settings.redis_url)


def _trusted_proxies(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("give IP addresses or networks, e.g. 10.0.0.0/8")
    try:
        return parse_forwarded_allow_ips("--forwarded-allow-ips", value)
    except SettingsError as exc:
        raise click.BadParameter(exc.problem) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The festival system: programme, tickets, check-in, logistics and calendar feeds.

    Configure it with environment variables (all optional on a laptop): DATABASE_URL
    (sqlite:///path or postgres://...), REDIS_URL (jobs on arq; absent = in-process),
    SMTP_URL (absent = e-mails written to var/outbox), STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
    SECRET_KEY (generated on first run of the SQLite default), PUBLIC_URL and FORWARDED_ALLOW_IPS
    (proxies trusted by `serve --proxy-headers`, default 127.0.0.1).

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
    help="Take the client address and scheme from X-Forwarded-For/-Proto, when the connection comes from a "
    "trusted proxy (see --forwarded-allow-ips).",
)
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    callback=_trusted_proxies,
    help="With --proxy-headers: the proxies to trust, comma-separated IP addresses or CIDR networks "
    "(e.g. 10.0.0.0/8). Default: FORWARDED_ALLOW_IPS, else 127.0.0.1.",
)
def serve(host: str, port: int, workers: int, proxy_headers: bool, forwarded_allow_ips: tuple[str, ...] | None) -> None:
    """Serve the web app and API (uvicorn), once the database and Redis answer."""
    import uvicorn

    if forwarded_allow_ips is not None and not proxy_headers:
        raise click.UsageError("--forwarded-allow-ips only applies with --proxy-headers")
    settings = _settings()
    if workers > 1 and (settings.database.is_sqlite or not settings.redis_url):
        _fail(
            "--workers > 1 needs DATABASE_URL (PostgreSQL) and REDIS_URL: SQLite and in-process jobs "
            "belong to one process",
            2,
        )
    trusted = list(forwarded_allow_ips or settings.forwarded_allow_ips) if proxy_headers else None

    async def checks() -> bool:
        from festival import demo

        await _services_answer(settings)
        return await demo.demo_accounts_present()

    has_demo = _run_with_db(settings, checks)
    _print_banner(settings, host, port, has_demo, trusted)
    uvicorn.run(
        "festival.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        # Exactly these peers may set the client address; uvicorn walks X-Forwarded-For from the
        # right, skipping trusted proxies, so a client cannot forge the left-most entry.
        forwarded_allow_ips=trusted,
        log_level="info",
    )


def _print_banner(settings: Settings, host: str, port: int, has_demo: bool, trusted: list[str] | None) -> None:
    from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD

    shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - compares, does not bind
    base = f"http://{shown_host}:{port}"
    lines = [
        "",
        f"  Festival is starting on {base}/  ({settings.database.kind}, jobs "
        f"{'on arq/Redis' if settings.redis_url else 'in-process'})",
        f"  Programme:  {base}/hsf-2027/   (all editions: {base}/)" if has_demo else f"  Home:       {base}/",
        f"  Admin:      {base}/admin/",
    ]
    if has_demo:
        lines.insert(-1, f"  Calendars:  {base}/hsf-2027/calendars/   (feed: {base}/calendars/hsf-2027.ics)")
        lines.insert(-1, f"  Timetable:  {base}/hsf-2027/manage/   (organisers: build and publish the programme)")
        lines.insert(-1, f"  Tickets:    {base}/hsf-2027/tickets   (staff: {base}/hsf-2027/manage/tickets)")
        lines.insert(-1, f"  Check-in:   {base}/hsf-2027/manage/checkin   (dashboard; gate staff pair devices there)")
        lines.append(f"              sign in as organiser@{DEMO_DOMAIN} / {DEMO_PASSWORD}")
        lines.append(f"              (every role: `festival demo --accounts`; superuser admin@{DEMO_DOMAIN})")
    lines += [
        f"  API docs:   {base}/schema   (OpenAPI JSON: {base}/schema/openapi.json)",
        f"  Health:     {base}/health",
    ]
    if trusted is not None:
        lines.append(f"  Proxies:    X-Forwarded-For/-Proto believed from {', '.join(trusted)}")
    lines += ["  Stop with Ctrl+C.", ""]
    click.echo("\n".join(lines))


@main.command()
@click.option("--verbose", "-v", is_flag=True, help="Show every migration as Piccolo runs it.")
def migrate(verbose: bool) -> None:
    """Create or update the database tables (safe to run again)."""
    settings = _settings()

    async def work() -> list[str]:
        import contextlib
        import io

        from festival import database

        # Piccolo prints a table per app; a newcomer needs one line unless they ask for more.
        output = io.StringIO()
        with contextlib.redirect_stdout(sys.stdout if verbose else output):
            return await database.migrate()

    apps = _run_with_db(settings, work)
    click.echo(f"festival: database up to date ({settings.database.kind}; apps: {', '.join(apps)})")


def _looks_like_production(settings: Settings) -> str | None:
    if not settings.database.is_sqlite:
        return "DATABASE_URL is PostgreSQL"
    if settings.public_url.startswith("https://"):
        return "PUBLIC_URL is https"
    return None


@main.command()
@click.option("--accounts", is_flag=True, help="Only list the demo accounts and their roles (changes nothing).")
@click.option(
    "--force",
    is_flag=True,
    help="Load the demo data even though DATABASE_URL is PostgreSQL or PUBLIC_URL is https (a production set-up).",
)
def demo(accounts: bool, force: bool) -> None:
    """Load the demo festivals (HSF 2027 in Helsinki, Moi Helsinki 2027 in Beijing) and demo accounts.

    Running it again changes nothing. The demo accounts, a superuser among them, share a published
    password, so it refuses to run on what looks like production (DATABASE_URL is PostgreSQL or
    PUBLIC_URL is https) unless --force is given.
    """
    settings = _settings()
    production = _looks_like_production(settings)
    if not accounts and production and not force:
        _fail(
            f"not loading demo data: {production}, which looks like production, and the demo adds a superuser "
            "whose password is published; add --force to load it anyway",
            2,
        )
    with _one_line_errors(settings):
        from festival import demo as demo_data

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
    settings = _settings()
    if not settings.redis_url:
        _fail("the worker needs REDIS_URL; without it the web app runs jobs in-process", 2)

    async def checks() -> None:
        from festival.tables import Edition

        await _services_answer(settings)
        await Edition.count()  # the tables exist (else: "run `festival migrate` first")

    _run_with_db(settings, checks)
    from festival.jobs.worker import run_worker

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
@click.option("--name", default="", help="Full name of a new account, e.g. 'Aino Virtanen'.")
@click.option(
    "--superuser", is_flag=True, help="Festival administrator: every role in every edition (new or existing account)."
)
@click.option(
    "--password",
    envvar="FESTIVAL_PASSWORD",
    help="Password of a new account (else asked; or set FESTIVAL_PASSWORD). "
    "Refused for an existing account unless --reset-password.",
)
@click.option(
    "--reset-password",
    is_flag=True,
    help="Set a new password on an existing account (from --password or FESTIVAL_PASSWORD, else asked).",
)
def user_add(
    email: str,
    role: str | None,
    edition: str | None,
    name: str,
    superuser: bool,
    password: str | None,
    reset_password: bool,
) -> None:
    """Create an account (or reuse an existing one) and give it a role in an edition.

    All or nothing: the edition is checked first, and the account, the password, superuser and the
    role are written in one transaction.
    """
    if bool(role) != bool(edition):
        raise click.UsageError("--role and --edition go together")
    if not role and not superuser and not reset_password:
        raise click.UsageError("give --role with --edition, --superuser, or --reset-password")
    settings = _settings()

    async def work() -> str:
        from piccolo.apps.user.tables import BaseUser

        from festival.auth import services
        from festival.auth.roles import Role
        from festival.errors import Conflict, NotFound
        from festival.tables import Edition

        if edition and not await Edition.exists().where(Edition.slug == edition):
            raise NotFound(f"no edition {edition!r}; nothing was changed", code="edition_not_found")
        existing = await BaseUser.objects().where(BaseUser.username == services.normalise_email(email)).first()
        if existing is not None and password is not None and not reset_password:
            raise Conflict(
                f"{email} already has an account and its password is kept; add --reset-password to set the given "
                "one (nothing was changed)",
                code="password_not_reset",
            )
        secret = password
        if secret is None and (existing is None or reset_password):
            # Asked before the transaction starts: no lock is held while someone types.
            secret = click.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True)
        done: list[str] = []
        async with BaseUser._meta.db.transaction():
            if existing is None:
                first, _, last = name.partition(" ")
                account = await services.create_user(
                    email, secret or "", first_name=first, last_name=last, superuser=superuser
                )
                done.append("account created" + (", superuser" if superuser else ""))
            else:
                account = existing
                done.append("existing account")
                if reset_password:
                    await _reset_password(int(account.id), secret or "")
                    done.append("password reset")
                if superuser and account.superuser and account.admin:
                    done.append("already a superuser")
                elif superuser:
                    await BaseUser.update({BaseUser.superuser: True, BaseUser.admin: True}).where(
                        BaseUser.id == account.id
                    )
                    done.append("now a superuser")
            if role and edition:
                granted = await services.grant_role(int(account.id), edition, Role(role))
                done.append(f"{role} in {edition}" + ("" if granted else " (already held)"))
        return "; ".join(done)

    click.echo(f"festival: {email}: {_run_with_db(settings, work)}")


async def _reset_password(user_id: int, password: str) -> None:
    """The same rules as a new account's password (``services.create_user``), then Piccolo's hashing."""
    from piccolo.apps.user.tables import BaseUser

    from festival.auth.services import MIN_PASSWORD_LENGTH
    from festival.errors import ValidationFailed

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_too_short")
    try:
        await BaseUser.update_password(user_id, password)
    except ValueError as exc:  # Piccolo's own checks (too long, looks already hashed)
        raise ValidationFailed(str(exc), code="invalid_password") from None


@main.group()
def token() -> None:
    """Bearer tokens of accounts for scripts (box-office tills, integrations); scanners pair on the check-in page."""


@token.command("add")
@click.option("--user", "user_email", required=True, help="E-mail of the account the token acts as.")
@click.option("--name", required=True, help="Where the token is used, e.g. 'Box office till 1'.")
def token_add(user_email: str, name: str) -> None:
    """Create a token and print its secret once (only a hash is stored)."""

    async def work() -> IssuedToken:
        from festival.auth import services

        return await services.issue_token(None, user_email, name)

    issued = _run_with_db(_settings(), work)
    click.echo(f"Token {issued.prefix}… for {issued.user_email} ({issued.name}). Copy it now, it is not shown again:")
    click.echo(issued.secret)


@token.command("revoke")
@click.argument("token_ref")
def token_revoke(token_ref: str) -> None:
    """Revoke a token by its id or by the prefix shown in `festival token list`."""

    async def work() -> int:
        from festival.auth import services

        if token_ref.isdigit():
            await services.revoke_token(None, int(token_ref))
            return int(token_ref)
        return await services.revoke_token_by_prefix(token_ref.rstrip("…"))

    click.echo(f"festival: token {_run_with_db(_settings(), work)} revoked")


@token.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""

    async def work() -> list[TokenOut]:
        from festival.auth import services

        return await services.list_tokens(None)

    for info in _run_with_db(_settings(), work):
        state = "revoked" if info.revoked else f"last used {info.last_used_at or 'never'}"
        click.echo(f"{info.id:>4}  {info.prefix}…  {info.user_email:<40} {info.name}  ({state})")


@main.group("ticket-keys")
def ticket_keys_group() -> None:
    """The editions' ticket signing keys (QR codes; docs/checkin.md)."""


@ticket_keys_group.command("list")
@click.argument("edition")
def ticket_keys_list(edition: str) -> None:
    """The keys of EDITION that verify its tickets, the signing one first."""

    async def work() -> list[str]:
        from ticketing import ticket_keys

        return [
            f"{k.key_id:>4}  {k.algorithm}  {k.public_key}  {'signs new QR codes' if k.signing else 'verifies only'}"
            for k in await ticket_keys.edition_public_keys(edition)
        ]

    lines = _run_with_db(_settings(), work)
    click.echo(
        "\n".join(lines) if lines else f"festival: {edition} has no ticket key yet (made when a ticket is shown)"
    )


@ticket_keys_group.command("rotate")
@click.argument("edition")
@click.option(
    "--revoke-old", is_flag=True, help="Old keys stop verifying too (a leaked key): QR codes sent must be re-sent."
)
def ticket_keys_rotate(edition: str, revoke_old: bool) -> None:
    """Make a new signing key for EDITION; tickets signed by the old one stay valid unless --revoke-old."""

    async def work() -> int:
        from ticketing import ticket_keys

        return await ticket_keys.rotate(_settings(), edition, revoke_old=revoke_old)

    key_id = _run_with_db(_settings(), work)
    old = "revoked" if revoke_old else "still verify"
    click.echo(f"festival: {edition} signs with key {key_id} from now on; older keys {old}")


if __name__ == "__main__":  # pragma: no cover
    main()
