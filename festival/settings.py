"""Settings read from the environment, checked once, with a clear message for every bad value.

Every variable is optional on the embedded default: a new user runs the festival with none set.
Production sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``, ``SECRET_KEY`` and ``PUBLIC_URL``.
Files are touched only after every value has been checked: a bad value creates nothing.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_STATE_DIR = "var"
DEFAULT_SQLITE_FILE = "festival.sqlite3"
DEFAULT_FORWARDED_ALLOW_IPS = ("127.0.0.1",)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and the problem."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Where the data lives: ``kind`` is ``sqlite`` (``path``) or ``postgres`` (``dsn``).

    ``path_variable`` names the variable that chose the SQLite path (``DATABASE_URL``, or
    ``FESTIVAL_STATE_DIR`` for the default file), so an unusable folder is reported against it.
    """

    kind: str
    path: Path | None = None
    dsn: str | None = None
    path_variable: str = "DATABASE_URL"
    pool_min_size: int = 1
    # Connections per process (DATABASE_POOL_SIZE). Small on purpose: with 64 buyers at once, 30
    # connections queued in PostgreSQL's row locks on the same quota rows and spent its CPU there;
    # 4 per worker queue in the app instead (twice the throughput, docs/benchmarks.md).
    pool_max_size: int = 4
    sqlite_busy_timeout_s: float = 30.0

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseSettings
    redis_url: str | None
    smtp_url: str | None
    stripe_secret_key: str | None
    stripe_webhook_secret: str | None
    secret_key: str
    public_url: str
    state_dir: Path
    debug: bool = False
    session_ttl_s: int = 12 * 3600
    login_attempts_per_minute: int = 10
    forwarded_allow_ips: tuple[str, ...] = DEFAULT_FORWARDED_ALLOW_IPS
    mail_from: str = "Helsinki Spring Festival <festival@localhost>"
    public_url_set: bool = False  # PUBLIC_URL was given; else links follow the address a request used
    calendar_cancelled_keep_days: int = 30  # a cancelled event stays in calendar feeds this long
    uid_domain: str | None = None  # CALENDAR_UID_DOMAIN
    reservation_ttl_s: int = 15 * 60  # how long a reservation holds its places before it expires
    stripe_api_base: str | None = None  # STRIPE_API_BASE: another Stripe API address (a local fake)
    scans_per_device_per_minute: int = 600  # a gate device's scans beyond this are refused (429)

    @property
    def stripe_enabled(self) -> bool:
        """Visitors pay online through Stripe; without it they pay at the box office."""
        return self.stripe_secret_key is not None

    @property
    def reservation_ttl(self) -> timedelta:
        return timedelta(seconds=self.reservation_ttl_s)

    @property
    def calendar_cancelled_keep(self) -> timedelta:
        return timedelta(days=self.calendar_cancelled_keep_days)

    @property
    def calendar_uid_domain(self) -> str:
        """The right-hand side of calendar UIDs: CALENDAR_UID_DOMAIN, else PUBLIC_URL's host, never
        the address a request used (UIDs must not change with the host that answered)."""
        if self.uid_domain:
            return self.uid_domain
        return (urlsplit(self.public_url).hostname or "festival") if self.public_url_set else "festival"

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def embedded(self) -> bool:
        """True on the embedded default: SQLite and no Redis."""
        return self.database.is_sqlite and self.redis_url is None

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def _parse_database_url(value: str | None, state_dir: Path) -> DatabaseSettings:
    if not value:
        return DatabaseSettings(kind="sqlite", path=state_dir / DEFAULT_SQLITE_FILE, path_variable="FESTIVAL_STATE_DIR")
    if value.startswith("sqlite:///"):
        raw = value[len("sqlite:///") :]
        if not raw:
            raise SettingsError("DATABASE_URL", "sqlite:/// needs a file path, e.g. sqlite:///var/festival.sqlite3")
        return DatabaseSettings(kind="sqlite", path=Path(raw))
    parts = urlsplit(value)
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.hostname and "host=" not in parts.query:
            raise SettingsError(
                "DATABASE_URL", "a PostgreSQL URL needs a host, e.g. postgres://user@127.0.0.1:5432/festival"
            )
        if not parts.path.strip("/"):
            raise SettingsError("DATABASE_URL", "a PostgreSQL URL needs a database name after the host")
        try:
            _ = parts.port
        except ValueError:
            raise SettingsError("DATABASE_URL", "the port is not a number") from None
        return DatabaseSettings(kind="postgres", dsn=value.replace("postgres://", "postgresql://", 1))
    raise SettingsError(
        "DATABASE_URL",
        f"unsupported scheme {parts.scheme or '(none)'!r}; use sqlite:///path/to/file or postgres://user@host:port/db",
    )


