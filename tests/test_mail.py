"""E-mail through the job queue to a real SMTP server (aiosmtpd on 127.0.0.1), and to the outbox."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import ipaddress
import logging
import os
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from arq import Worker
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from festival.jobs import JobContext, TransientError
from festival.jobs.arq_queue import ArqJobQueue
from festival.jobs.inprocess import InProcessJobQueue
from festival.jobs.worker import worker_settings
from festival.mail import (
    Attachment,
    MailError,
    OutboxMailer,
    SmtpMailer,
    enqueue_email,
    mailer_from_settings,
    queue_email,
    send_email,
)
from festival.settings import Settings, load_settings
from festival.tables import EmailMessage

pytestmark = [
    pytest.mark.anyio,
    # arq 0.28 closes its Redis pool with redis-py's deprecated close(); not ours to fix.
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) + b"\n%%EOF\n"
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//festival//test//EN\r\nBEGIN:VEVENT\r\n"
    "UID:lion-dance-2027@festival\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270213T120000Z\r\n"
    "SUMMARY:舞狮 Lion dance\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()
ATTACHMENTS = [
    Attachment("ticket.pdf", "application/pdf", PDF),
    Attachment("lion-dance.ics", "text/calendar; method=PUBLISH; charset=utf-8", ICS),
]


class Inbox:
    """An aiosmtpd handler that keeps every envelope (the server runs in its own thread)."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            assert isinstance(envelope.content, bytes)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, email.message.EmailMessage)
            parsed.append(message)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def make_settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {
            "FESTIVAL_STATE_DIR": str(tmp_path),
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "s" * 40,
            "MAIL_FROM": "Helsinki Spring Festival <tickets@kevatjuhla.example>",
            **env,
        }
    )


async def stored(message_id: Any) -> Any:
    return await EmailMessage.objects().where(EmailMessage.id == message_id).first()


def parts(message: email.message.EmailMessage) -> dict[str, Any]:
    """Text, HTML and attachments of a received message, as the recipient's client would see them."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    # SMTP carries text with CRLF line ends (RFC 5321); base64 attachments keep their exact bytes.
    return {
        "text": text.get_content().replace("\r\n", "\n"),
        "html": html.get_content().replace("\r\n", "\n"),
        "attachments": [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_attachments()
        ],
    }


async def test_queued_email_arrives_with_html_and_attachments_intact(
    tmp_path: Path, db: Any, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    settings = make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}")
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    await queue.start()
    message_id = await queue_email(
        queue,
        to="Li Wei <li.wei@example.cn>",
        subject="Your tickets · 您的门票",
        text="Welcome to the Helsinki Spring Festival!\n",
        html="<p>Welcome to the <b>Helsinki Spring Festival</b>! 欢迎</p>\n",
        attachments=ATTACHMENTS,
    )
    await queue.drain()
    await queue.close()

    assert [e.rcpt_tos for e in handler.envelopes] == [["li.wei@example.cn"]]
    assert handler.envelopes[0].mail_from == "tickets@kevatjuhla.example"
    (message,) = handler.messages()
    assert message["Subject"] == "Your tickets · 您的门票"
    assert message["Message-ID"] == f"<{message_id}@kevatjuhla.example>"
    received = parts(message)
    assert received["text"] == "Welcome to the Helsinki Spring Festival!\n"
    assert received["html"] == "<p>Welcome to the <b>Helsinki Spring Festival</b>! 欢迎</p>\n"
    assert received["attachments"] == [
        ("ticket.pdf", "application/pdf", PDF),
        ("lion-dance.ics", "text/calendar", ICS),
    ]
    row = await stored(message_id)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""


async def test_outbox_mailer_writes_an_eml_file(tmp_path: Path, db: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="festival.mail")
    settings = make_settings(tmp_path)
    assert isinstance(mailer_from_settings(settings), OutboxMailer)
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    message_id = await queue_email(
        queue, to="visitor@example.fi", subject="Kiitos", text="Hei!", attachments=ATTACHMENTS[:1]
    )
    await queue.drain()
    await queue.close()

    (eml,) = settings.outbox_dir.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    assert message["To"] == "visitor@example.fi" and message["Subject"] == "Kiitos"
    assert str(message_id) in eml.name
    (attachment,) = message.iter_attachments()
    assert attachment.get_payload(decode=True) == PDF
    # The log names the message and its file, never the recipient (erasure cannot reach server logs).
    assert any(str(message_id) in r.getMessage() and str(eml) in r.getMessage() for r in caplog.records)
    assert any(r.getMessage() == f"mail {message_id} sent" for r in caplog.records)
    assert not any("visitor@example.fi" in r.getMessage() for r in caplog.records)
    assert (await stored(message_id)).sent_at is not None


async def test_refused_connection_is_recorded_and_retried(
    tmp_path: Path, db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="festival.jobs")
    settings = make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # nobody listens there
    queue = InProcessJobQueue(settings, periodic_jobs=[], shutdown_grace_s=0.1)
    message_id = await queue_email(queue, to="li.wei@example.cn", subject="Retry", text="later")
    for _ in range(100):
        row = await stored(message_id)
        if row.last_error:
            break
        await asyncio.sleep(0.05)
    assert row.attempts == 1 and row.sent_at is None
    assert "SMTPConnectError" in row.last_error or "refused" in row.last_error.lower()
    # The job waits for its backoff (30 s for the first retry) instead of failing.
    assert any(
        f"email:{message_id}" in r.getMessage() and "retrying in 30.00s" in r.getMessage() for r in caplog.records
    )
    assert not await enqueue_email(queue, message_id)  # still in flight: not enqueued twice
    await queue.close()  # cancels the waiting retry (and says so in the log)

    with pytest.raises(TransientError, match=r"SMTPConnectError|refused"):
        await send_email.run(JobContext(settings=settings, job_id="by-hand", job_try=2), str(message_id))
    assert (await stored(message_id)).attempts == 2


class RefusingInbox(Inbox):
    """A server that knows no such user, and names the address in its answer as real servers do."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


