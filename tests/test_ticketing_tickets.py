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
from PIL import Image

from festival.errors import TooManyRequests
from festival.jobs.inprocess import InProcessJobQueue
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from ticketing import catalogue, delivery, documents, orders, payments, signing, ticket_keys
from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn
from ticketing.tables import OrderEvent, Ticket

from .conftest import empty_shop, make_settings
from .test_mail import Inbox, inbox  # noqa: F401  # the aiosmtpd fixture, shared

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = BuyerIn(name="Wang Fang 王芳", email="wang.fang@example.cn", language="zh")
SECRET = "k" * 40


def _key(edition_id: int = 7, key_id: int = 1) -> signing.SigningKey:
    return signing.SigningKey(edition_id, key_id, Ed25519PrivateKey.generate())


def _claim(key: signing.SigningKey, ticket: int = 42, ticket_type: int = 9) -> signing.Claim:
    return signing.Claim(key.key_id, ticket, key.edition_id, ticket_type, 1_800_000_000, 1_800_086_400)


def _lookup(*keys: signing.SigningKey) -> signing.PublicKeys:
    found = {(k.edition_id, k.key_id): k.private.public_key() for k in keys}
    return lambda edition_id, key_id: found.get((edition_id, key_id))


async def _verify(payload: str) -> signing.Claim:
    """Verify as a gate does: with the edition's public keys from the database."""
    claim, _, _ = signing.read(payload)
    key = await ticket_keys.verifying_key(claim.edition_id, claim.key_id)
    return signing.verify(payload, lambda _e, _k: key)


# --- the signature scheme -------------------------------------------------------------------------------


def test_a_payload_round_trips_and_fits_qr_version_6() -> None:
    key = _key()
    claim = _claim(key)
    payload = signing.sign(key, claim)
    assert len(payload) == signing.PAYLOAD_CHARS == 140 and re.fullmatch(r"[A-Z2-7]+", payload)
    assert signing.verify(payload, _lookup(key)) == claim
    assert signing.verify(payload.lower() + "\n", _lookup(key)) == claim  # scanners may send lower case
    typed = signing.grouped(payload)  # as printed under the QR code
    assert typed.count(" ") == 34 and signing.verify(typed.lower(), _lookup(key)) == claim
    body = base64.b32decode(payload + "====")[: signing.BODY_BYTES]
    assert body.hex() == "020001" + "0000002a" + "00000007" + "00000009" + "6b49d200" + "6b4b2380"


def test_altered_foreign_and_truncated_payloads_are_refused() -> None:
    key = _key()
    payload = signing.sign(key, _claim(key))
    raw = bytearray(base64.b32decode(payload + "===="))

    def refused(text: str, *keys: signing.SigningKey) -> str:
        with pytest.raises(signing.InvalidTicket) as caught:
            signing.verify(text, _lookup(*(keys or (key,))))
        return caught.value.code

    def encoded(data: bytes | bytearray) -> str:
        return base64.b32encode(bytes(data)).decode().rstrip("=")

    for index in (3, 8, 12, 16, 20, 30, len(raw) - 1):  # ticket, edition, type, window, signature
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        assert refused(encoded(tampered)) in ("bad_signature", "unknown_key")
    other = _key()  # same edition and key id, another key pair: the signature gives it away
    assert refused(signing.sign(other, _claim(other))) == "bad_signature"
    assert refused(signing.sign(_key(key_id=2), _claim(_key(key_id=2)))) == "unknown_key"
    assert refused(signing.sign(_key(edition_id=8), _claim(_key(edition_id=8)))) == "unknown_key"
    assert refused(payload[:-8]) == "unreadable"
    assert refused(payload + "AAAAAAAA") == "unreadable"
    assert refused(payload[:-1] + "1") == "unreadable"  # not base32
    assert refused("") == "unreadable"
    assert refused(bytes(range(256)).decode("latin-1")) == "unreadable"
    wrong_version = bytearray(raw)
    wrong_version[0] = 1
    assert refused(encoded(wrong_version)) == "unreadable"
    with pytest.raises(ValueError):
        signing.sign(key, _claim(_key(edition_id=8)))  # the claim of another edition's key
    with pytest.raises(ValueError):
        signing.sign(key, signing.Claim(1, 2**32, 7, 9, 0, 1))


