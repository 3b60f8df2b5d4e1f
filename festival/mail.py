"""Outgoing e-mail: stored as a row, sent by the ``send_email`` job through a ``Mailer``.

``queue_email`` is the one entry point for services (tickets, itineraries, password resets): it
stores an ``EmailMessage`` row and enqueues ``send_email`` with the id ``email:{id}``, so the
message is sent once even when enqueued twice. The job builds the MIME message (plain text, an
optional HTML alternative, attachments), hands it to the mailer and records ``sent_at``,
``attempts`` and ``last_error`` on the row. Without ``SMTP_URL`` messages go to an outbox folder.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.message
import email.policy
import logging
import os
import re
import ssl
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from festival.jobs import JobContext, JobQueue, TransientError, job
from festival.settings import Settings
from festival.tables import EmailMessage as EmailRow

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 30.0
MAX_HEADER_CHARS = 255  # the length of the ``to_address`` and ``subject`` columns


class MailError(Exception):
    """A message that cannot be stored or delivered; ``code`` is stable for callers and logs.

    Codes: ``invalid_address``, ``invalid_header``, ``too_long``, ``invalid_attachment``,
    ``in_transaction`` (``queue_email`` called before the caller's transaction committed),
    ``rejected`` (the SMTP server refused the message for good, a 5xx reply).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message, e.g. ``Attachment("ticket.pdf", "application/pdf", pdf_bytes)``.

    ``content_type`` may carry parameters: ``"text/calendar; method=PUBLISH; charset=utf-8"``.
    With a ``content_id`` the file is an inline part of the HTML instead (``<img src="cid:…">``, e.g.
    a QR code: mail clients block ``data:`` images); the message then needs an HTML body.
    """

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without the angle brackets, e.g. "qr-1@festival"


class Mailer(Protocol):
    """Delivers one MIME message; raises ``OSError``/``aiosmtplib.SMTPException`` when it cannot."""

    async def send(self, message: email.message.EmailMessage) -> None: ...


class OutboxMailer:
    """Writes each message as an ``.eml`` file into a folder and logs one line (embedded default).

    The file name comes from the message's Date and Message-ID, so sending the same message again
    overwrites its file instead of adding a second one. Files appear whole (written, then renamed).
    """

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir

    async def send(self, message: email.message.EmailMessage) -> None:
        path = self.outbox_dir / _eml_name(message)
        data = message.as_bytes(policy=email.policy.SMTP)
        await asyncio.to_thread(_write_atomically, path, data)
        # The Message-ID names the message (the stored row's id): no address or subject, which may name a
        # person, so the log keeps nothing an erasure cannot reach.
        logger.info("mail %s written to %s", str(message["Message-ID"] or "").strip("<>"), path)


def remove_outbox_copies(outbox_dir: Path, message_ids: Sequence[uuid.UUID]) -> int:
    """Delete the outbox files of these messages (an erased person's mail); the number removed.

    An outbox file is named ``{date}-{message id}_{domain}.eml`` (``_eml_name``, the Message-ID is
    ``<{row id}@{domain}>``), so the row id finds it without reading any file.
    """
    if not message_ids or not outbox_dir.is_dir():
        return 0
    removed = 0
    for message_id in message_ids:
        for path in outbox_dir.glob(f"*-{message_id}_*.eml"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class SmtpMailer:
    """Sends through an SMTP server given as ``smtp://`` or ``smtps://`` URL.

    ``smtp://user:password@host:587`` connects in plain text and upgrades with STARTTLS when the
    server offers it; ``smtps://...:465`` uses TLS from the start. Ports default to 587 and 465.
    User and password are URL-decoded (``%40`` for ``@``). Certificates are checked against the
    system's CAs unless ``tls_context`` says otherwise (a private CA). Raises ``ValueError`` for
    another scheme or a URL without a host.
    """

    def __init__(
        self, url: str, *, timeout_s: float = SMTP_TIMEOUT_S, tls_context: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError(f"SMTP URL must start with smtp:// or smtps://, got {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP URL has no host")
        self.implicit_tls = parts.scheme == "smtps"
        self.hostname = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self.timeout_s = timeout_s
        self.tls_context = tls_context

    def __repr__(self) -> str:  # never the password
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"<SmtpMailer {scheme}://{self.username + '@' if self.username else ''}{self.hostname}:{self.port}>"

    async def send(self, message: email.message.EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self._password,
            use_tls=self.implicit_tls,
            # None = STARTTLS if the server offers it; with implicit TLS there is nothing to upgrade.
            start_tls=False if self.implicit_tls else None,
            timeout=self.timeout_s,
            tls_context=self.tls_context,
        )


def mailer_from_settings(settings: Settings) -> Mailer:
    """``SmtpMailer`` when ``SMTP_URL`` is set, else ``OutboxMailer`` on ``settings.outbox_dir``."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return OutboxMailer(settings.outbox_dir)


async def queue_email(
    queue: JobQueue,
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Sequence[Attachment] = (),
) -> uuid.UUID:
    """Store a message and enqueue its sending; return the message id.

    Call it after your own transaction has committed (the job may run at once and must see the
    row). Inside a transaction, call ``store_email`` there and ``enqueue_email`` after the commit.
    Raises ``MailError`` (``in_transaction`` or one of ``store_email``'s codes).
    """
    if EmailRow._meta.db.transaction_exists():
        raise MailError("in_transaction", "queue_email runs after the commit; use store_email + enqueue_email")
    message_id = await store_email(to=to, subject=subject, text=text, html=html, attachments=attachments)
    await enqueue_email(queue, message_id)
    return message_id


async def store_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Sequence[Attachment] = (),
) -> uuid.UUID:
    """Check and store a message without sending it (joins the caller's transaction, if any).

    Raises ``MailError``: ``invalid_address`` (``to`` is not one address with a domain),
    ``invalid_header`` (a line break in ``to`` or ``subject``), ``too_long`` (over 255 characters),
    ``invalid_attachment`` (an empty file name or a content type that is not ``type/subtype``).
    """
    for name, value in (("to", to), ("subject", subject)):
        if len(value) > MAX_HEADER_CHARS:
            raise MailError("too_long", f"{name} has {len(value)} characters; at most {MAX_HEADER_CHARS}")
    row = EmailRow(
        id=uuid.uuid4(),
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "content_b64": base64.b64encode(a.content).decode("ascii"),
                **({"content_id": a.content_id} if a.content_id else {}),
            }
            for a in attachments
        ],
    )
    # Building the MIME message now rejects what could never be sent, before anything is stored.
    build_message(row, mail_from="check <check@localhost>")
    await EmailRow.insert(row)
    message_id: uuid.UUID = row.id
    return message_id


