"""Tickets (issue 6, point 5): signed QR payloads that scanners check with public keys only, the
tickets e-mail (inline QR codes, a PDF per admission, the slot's calendar file) sent by a job to a
real SMTP server, resends, and the order page behind its secret link."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from PIL import Image

from festival.errors import TooManyRequests
from festival.jobs.inprocess import InProcessJobQueue
from festival.settings import SettingsError
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from ticketing import catalogue, delivery, documents, orders, payments, signing
from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn
from ticketing.tables import OrderEvent, Ticket

from .conftest import empty_shop, make_settings
from .test_mail import Inbox, inbox  # noqa: F401  # the aiosmtpd fixture, shared

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = BuyerIn(name="Wang Fang 王芳", email="wang.fang@example.cn", language="zh")
SECRET = "k" * 40


def _ring(**env: str) -> signing.KeyRing:
    from festival.settings import load_settings

    return signing.keys_of(load_settings({"SECRET_KEY": SECRET, "FESTIVAL_STATE_DIR": "/tmp/unused", **env}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


# --- the signature scheme -------------------------------------------------------------------------------


def test_a_payload_round_trips_and_fits_qr_version_6() -> None:
    keys = _ring()
    secret = signing.new_ticket_secret()
    assert len(secret) == 24 and re.fullmatch(r"[A-Z2-7]{24}", secret)
    payload = signing.sign(keys, 7, 42, secret)
    assert len(payload) == signing.PAYLOAD_CHARS == 144 and re.fullmatch(r"[A-Z2-7]+", payload)
    claim = signing.verify(payload, keys)
    assert (claim.edition_id, claim.ticket_type_id, claim.secret, claim.version) == (7, 42, secret, 1)
    assert claim.key_id == keys.signing_id.hex() == keys.public_keys()[0].key_id
    assert _ring() == keys  # derived from SECRET_KEY: every process signs alike
    assert signing.verify(payload.lower(), keys) == claim


def test_altered_foreign_and_truncated_payloads_are_refused() -> None:
    keys = _ring()
    payload = signing.sign(keys, 7, 42, signing.new_ticket_secret())
    raw = bytearray(base64.b32decode(payload))

    def refused(text: str) -> str:
        with pytest.raises(signing.InvalidTicket) as caught:
            signing.verify(text, keys)
        return caught.value.code

    for index in (5, 10, 20, 40, len(raw) - 1):  # edition, ticket type, nonce, signature
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        assert refused(base64.b32encode(bytes(tampered)).decode()) == "ticket_bad_signature"
    other = _ring(TICKET_SIGNING_KEY=_b64(_seed()))
    assert refused(signing.sign(other, 7, 42, signing.new_ticket_secret())) == "ticket_unknown_key"
    # Another key under our key id: the signature gives it away.
    forged = bytearray(base64.b32decode(signing.sign(other, 7, 42, signing.new_ticket_secret())))
    forged[1:3] = keys.signing_id
    assert refused(base64.b32encode(bytes(forged)).decode()) == "ticket_bad_signature"
    assert refused(payload[:-8]) == "ticket_malformed"
    assert refused(payload + "AAAAAAAA") == "ticket_malformed"
    assert refused(payload[:-1] + "1") == "ticket_malformed"  # not base32
    assert refused("") == "ticket_malformed"
    wrong_version = bytearray(raw)
    wrong_version[0] = 2
    assert refused(base64.b32encode(bytes(wrong_version)).decode()) == "ticket_malformed"
    with pytest.raises(ValueError):
        signing.sign(keys, 7, 42, "not-a-ticket-secret")


def test_rotation_keeps_old_tickets_valid_while_their_key_is_listed() -> None:
    old_seed, new_seed = _seed(), _seed()
    old = _ring(TICKET_SIGNING_KEY=_b64(old_seed))
    ticket = signing.sign(old, 1, 2, signing.new_ticket_secret())
    old_public = (
        Ed25519PrivateKey.from_private_bytes(old_seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    rotated = _ring(TICKET_SIGNING_KEY=_b64(new_seed), TICKET_VERIFY_KEYS=f" {_b64(old_public)} ,")
    assert signing.verify(ticket, rotated).key_id == old.signing_id.hex()
    listed = rotated.public_keys()
    assert [k.key_id for k in listed] == [rotated.signing_id.hex(), old.signing_id.hex()]
    assert listed[1].public_key == _b64(old_public) and listed[1].algorithm == "Ed25519"
    with pytest.raises(signing.InvalidTicket):
        signing.verify(ticket, _ring(TICKET_SIGNING_KEY=_b64(new_seed)))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TICKET_SIGNING_KEY", "too-short"),
        ("TICKET_SIGNING_KEY", "!" * 43),
        ("TICKET_VERIFY_KEYS", _b64(b"x" * 32) + "," + _b64(b"y" * 31)),
    ],
)
def test_bad_ticket_keys_stop_the_start(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        _ring(**{variable: value})
    assert caught.value.variable == variable


def test_the_qr_code_holds_exactly_the_payload_at_version_6_or_less() -> None:
    payload = signing.sign(_ring(), 2**32 - 1, 2**32 - 1, signing.new_ticket_secret())
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(documents.qr_png(payload))))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.text == payload
    assert found.ec_level == "M"
    assert int(found.extra["Version"]) <= 6
    svg = documents.qr_svg(payload, "QR code of ticket 1")
    assert svg.startswith('<svg class="qr" role="img" aria-label="QR code of ticket 1"') and "style=" not in svg


# --- delivery ----------------------------------------------------------------------------------------


async def _slot_ticket_type() -> Any:
    """A ticket type for one published run of the demo programme (a concert at a venue)."""
    await empty_shop()
    slot = (
        await Slot.select(Slot.id, Slot.uid)
        .where((Slot.edition.slug == HSF) & (Slot.kind == "public") & (Slot.status == "confirmed"))
        .order_by(Slot.starts_at)
        .first()
    )
    assert slot is not None
    await catalogue.create_quota(DEMO_ACTOR, HSF, "hall", "Hall", 20)
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(
            slug="concert",
            names={"en": "Concert", "zh": "音乐会"},
            quotas=["hall"],
            price_minor=1500,
            currency="EUR",
            kind="slot",
            slot=str(slot["uid"]),
        ),
    )
    return slot


async def _paid_order(quantity: int = 2) -> str:
    order = await orders.reserve(HSF, [LineIn("concert", quantity)], BUYER)
    await payments.settle(
        order.code, provider="box_office", reference="t", amount_minor=1500 * quantity, currency="EUR", actor="tests"
    )
    return order.code


def _smtp_settings(tmp_path: Path, port: int, **env: str) -> Any:
    return make_settings(
        tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="Festival <tickets@kevatjuhla.example>", **env
    )


async def _events(code: str) -> list[str]:
    rows = await OrderEvent.select(OrderEvent.kind).where(OrderEvent.order.code == code).order_by(OrderEvent.id)
    return [r["kind"] for r in rows]


async def test_a_paid_order_gets_its_tickets_by_email(tmp_path: Path, demo: Any, inbox: tuple[Inbox, int]) -> None:  # noqa: F811
    handler, port = inbox
    settings = _smtp_settings(tmp_path, port, CALENDAR_UID_DOMAIN="kevatjuhla.example")
    slot = await _slot_ticket_type()
    code = await _paid_order(2)
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    await queue.start()
    assert await delivery.enqueue_tickets(queue, code)
    await queue.drain()
    assert not await delivery.enqueue_tickets(queue, code)  # the same send again: nothing more
    await queue.drain()
    await queue.close()
    fresh = InProcessJobQueue(settings, periodic_jobs=[])  # a restart: the queue forgot the job id
    await delivery.enqueue_tickets(fresh, code)
    await fresh.drain()
    await fresh.close()

    (message,) = handler.messages()
    assert handler.envelopes[0].rcpt_tos == ["wang.fang@example.cn"]
    assert "您的门票" in str(message["Subject"])  # the order's language
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 2
    related = {part["Content-ID"].strip("<>"): part for part in message.walk() if part["Content-ID"]}
    assert set(cids) == set(related)
    secrets_ = {r["secret"] for r in await Ticket.select(Ticket.secret).where(Ticket.order.code == code)}
    keys = signing.keys_of(settings)
    for cid in cids:
        image = related[cid].get_payload(decode=True)
        (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
        assert signing.verify(found.text, keys).secret in secrets_
    assert f"/{HSF}/orders/{code}" in text and "音乐会" in text

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert sorted(attachments) == ["ticket-1.pdf", "ticket-2.pdf", "tickets.ics"]
    decoded = set()
    for name in ("ticket-1.pdf", "ticket-2.pdf"):
        pdf = attachments[name].get_payload(decode=True)
        assert pdf.startswith(b"%PDF")
        decoded.add(_qr_in_pdf(pdf))
    assert {signing.verify(p, keys).secret for p in decoded} == secrets_

    import icalendar

    calendar = icalendar.Calendar.from_ical(attachments["tickets.ics"].get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{slot['uid']}@kevatjuhla.example"  # as in the public feeds
    assert await _events(code) == ["reserved", "paid", "tickets_sent"]


def _qr_in_pdf(pdf: bytes) -> str:
    """The QR code of a ticket PDF, read back from the image embedded in it."""
    from pypdf import PdfReader

    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
    return str(found.text)


async def test_a_resend_sends_again_and_an_unpaid_order_gets_nothing(
    tmp_path: Path,
    demo: Any,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    handler, port = inbox
    settings = _smtp_settings(tmp_path, port)
    await _slot_ticket_type()
    code = await _paid_order(1)
    unpaid = await orders.reserve(HSF, [LineIn("concert", 1)], BUYER)
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    await queue.start()
    await delivery.enqueue_tickets(queue, code)
    await delivery.enqueue_tickets(queue, unpaid.code)
    await queue.drain()
    assert len(handler.envelopes) == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    await delivery.request_resend(queue, code, HSF, now=later)
    await queue.drain()
    assert len(handler.envelopes) == 2
    with pytest.raises(TooManyRequests):
        await delivery.request_resend(queue, code, HSF, now=later + dt.timedelta(seconds=30))
    await queue.close()
    assert await _events(code) == ["reserved", "paid", "tickets_sent", "tickets_resend_requested", "tickets_resent"]
    assert await _events(unpaid.code) == ["reserved"]


# --- the order page ----------------------------------------------------------------------------------


async def test_the_order_page_shows_the_tickets_and_resends(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    await _slot_ticket_type()
    code = await _paid_order(2)
    page = await client.get(f"/{HSF}/orders/{code}", headers={"accept-language": "en"})
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in page.headers["x-robots-tag"]
    assert "Concert" in page.text and "Paid" in page.text and "Wang Fang" in page.text
    assert page.text.count('<svg class="qr"') == 2
    pdf = await client.get(f"/{HSF}/orders/{code}/tickets/2")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/{HSF}/orders/{code}/tickets/3")).status_code == 404

    for wrong in (f"/{HSF}/orders/{'x' * 32}", f"/moi-helsinki-2027/orders/{code}", f"/{HSF}/orders/short"):
        missing = await client.get(wrong, headers={"accept": "text/html"})
        assert missing.status_code == 404 and "<html" in missing.text

    csrf_page = await client.get(f"/{HSF}/orders/{code}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', csrf_page.text)
    form = {"_csrf_token": token.group(1)} if token else {}
    # The first e-mail went out a moment ago (the box office path enqueues it; here nobody did yet).
    sent = await client.post(f"/{HSF}/orders/{code}/resend", data=form, headers={"accept": "text/html"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("?notice=sent")
    again = await client.post(f"/{HSF}/orders/{code}/resend", data=form, headers={"accept": "text/html"})
    assert again.status_code == 429 and "less than a minute ago" in again.text
    assert (await _events(code)).count("tickets_resend_requested") == 1


async def test_the_box_office_payment_sends_the_tickets_and_the_keys_are_public(
    app: Any, client: httpx.AsyncClient, demo: Any
) -> None:
    from festival.auth import services as auth
    from festival.demo import DEMO_DOMAIN

    await _slot_ticket_type()
    order = await orders.reserve(HSF, [LineIn("concert", 1)], BUYER)
    token = (await auth.issue_token(None, f"boxoffice@{DEMO_DOMAIN}", "tests")).secret
    paid = await client.post(
        f"/api/v1/editions/{HSF}/orders/{order.code}/box-office-payment",
        json={"amount_minor": 1500, "currency": "EUR"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert paid.status_code == 200, paid.text
    await app.state.jobs.drain()
    assert "tickets_sent" in await _events(order.code)
    settings = app.state.settings
    (eml,) = settings.outbox_dir.glob("*.eml")
    assert b"ticket-1.pdf" in eml.read_bytes()

    keys = await client.get("/api/v1/ticket-keys")
    assert keys.status_code == 200
    (key,) = keys.json()
    assert key == {
        "key_id": signing.keys_of(settings).signing_id.hex(),
        "public_key": key["public_key"],
        "algorithm": "Ed25519",
    }
    assert len(base64.urlsafe_b64decode(key["public_key"] + "=")) == 32


def test_the_buyer_is_one_address_whatever_their_name() -> None:
    from email.utils import getaddresses

    for name in ("Virtanen, Matti", 'Li "Lily" Wei', "王芳", "Åsa Öberg"):
        to = delivery.recipient(name, "buyer@example.org")
        assert getaddresses([to]) == [(name, "buyer@example.org")], to
    assert delivery.recipient("x" * 250, "buyer@example.org") == "buyer@example.org"  # too long together