async def test_a_refused_recipient_is_recorded_without_the_address_in_the_log(
    tmp_path: Path, db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Server logs are out of an erasure's reach: the refusal is logged and stored with the message's
    id and the server's words, the address replaced by ``<recipient>`` (also in the traceback)."""
    caplog.set_level(logging.INFO)
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{controller.port}")
        queue = InProcessJobQueue(settings, periodic_jobs=[])
        message_id = await queue_email(queue, to="Li.Wei@example.cn", subject="Refused", text="no such user")
        await queue.drain()
        await queue.close()
    finally:
        controller.stop()
    row = await stored(message_id)
    assert row.sent_at is None and row.attempts == 1
    assert "550" in row.last_error and "<recipient>" in row.last_error and "example.cn" not in row.last_error
    failed = [r for r in caplog.records if f"email:{message_id}" in r.getMessage() and "failed" in r.getMessage()]
    assert failed and "User unknown" in failed[0].getMessage()
    ours = [r for r in caplog.records if r.name.startswith("festival")]  # aiosmtpd (the test server) logs its own
    formatter = logging.Formatter()
    assert not any("li.wei@example.cn" in formatter.format(r).lower() for r in ours)  # traceback included


async def test_the_same_message_is_sent_once(tmp_path: Path, db: Any, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    settings = make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}")
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    message_id = await queue_email(queue, to="li.wei@example.cn", subject="Once", text="only once")
    assert not await enqueue_email(queue, message_id)  # same job id while queued
    await queue.drain()
    assert not await enqueue_email(queue, message_id)  # same job id, done recently
    await queue.close()

    fresh_queue = InProcessJobQueue(settings, periodic_jobs=[])  # e.g. after a restart: no memory of ids
    assert await enqueue_email(fresh_queue, message_id)
    await fresh_queue.drain()
    await fresh_queue.close()
    await send_email.run(JobContext(settings=settings, job_id="by-hand", job_try=1), str(message_id))

    assert len(handler.envelopes) == 1
    assert (await stored(message_id)).attempts == 1


async def test_email_through_arq_and_a_real_worker(
    tmp_path: Path, db: Any, redis_url: str, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    settings = make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}", REDIS_URL=redis_url)
    queue = ArqJobQueue(settings)
    await queue.start()
    try:
        message_id = await queue_email(queue, to="li.wei@example.cn", subject="Via arq", text="hi", html="<p>hi</p>")
        assert not await enqueue_email(queue, message_id)
    finally:
        await queue.close()
    worker = Worker(**worker_settings(settings), burst=True, poll_delay=0.02, handle_signals=False)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    (message,) = handler.messages()
    assert message["Subject"] == "Via arq"
    assert (await stored(message_id)).sent_at is not None


async def test_bad_messages_are_refused_before_anything_is_stored(tmp_path: Path, db: Any) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"to": "not an address"}, "invalid_address"),
        ({"to": "a@example.fi, b@example.fi"}, "invalid_address"),
        ({"subject": "two\nlines"}, "invalid_header"),
        ({"subject": "x" * 256}, "too_long"),
        ({"attachments": [Attachment("x.bin", "nonsense", b"")]}, "invalid_attachment"),
        (
            {"attachments": [Attachment("qr.png", "image/png", b"png", content_id="qr-1@festival")]},
            "invalid_attachment",
        ),
        (
            {"html": "<img>", "attachments": [Attachment("qr.png", "image/png", b"png", content_id="no domain")]},
            "invalid_attachment",
        ),
    ]
    for override, code in cases:
        fields: dict[str, Any] = {"to": "visitor@example.fi", "subject": "Hi", "text": "x", **override}
        with pytest.raises(MailError) as caught:
            await queue_email(queue, **fields)
        assert caught.value.code == code, override
    async with EmailMessage._meta.db.transaction():
        with pytest.raises(MailError) as caught:
            await queue_email(queue, to="visitor@example.fi", subject="Hi", text="x")
    assert caught.value.code == "in_transaction"
    await queue.close()
    assert await EmailMessage.count() == 0