async def test_each_edition_gets_its_key_on_first_use_sealed_and_rotated(demo: Any, tmp_path: Path) -> None:
    from festival.tables import Edition
    from ticketing.tables import TicketKey

    settings = make_settings(tmp_path, SECRET_KEY=SECRET)
    hsf = await Edition.select(Edition.id).where(Edition.slug == HSF).first()
    moi = await Edition.select(Edition.id).where(Edition.slug == "moi-helsinki-2027").first()
    assert hsf is not None and moi is not None
    first = await ticket_keys.signing_key(settings, hsf["id"])
    assert first.key_id == 1 and await ticket_keys.signing_key(settings, hsf["id"]) == first
    other = await ticket_keys.signing_key(settings, moi["id"])
    assert other.key_id == 1 and signing.raw_public_key(other.private.public_key()) != signing.raw_public_key(
        first.private.public_key()
    )
    (row,) = await TicketKey.select().where(TicketKey.edition == hsf["id"])
    seed = first.private.private_bytes_raw()
    assert seed.hex() not in row["sealed_private"] and signing.b64(seed) not in row["sealed_private"]
    old = signing.sign(first, signing.Claim(1, 5, hsf["id"], 9, 0, 10))
    assert (await _verify(old)).ticket_id == 5
    # Another SECRET_KEY cannot open the sealed key: a clear error, not a silent new key.
    ticket_keys.unseal.cache_clear()
    with pytest.raises(ticket_keys.SealedElsewhere):
        await ticket_keys.signing_key(make_settings(tmp_path, SECRET_KEY="x" * 40), hsf["id"])

    assert await ticket_keys.rotate(settings, HSF) == 2
    second = await ticket_keys.signing_key(settings, hsf["id"])
    assert second.key_id == 2
    assert [(k.key_id, k.signing) for k in await ticket_keys.public_keys(hsf["id"])] == [(2, True), (1, False)]
    assert (await _verify(old)).ticket_id == 5  # retired keys still verify
    assert await ticket_keys.rotate(settings, HSF, revoke_old=True) == 3
    assert [k.key_id for k in await ticket_keys.public_keys(hsf["id"])] == [3]
    with pytest.raises(signing.InvalidTicket) as caught:
        await _verify(old)
    assert caught.value.code == "unknown_key"


async def test_two_processes_making_the_first_key_at_once_keep_one(demo: Any, tmp_path: Path) -> None:
    import anyio

    from festival.tables import Edition
    from ticketing.tables import TicketKey

    settings = make_settings(tmp_path, SECRET_KEY=SECRET)
    hsf = await Edition.select(Edition.id).where(Edition.slug == HSF).first()
    assert hsf is not None
    made: list[signing.SigningKey] = []

    async def make() -> None:
        made.append(await ticket_keys.signing_key(settings, hsf["id"]))

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(make)
    assert len({k.key_id for k in made}) == 1
    assert await TicketKey.count().where(TicketKey.edition == hsf["id"]) == 1


def test_the_qr_code_holds_exactly_the_payload_at_version_6_or_less() -> None:
    key = _key(2**32 - 1, 2**16 - 1)
    payload = signing.sign(key, signing.Claim(key.key_id, 2**32 - 1, key.edition_id, 2**32 - 1, 0, 2**32 - 1))
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
    ids = {r["id"] for r in await Ticket.select(Ticket.id).where(Ticket.order.code == code)}
    for cid in cids:
        image = related[cid].get_payload(decode=True)
        (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
        assert (await _verify(found.text)).ticket_id in ids
    assert f"/{HSF}/orders/{code}" in text and "音乐会" in text

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert sorted(attachments) == ["ticket-1.pdf", "ticket-2.pdf", "tickets.ics"]
    decoded = set()
    for name in ("ticket-1.pdf", "ticket-2.pdf"):
        pdf = attachments[name].get_payload(decode=True)
        assert pdf.startswith(b"%PDF")
        decoded.add(_qr_in_pdf(pdf))
    assert {(await _verify(p)).ticket_id for p in decoded} == ids

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

    keys = await client.get(f"/api/v1/editions/{HSF}/ticket-keys")
    assert keys.status_code == 200
    (key,) = keys.json()
    assert key == {"key_id": 1, "public_key": key["public_key"], "algorithm": "Ed25519", "signing": True}
    assert len(base64.urlsafe_b64decode(key["public_key"] + "=")) == 32
    assert (await client.get("/api/v1/editions/no-such/ticket-keys")).status_code == 404


def test_the_buyer_is_one_address_whatever_their_name() -> None:
    from email.utils import getaddresses

    for name in ("Virtanen, Matti", 'Li "Lily" Wei', "王芳", "Åsa Öberg"):
        to = delivery.recipient(name, "buyer@example.org")
        assert getaddresses([to]) == [(name, "buyer@example.org")], to
    assert delivery.recipient("x" * 250, "buyer@example.org") == "buyer@example.org"  # too long together