async def enqueue_email(queue: JobQueue, message_id: uuid.UUID) -> bool:
    """Enqueue ``send_email`` for a stored message; ``False`` when it is already queued or sent."""
    return await queue.enqueue(send_email.bind(str(message_id)), job_id=f"email:{message_id}")


async def deliver_email(message_id: uuid.UUID, *, settings: Settings, mailer: Mailer) -> bool:
    """Send a stored message once; ``True`` when sent now, ``False`` when sent before or gone.

    Counts the attempt, records the error of a failed attempt in ``last_error`` and sets
    ``sent_at`` on success. A message that already has ``sent_at`` is not sent again.
    Raises ``TransientError`` when trying later may work (server unreachable, timeout, a 4xx
    reply) and ``MailError("rejected")`` for a 5xx reply or a feature the server lacks.
    """
    row = await EmailRow.objects().where(EmailRow.id == message_id).output(load_json=True).first()
    if row is None:
        logger.warning("mail %s not sent: no such message (deleted?)", message_id)
        return False
    if row.sent_at is not None:
        logger.info("mail %s already sent at %s, not sent again", message_id, row.sent_at.isoformat())
        return False
    await EmailRow.update({EmailRow.attempts: EmailRow.attempts + 1}).where(EmailRow.id == message_id)
    message = build_message(row, mail_from=settings.mail_from)
    try:
        await mailer.send(message)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        # A refusal names the recipient (SMTPRecipientsRefused): this text and the job log's traceback
        # would keep the address beyond an erasure's reach, so it is replaced and the cause not chained.
        raw = f"{type(exc).__name__}: {exc}"
        error = _without_address(raw, row.to_address)
        cause = exc if error == raw else None
        await EmailRow.update({EmailRow.last_error: error}).where(EmailRow.id == message_id)
        if _is_transient(exc):
            raise TransientError(f"mail {message_id}: {error}") from cause
        raise MailError("rejected", f"mail {message_id}: {error}") from cause
    # The guard keeps the first sent_at should two deliveries ever race.
    await EmailRow.update({EmailRow.sent_at: datetime.now(UTC), EmailRow.last_error: ""}).where(
        (EmailRow.id == message_id) & EmailRow.sent_at.is_null()
    )
    logger.info("mail %s sent", message_id)  # not the address: logs are beyond an erasure's reach
    return True


@job(name="send_email", max_tries=10, retry_backoff_s=30.0, max_backoff_s=1800.0, timeout_s=120)
async def send_email(ctx: JobContext, message_id: str) -> None:
    """Deliver one stored message (retried for about two hours while the server is unreachable)."""
    await deliver_email(uuid.UUID(message_id), settings=ctx.settings, mailer=mailer_from_settings(ctx.settings))