def test_smtp_url_is_parsed_and_the_password_stays_out_of_repr() -> None:
    mailer = SmtpMailer("smtps://ops%40festival.example:p%40ss%20word@mail.example.org")
    assert (mailer.hostname, mailer.port, mailer.implicit_tls) == ("mail.example.org", 465, True)
    assert mailer.username == "ops@festival.example"
    assert "p@ss" not in repr(mailer) and "word" not in repr(mailer)
    assert SmtpMailer("smtp://mail.example.org").port == 587
    with pytest.raises(ValueError, match="smtp://"):
        SmtpMailer("http://mail.example.org")


# --- TLS: STARTTLS on smtp://, implicit TLS on smtps://, credentials URL-decoded --------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class Credentials:
    """An aiosmtpd authenticator accepting one user, recording what the client sent."""

    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes]] = []

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.seen.append((data.login, data.password))
        return AuthResult(success=data.login == b"ops@festival" and data.password == b"p@ss word")


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
# The smtps server lets AUTH through without noticing its own TLS (see below); aiosmtpd warns.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_tls_and_login(scheme: str, tls_files: tuple[Path, Path]) -> None:
    cert_file, key_file = tls_files
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    handler, credentials = Inbox(), Credentials()
    tls_options: dict[str, Any] = (
        {"tls_context": server_tls}
        if scheme == "smtp"
        # aiosmtpd does not notice implicit TLS when deciding whether AUTH may be offered.
        else {"ssl_context": server_tls, "auth_require_tls": False}
    )
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=credentials,
        auth_required=True,
        **tls_options,
    )
    controller.start()
    try:
        client_tls = ssl.create_default_context(cafile=str(cert_file))
        mailer = SmtpMailer(
            f"{scheme}://ops%40festival:p%40ss%20word@127.0.0.1:{controller.port}", tls_context=client_tls
        )
        message = email.message.EmailMessage()
        message["From"], message["To"], message["Subject"] = "tickets@example.fi", "li.wei@example.cn", "TLS"
        message.set_content("over TLS")
        await mailer.send(message)
    finally:
        controller.stop()
    assert credentials.seen == [(b"ops@festival", b"p@ss word")]
    (received,) = handler.messages()
    assert received["Subject"] == "TLS"