def _parse_url(variable: str, value: str | None, schemes: set[str], example: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        # Never echo the value: a malformed URL may still hold a password, and this line goes to logs.
        got = f"{parts.scheme}://…" if parts.scheme else "a value without a scheme"
        raise SettingsError(variable, f"expected a {'/'.join(sorted(schemes))} URL such as {example}, got {got}")
    if not parts.hostname:
        raise SettingsError(variable, f"the URL has no host (example: {example})")
    try:
        _ = parts.port
    except ValueError:
        raise SettingsError(variable, "the port is not a number") from None
    # urlsplit lower-cases the scheme: HTTPS://… must count as https (secure cookies, demo refusal).
    return parts.geturl()


def _parse_prefixed(variable: str, value: str | None, prefixes: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if not value.startswith(prefixes):
        raise SettingsError(variable, f"should start with {' or '.join(prefixes)}")
    return value


def _parse_int(env: Mapping[str, str], variable: str, default: int, minimum: int) -> int:
    raw = env.get(variable)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(variable, f"expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(variable, f"must be at least {minimum}, got {value}")
    return value


def parse_forwarded_allow_ips(variable: str, raw: str | None) -> tuple[str, ...]:
    """The proxies whose ``X-Forwarded-For``/``-Proto`` are believed: IP addresses or CIDR networks.

    Returned in canonical form, as uvicorn's ``forwarded_allow_ips`` takes them. uvicorn itself turns
    an entry it cannot parse into a literal that never matches (and ``*`` trusts every client, so
    anyone could forge the address the sign-in limit counts): both are refused here instead.
    """
    if raw is None or not raw.strip():
        return DEFAULT_FORWARDED_ALLOW_IPS
    entries: list[str] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            raise SettingsError(variable, "has an empty entry; list IP addresses or networks separated by commas")
        if entry == "*":
            raise SettingsError(
                variable, "'*' would trust X-Forwarded-For from any client; list the proxy's addresses or networks"
            )
        try:
            if "/" in entry:
                entries.append(str(ipaddress.ip_network(entry)))
            else:
                entries.append(str(ipaddress.ip_address(entry)))
        except ValueError as exc:
            hint = ""
            if "/" in entry and "has host bits set" in str(exc):
                hint = f" (did you mean {ipaddress.ip_network(entry, strict=False)}?)"
            raise SettingsError(
                variable, f"{entry!r} is not an IP address or a network such as 10.0.0.0/8{hint}"
            ) from None
    return tuple(entries)


def _secret_key_value(env: Mapping[str, str], database: DatabaseSettings) -> str | None:
    """The given ``SECRET_KEY``, checked; None on the embedded default, which generates its own."""
    value = env.get("SECRET_KEY")
    if value:
        if len(value) < 32:
            raise SettingsError("SECRET_KEY", "must be at least 32 characters long")
        return value
    if not database.is_sqlite:
        raise SettingsError("SECRET_KEY", "is required when DATABASE_URL points at PostgreSQL (production)")
    return None


def _make_folder(variable: str, folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(variable, f"cannot create the folder {folder} ({exc.strerror or exc})") from None


def _generated_secret_key(state_dir: Path) -> str:
    """Embedded default: generate the key once, beside the database, so sessions survive restarts."""
    key_file = state_dir / "secret_key"
    try:
        if key_file.exists():
            stored = key_file.read_text().strip()
            if len(stored) >= 32:
                return stored
        _make_folder("FESTIVAL_STATE_DIR", state_dir)
        stored = secrets.token_urlsafe(48)
        # Created with mode 0600 from the start, never readable by others even for a moment.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(stored + "\n")
    except OSError as exc:
        raise SettingsError(
            "FESTIVAL_STATE_DIR", f"cannot keep the generated secret key in {key_file} ({exc.strerror or exc})"
        ) from None
    return stored


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ``SettingsError`` naming the first bad variable."""
    env = os.environ if env is None else env
    state_dir = Path(env.get("FESTIVAL_STATE_DIR") or DEFAULT_STATE_DIR)
    database = _parse_database_url(env.get("DATABASE_URL"), state_dir)
    pool_size = _parse_int(env, "DATABASE_POOL_SIZE", database.pool_max_size, 1)
    if pool_size > 100:
        raise SettingsError("DATABASE_POOL_SIZE", "at most 100 connections per process")
    database = dataclasses.replace(database, pool_max_size=pool_size)
    redis_url = _parse_url("REDIS_URL", env.get("REDIS_URL"), {"redis", "rediss"}, "redis://127.0.0.1:6379/0")
    smtp_url = _parse_url(
        "SMTP_URL", env.get("SMTP_URL"), {"smtp", "smtps"}, "smtp://user:password@mail.example.org:587"
    )
    stripe_secret_key = _parse_prefixed("STRIPE_SECRET_KEY", env.get("STRIPE_SECRET_KEY"), ("sk_", "rk_"))
    stripe_webhook_secret = _parse_prefixed("STRIPE_WEBHOOK_SECRET", env.get("STRIPE_WEBHOOK_SECRET"), ("whsec_",))
    if stripe_secret_key and not stripe_webhook_secret:
        raise SettingsError("STRIPE_WEBHOOK_SECRET", "is required with STRIPE_SECRET_KEY (payments arrive by webhook)")
    stripe_api_base = _parse_url(
        "STRIPE_API_BASE", env.get("STRIPE_API_BASE"), {"http", "https"}, "http://127.0.0.1:12111"
    )
    public_url = _parse_url("PUBLIC_URL", env.get("PUBLIC_URL"), {"http", "https"}, "https://festival.example.org")
    debug_raw = env.get("FESTIVAL_DEBUG", "").lower()
    if debug_raw not in {"", "0", "1", "true", "false", "yes", "no"}:
        raise SettingsError("FESTIVAL_DEBUG", f"expected true or false, got {debug_raw!r}")
    session_ttl_s = _parse_int(env, "SESSION_TTL_S", 12 * 3600, 60)
    login_attempts_per_minute = _parse_int(env, "LOGIN_ATTEMPTS_PER_MINUTE", 10, 1)
    cancelled_keep_days = _parse_int(env, "CALENDAR_CANCELLED_KEEP_DAYS", 30, 0)
    uid_domain = env.get("CALENDAR_UID_DOMAIN") or None
    reservation_ttl_s = _parse_int(env, "RESERVATION_TTL_S", 15 * 60, 60)
    if uid_domain is not None and not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", uid_domain):
        raise SettingsError(
            "CALENDAR_UID_DOMAIN", "a domain name such as festival.example.org (letters, digits, . and -)"
        )
    forwarded_allow_ips = parse_forwarded_allow_ips("FORWARDED_ALLOW_IPS", env.get("FORWARDED_ALLOW_IPS"))
    scans_per_device_per_minute = _parse_int(env, "SCANS_PER_DEVICE_PER_MINUTE", 600, 1)
    given_secret_key = _secret_key_value(env, database)
    # Every value is good: only now touch the file system.
    if database.path is not None:
        _make_folder(database.path_variable, database.path.parent)
    return Settings(
        database=database,
        redis_url=redis_url,
        smtp_url=smtp_url,
        stripe_secret_key=stripe_secret_key,
        stripe_webhook_secret=stripe_webhook_secret,
        secret_key=given_secret_key or _generated_secret_key(state_dir),
        public_url=(public_url or "http://127.0.0.1:8000").rstrip("/"),
        state_dir=state_dir,
        debug=debug_raw in {"1", "true", "yes"},
        session_ttl_s=session_ttl_s,
        login_attempts_per_minute=login_attempts_per_minute,
        forwarded_allow_ips=forwarded_allow_ips,
        mail_from=env.get("MAIL_FROM") or "Helsinki Spring Festival <festival@localhost>",
        public_url_set=public_url is not None,
        calendar_cancelled_keep_days=cancelled_keep_days,
        uid_domain=uid_domain,
        reservation_ttl_s=reservation_ttl_s,
        stripe_api_base=stripe_api_base.rstrip("/") if stripe_api_base else None,
        scans_per_device_per_minute=scans_per_device_per_minute,
    )