def build_message(row: EmailRow, *, mail_from: str) -> email.message.EmailMessage:
    """The MIME message of a stored row: text, an HTML alternative if any, then the attachments.

    The Message-ID is derived from the row's id, so a message sent twice can be recognised.
    Raises ``MailError`` (``invalid_address``, ``invalid_header``, ``invalid_attachment``).
    """
    message = email.message.EmailMessage()
    try:
        message["From"] = mail_from
        message["To"] = row.to_address
        message["Subject"] = row.subject
    except ValueError as exc:  # the email package refuses CR/LF in header values
        raise MailError("invalid_header", str(exc)) from exc
    recipients = message["To"].addresses
    if len(recipients) != 1 or not recipients[0].domain or message["To"].defects:
        # The row's id, not the address: this message ends up in the job queue's log.
        raise MailError("invalid_address", f"mail {row.id}: the recipient is not one e-mail address")
    sender = message["From"].addresses
    domain = sender[0].domain if len(sender) == 1 and sender[0].domain else "localhost"
    message["Message-ID"] = f"<{row.id}@{domain}>"
    created: datetime = row.created_at or datetime.now(UTC)
    message["Date"] = format_datetime(created if created.tzinfo else created.replace(tzinfo=UTC))
    message.set_content(row.text_body or "")
    stored = _stored_attachments(row.attachments)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
        _add_inline(message, [a for a in stored if a.content_id])
    elif any(a.content_id for a in stored):
        raise MailError("invalid_attachment", "an inline part (content_id) needs an HTML body")
    for item in stored:
        if item.content_id:
            continue
        maintype, subtype, params = _content_type(item.content_type)
        message.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename, params=params)
    return message


def _add_inline(message: email.message.EmailMessage, inline: list[Attachment]) -> None:
    """Put the inline parts beside the HTML in a multipart/related (RFC 2387), each with its Content-ID."""
    if not inline:
        return
    html = message.get_body(preferencelist=("html",))
    if not isinstance(html, email.message.EmailMessage):  # pragma: no cover - add_alternative just made it
        raise MailError("invalid_attachment", "no HTML part to attach inline parts to")
    for item in inline:
        if not re.fullmatch(r"[^<>\s@]+@[^<>\s@]+", item.content_id):
            raise MailError("invalid_attachment", f"content id {item.content_id!r} is not of the form part@domain")
        maintype, subtype, params = _content_type(item.content_type)
        html.add_related(
            item.content,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{item.content_id}>",
            filename=item.filename,
            disposition="inline",
            params=params,
        )


def _stored_attachments(raw: Any) -> list[Attachment]:
    if not isinstance(raw, list):
        raise MailError("invalid_attachment", "attachments must be a list")
    result: list[Attachment] = []
    for entry in raw:
        try:
            filename, content_type = str(entry["filename"]), str(entry["content_type"])
            content = base64.b64decode(entry["content_b64"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise MailError("invalid_attachment", f"malformed stored attachment: {exc}") from exc
        if not filename.strip():
            raise MailError("invalid_attachment", "an attachment needs a file name")
        content_id = str(entry.get("content_id") or "")
        result.append(Attachment(filename=filename, content_type=content_type, content=content, content_id=content_id))
    return result


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    parsed = email.message.EmailMessage()
    parsed["Content-Type"] = value
    header = parsed["Content-Type"]
    if header.defects or "/" not in value.split(";", 1)[0]:
        raise MailError("invalid_attachment", f"content type {value!r} is not type/subtype")
    params = {k: str(v) for k, v in header.params.items()}
    return header.maintype, header.subtype, params


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(400 <= r.code < 500 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 400 <= exc.code < 500
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return False  # the server lacks STARTTLS/AUTH we need: a setup problem, not a passing one
    return isinstance(exc, (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, OSError, TimeoutError))


def _without_address(text: str, address: str) -> str:
    """``text`` with every occurrence of ``address`` (any case) replaced by ``<recipient>``."""
    return re.sub(re.escape(address), "<recipient>", text, flags=re.IGNORECASE) if address else text


def _eml_name(message: email.message.EmailMessage) -> str:
    try:
        stamp = parsedate_to_datetime(str(message["Date"])).astimezone(UTC)
    except (TypeError, ValueError):
        stamp = datetime.now(UTC)
    message_id = str(message["Message-ID"] or "").strip("<>") or uuid.uuid4().hex
    safe_id = re.sub(r"[^A-Za-z0-9._-]", "_", message_id)[:120]
    return f"{stamp:%Y%m%dT%H%M%SZ}-{safe_id}.eml"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
