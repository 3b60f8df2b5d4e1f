"""Settings: the embedded defaults, and one clear error naming the variable for every bad value."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from festival.jobs import create_queue
from festival.mail import OutboxMailer, mailer_from_settings
from festival.settings import SettingsError, load_settings
from tests.browser import clean_env, festival_command

GOOD_SECRET = "s" * 40


def test_defaults_with_an_empty_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})

    state = Path("var")
    assert settings.state_dir == state
    assert settings.database.is_sqlite
    assert settings.database.path == state / "festival.sqlite3"
    assert settings.embedded
    assert settings.redis_url is None
    assert create_queue(settings).name == "in-process"
    assert settings.smtp_url is None
    mailer = mailer_from_settings(settings)
    assert isinstance(mailer, OutboxMailer)
    assert mailer.outbox_dir == state / "outbox"
    assert settings.stripe_secret_key is None
    assert settings.public_url == "http://127.0.0.1:8000"
    assert not settings.secure_cookies
    assert not settings.debug
    assert settings.session_ttl_s == 12 * 3600

    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == settings.secret_key
    assert len(settings.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings({}).secret_key == settings.secret_key, "the generated key is reused"


def test_state_dir_holds_database_key_and_outbox(tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = load_settings({"FESTIVAL_STATE_DIR": str(state)})
    assert settings.database.path == state / "festival.sqlite3"
    assert settings.outbox_dir == state / "outbox"
    assert (state / "secret_key").read_text().strip() == settings.secret_key
    assert load_settings({"FESTIVAL_STATE_DIR": str(state)}).secret_key == settings.secret_key
    other = load_settings({"FESTIVAL_STATE_DIR": str(tmp_path / "other")})
    assert other.secret_key != settings.secret_key, "each installation generates its own key"


def test_a_given_secret_key_is_not_stored(tmp_path: Path) -> None:
    settings = load_settings({"FESTIVAL_STATE_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET})
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_path / "secret_key").exists()


def test_production_values(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "FESTIVAL_STATE_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://festival@db.internal:5432/festival",
            "REDIS_URL": "redis://redis.internal:6379/0",
            "SMTP_URL": "smtp://user:pw@mail.example.org:587",
            "STRIPE_SECRET_KEY": "sk_test_123",
            "STRIPE_WEBHOOK_SECRET": "whsec_123",
            "SECRET_KEY": GOOD_SECRET,
            "PUBLIC_URL": "https://festival.example.org/",
            "SESSION_TTL_S": "3600",
        }
    )
    assert settings.database.kind == "postgres"
    assert settings.database.dsn == "postgresql://festival@db.internal:5432/festival"
    assert not settings.embedded
    assert create_queue(settings).name == "arq"
    assert settings.public_url == "https://festival.example.org"
    assert settings.secure_cookies
    assert settings.session_ttl_s == 3600
    assert not (tmp_path / "secret_key").exists()


BAD_VALUES = [
    ("DATABASE_URL", "mysql://x"),
    ("DATABASE_URL", "postgres://"),
    ("DATABASE_URL", "postgres:///festival"),
    ("DATABASE_URL", "postgres://db.internal"),
    ("DATABASE_URL", "postgres://db.internal:port/festival"),
    ("DATABASE_URL", "sqlite:///"),
    ("DATABASE_URL", "festival.sqlite3"),
    ("REDIS_URL", "http://x"),
    ("REDIS_URL", "redis://"),
    ("SMTP_URL", "smtp://"),
    ("SMTP_URL", "mail.example.org"),
    ("STRIPE_SECRET_KEY", "pk_test_x"),
    ("STRIPE_WEBHOOK_SECRET", "abc"),
    ("STRIPE_API_BASE", "ftp://x"),
    ("DATABASE_POOL_SIZE", "0"),
    ("DATABASE_POOL_SIZE", "1000"),
    ("SECRET_KEY", "too-short"),
    ("PUBLIC_URL", "ftp://x"),
    ("PUBLIC_URL", "https://"),
    ("SESSION_TTL_S", "abc"),
    ("SESSION_TTL_S", "10"),
    ("LOGIN_ATTEMPTS_PER_MINUTE", "0"),
    ("FESTIVAL_DEBUG", "maybe"),
    ("FORWARDED_ALLOW_IPS", "*"),
    ("FORWARDED_ALLOW_IPS", "10.0.0.1/8"),
    ("FORWARDED_ALLOW_IPS", "10.0.0.0/33"),
    ("FORWARDED_ALLOW_IPS", "proxy.internal"),
    ("FORWARDED_ALLOW_IPS", "127.0.0.1,,10.0.0.0/8"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES, ids=[f"{v}={x}" for v, x in BAD_VALUES])
def test_bad_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    env = {"FESTIVAL_STATE_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET, variable: value}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert caught.value.problem.strip()


def test_forwarded_allow_ips(tmp_path: Path) -> None:
    base = {"FESTIVAL_STATE_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET}
    assert load_settings(base).forwarded_allow_ips == ("127.0.0.1",), "only a proxy on this host by default"
    given = load_settings({**base, "FORWARDED_ALLOW_IPS": " 10.0.0.0/8, 192.0.2.7 ,fd00::/8, ::1"})
    assert given.forwarded_allow_ips == ("10.0.0.0/8", "192.0.2.7", "fd00::/8", "::1")
    with pytest.raises(SettingsError) as caught:
        load_settings({**base, "FORWARDED_ALLOW_IPS": "10.1.2.3/8"})
    assert "10.0.0.0/8" in caught.value.problem, "the message suggests the network that was meant"


UNUSABLE_FOLDERS = {
    "state folder under /proc": ("FESTIVAL_STATE_DIR", {"FESTIVAL_STATE_DIR": "/proc/festival"}),
    "state folder is a file": ("FESTIVAL_STATE_DIR", {"FESTIVAL_STATE_DIR": "{file}"}),
    "state folder inside a file": ("FESTIVAL_STATE_DIR", {"FESTIVAL_STATE_DIR": "{file}/state"}),
    "SQLite folder inside a file": ("DATABASE_URL", {"DATABASE_URL": "sqlite:///{file}/db/festival.sqlite3"}),
}


@pytest.mark.parametrize("case", UNUSABLE_FOLDERS)
def test_a_folder_that_cannot_be_made_names_the_variable(tmp_path: Path, case: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    variable, values = UNUSABLE_FOLDERS[case]
    env = {"FESTIVAL_STATE_DIR": str(tmp_path / "state")} | {k: v.format(file=a_file) for k, v in values.items()}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == variable
    assert "cannot" in caught.value.problem


def test_build_engine_names_the_variable_for_an_unusable_sqlite_folder(tmp_path: Path) -> None:
    from festival.database import build_engine
    from festival.settings import DatabaseSettings

    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for variable in ("DATABASE_URL", "FESTIVAL_STATE_DIR"):
        database = DatabaseSettings(kind="sqlite", path=a_file / "x" / "festival.sqlite3", path_variable=variable)
        with pytest.raises(SettingsError) as caught:
            build_engine(database)
        assert caught.value.variable == variable


def test_a_bad_value_creates_nothing(tmp_path: Path) -> None:
    """Checked first, written after: a bad value later in the list leaves no key file or folder behind."""
    state = tmp_path / "state"
    with pytest.raises(SettingsError):
        load_settings({"FESTIVAL_STATE_DIR": str(state), "SESSION_TTL_S": "abc"})
    with pytest.raises(SettingsError):
        load_settings({"FESTIVAL_STATE_DIR": str(state), "FORWARDED_ALLOW_IPS": "*"})
    assert not state.exists()


def assert_migrate_fails_in_one_line(cwd: Path, variable: str, **env: str) -> None:
    """`festival migrate` with ``env`` exits non-zero with one stderr line naming ``variable``."""
    result = subprocess.run(
        [*festival_command(), "migrate"],
        env=clean_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("state_dir", ["/proc/festival", "{file}"])
def test_cli_reports_an_unusable_state_folder_in_one_line(tmp_path: Path, state_dir: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    assert_migrate_fails_in_one_line(tmp_path, "FESTIVAL_STATE_DIR", FESTIVAL_STATE_DIR=state_dir.format(file=a_file))


def test_postgres_needs_a_secret_key(tmp_path: Path) -> None:
    env = {"FESTIVAL_STATE_DIR": str(tmp_path), "DATABASE_URL": "postgres://festival@db.internal:5432/festival"}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == "SECRET_KEY"
    assert "SECRET_KEY" in str(caught.value)
    assert not (tmp_path / "secret_key").exists(), "production never generates a key of its own"


def test_secret_in_a_bad_url_is_not_repeated(tmp_path: Path) -> None:
    """The message ends up in logs: a password inside a malformed URL must not be echoed."""
    env = {"FESTIVAL_STATE_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET, "REDIS_URL": "http://user:hunter2@x"}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == "REDIS_URL"
    assert "hunter2" not in str(caught.value)


def test_cli_reports_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    assert_migrate_fails_in_one_line(
        tmp_path, "DATABASE_URL", DATABASE_URL="mysql://x", FESTIVAL_STATE_DIR=str(tmp_path)
    )
    assert not list(tmp_path.glob("*.sqlite3")), "nothing is created when the settings are wrong"


def test_stripe_needs_its_webhook_secret(tmp_path: Path) -> None:
    base = {"FESTIVAL_STATE_DIR": str(tmp_path), "SECRET_KEY": GOOD_SECRET}
    assert not load_settings(base).stripe_enabled, "without Stripe visitors pay at the box office"
    with pytest.raises(SettingsError) as caught:
        load_settings({**base, "STRIPE_SECRET_KEY": "sk_test_123"})
    assert caught.value.variable == "STRIPE_WEBHOOK_SECRET", "payments would never be confirmed"
    given = load_settings(
        {
            **base,
            "STRIPE_SECRET_KEY": "sk_test_1",
            "STRIPE_WEBHOOK_SECRET": "whsec_1",
            "STRIPE_API_BASE": "http://127.0.0.1:9/",
        }
    )
    assert given.stripe_enabled and given.stripe_api_base == "http://127.0.0.1:9"
