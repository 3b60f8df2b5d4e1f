"""Check-in at the gates (issue 7): lists, devices, the scan API with every result, one admission
per ticket under concurrency, offline scans reconciled (the earliest wins), the offline package,
bad input and the per-device rate limit."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from festival.editions.services import json_value
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from ticketing import catalogue, checkin, orders, payments, refunds, tickets
from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn
from ticketing.tables import Admission, Order, Scan

from .conftest import TEST_DB, empty_shop, make_settings

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
MOI = "moi-helsinki-2027"
BUYER = BuyerIn(name="Mikko Virtanen", email="mikko@example.fi", language="fi")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _bearer(role: str) -> dict[str, str]:
    return {"authorization": f"Bearer {(await auth.issue_token(None, f'{role}@{DEMO_DOMAIN}', 'tests')).secret}"}


async def _shop(edition: str = HSF, starts_in: dt.timedelta = dt.timedelta(minutes=10)) -> str:
    """A concert (slot ticket) starting ``starts_in`` from now and a festival pass; the edition's days
    moved to cover today. Returns the slot's uid."""
    from festival.tables import Edition

    today = _now().date()
    await Edition.update(
        {Edition.first_day: today - dt.timedelta(days=1), Edition.last_day: today + dt.timedelta(days=2)}
    ).where(Edition.slug == edition)
    slot = (
        await Slot.select(Slot.id, Slot.uid)
        .where((Slot.edition.slug == edition) & (Slot.kind == "public") & (Slot.status == "confirmed"))
        .order_by(Slot.starts_at)
        .first()
    )
    assert slot is not None
    start = _now() + starts_in
    await Slot.update({Slot.starts_at: start, Slot.ends_at: start + dt.timedelta(hours=2)}).where(Slot.id == slot["id"])
    currency = "EUR" if edition == HSF else "CNY"
    await catalogue.create_quota(DEMO_ACTOR, edition, "hall", "Hall", 500)
    for slug, kind, slot_uid in (("concert", "slot", str(slot["uid"])), ("pass", "festival", None)):
        await catalogue.create_ticket_type(
            DEMO_ACTOR,
            edition,
            TicketTypeIn(
                slug=slug,
                names={"en": slug.title(), "fi": {"concert": "Konsertti", "pass": "Festivaalipassi"}[slug]},
                quotas=["hall"],
                price_minor=1000,
                currency=currency,
                kind=kind,  # type: ignore[arg-type]  # a literal of the two
                slot=slot_uid,
                max_per_order=60,
            ),
        )
    return str(slot["uid"])


async def _tickets(settings: Any, edition: str, type_slug: str, quantity: int = 1) -> tuple[str, list[str]]:
    """A paid order of ``quantity`` tickets: its code and the tickets' QR payloads."""
    order = await orders.reserve(edition, [LineIn(type_slug, quantity)], BUYER)
    currency = "EUR" if edition == HSF else "CNY"
    await payments.settle(
        order.code, provider="box_office", reference="t", amount_minor=1000 * quantity, currency=currency, actor="t"
    )
    shown = await tickets.order_tickets(settings, code=order.code)
    return order.code, [t.payload for t in shown.tickets]


async def _list(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/editions/{body.pop('edition', HSF)}/checkin-lists", json=body, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _device(
    client: httpx.AsyncClient, headers: dict[str, str], lists: list[str], gate: str = "North", edition: str = HSF
) -> tuple[int, dict[str, str]]:
    response = await client.post(
        f"/api/v1/editions/{edition}/devices", json={"name": f"{gate} 1", "lists": lists, "gate": gate}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("fdt_") and body["pairing_url"].endswith(f"/scan#pair={body['token']}")
    return body["id"], {"authorization": f"Bearer {body['token']}"}


def _scan_body(payload: str, list_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "payload": payload,
        "list": list_id,
        "nonce": uuid.uuid4().hex,
        "scanned_at": _now().isoformat(),
        **extra,
    }


async def _scan(client: httpx.AsyncClient, device: dict[str, str], payload: str, list_id: int, **extra: Any) -> Any:
    response = await client.post("/api/v1/scan", json=_scan_body(payload, list_id, **extra), headers=device)
    assert response.status_code == 200, response.text
    return response.json()


async def test_lists_devices_and_every_scan_result(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Concert hall", slots=[slot_uid], gates=["North"])
    park = await _list(client, organiser, slug="park", name="Park", ticket_types=["pass"], gates=["East"])
    assert hall["ticket_types"] == [] and hall["slots"] == [slot_uid] and hall["doors_open_min"] == 30
    _, device = await _device(client, await _bearer("gate"), ["hall", "park"])  # gate staff pair devices too

    code, (concert, second) = await _tickets(settings, HSF, "concert", 2)
    _, (festival_pass,) = await _tickets(settings, HSF, "pass")

    first = await _scan(client, device, concert, hall["id"])
    assert (
        first["result"] == "admitted" and first["ok"] and first["ticket_type"] == "Konsertti"
    )  # the edition's first language
    again = await _scan(client, device, concert, hall["id"], gate="South")
    assert again["result"] == "already_admitted" and not again["ok"]
    assert again["admitted_gate"] == "North" and again["admitted_at"] == first["admitted_at"]
    assert (await _scan(client, device, festival_pass, hall["id"]))["result"] == "wrong_list"
    in_english = await client.post(
        "/api/v1/scan", json=_scan_body(festival_pass, park["id"]), headers={**device, "accept-language": "en"}
    )
    assert in_english.json()["result"] == "admitted" and in_english.json()["ticket_type"] == "Pass"  # as asked
    assert (await _scan(client, device, concert, 999_999))["result"] == "wrong_list"  # not the device's list
    latest = await Scan.select(Scan.checkin_list, Scan.detail).order_by(Scan.id, ascending=False).first()
    assert latest is not None and latest["checkin_list"] is None  # counted on no list's numbers
    assert json_value(latest["detail"])["list"] == 999_999

    # Revoked: the organiser refunds the second concert ticket.
    from ticketing.tables import Ticket

    secrets = [
        r["secret"] for r in await Ticket.select(Ticket.secret).where(Ticket.order.code == code).order_by(Ticket.id)
    ]
    await refunds.refund_tickets(settings, app.state.jobs, DEMO_ACTOR, HSF, code, [secrets[1]])
    assert (await _scan(client, device, second, hall["id"]))["result"] == "revoked"

    # Unpaid (an order back to pending: only a damaged database would hold one) and unknown tickets.
    code3, (third,) = await _tickets(settings, HSF, "concert")
    await Order.update({Order.status: "pending"}).where(Order.code == code3)
    assert (await _scan(client, device, third, hall["id"]))["result"] == "unpaid"
    await Order.update({Order.status: "cancelled"}).where(Order.code == code3)
    assert (await _scan(client, device, third, hall["id"]))["result"] == "revoked"
    await Ticket.delete().where(Ticket.order.code == code3)
    assert (await _scan(client, device, third, hall["id"]))["result"] == "unknown_ticket"

    # Forged, altered, unknown key, another edition, garbage.
    raw = bytearray(base64.b32decode(concert + "===="))
    raw[30] ^= 1
    altered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert (await _scan(client, device, altered, hall["id"]))["result"] == "bad_signature"
    raw = bytearray(base64.b32decode(concert + "===="))
    raw[2] = 9  # key id 9: the edition has no such key
    assert (await _scan(client, device, base64.b32encode(bytes(raw)).decode().rstrip("="), hall["id"]))[
        "result"
    ] == "unknown_key"
    # A forged claim with the largest numbers a payload holds: no such edition's key; nothing of it in
    # the record's columns.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ticketing import signing

    far = signing.SigningKey(2**32 - 1, 1, Ed25519PrivateKey.generate())
    foreign = signing.sign(far, signing.Claim(1, 2**32 - 1, 2**32 - 1, 2**32 - 1, 0, 2**32 - 1))
    answer = await _scan(client, device, foreign, hall["id"])
    assert answer["result"] == "unknown_key" and answer["ticket"] is None
    for garbage in (concert[:-10], concert + "AAAA", os.urandom(40).hex(), "", "x" * 2000, "\x00\x01ÄÖ票"):
        answer = await _scan(client, device, garbage, hall["id"])
        assert answer["result"] == "unreadable" and answer["ticket"] is None
    oversized = await _scan(client, device, "A" * 100_000, hall["id"])
    assert oversized["result"] == "unreadable"  # recorded like any other scan
    too_big = await client.post("/api/v1/scan", json=_scan_body("A" * 2_000_000, hall["id"]), headers=device)
    assert too_big.status_code == 413 and too_big.json()["code"] == "request_too_large"
    bad_bodies = [{"nonce": "short"}, {"direction": "sideways"}, {"scanned_at": "yesterday"}, {"list": "hall"}]
    edges = [{"scanned_at": "0001-01-01T00:00:00+14:00"}, {"scanned_at": "9999-12-31T23:59:59-14:00"}]
    for bad in [*bad_bodies, *edges, {"list": 3_000_000_000}]:
        response = await client.post("/api/v1/scan", json={**_scan_body(concert, hall["id"]), **bad}, headers=device)
        assert response.status_code in (400, 422), response.text
    for edge in edges:
        batch = {"scans": [{**_scan_body(concert, hall["id"]), **edge}]}
        response = await client.post("/api/v1/scan/batch", json=batch, headers=device)
        assert response.status_code == 400 and "out of range" in response.json()["detail"], response.text
    broken = await client.post(
        "/api/v1/scan", content=b"{not json", headers={**device, "content-type": "application/json"}
    )
    assert broken.status_code == 400

    # Every decided scan is recorded, admitted or refused.
    results = [r["result"] for r in await Scan.select(Scan.result).order_by(Scan.id)]
    assert results.count("admitted") == 2 and results.count("unreadable") == 7 and len(results) == 19


async def test_time_windows_reentry_and_exits(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop(starts_in=dt.timedelta(hours=3))
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid], doors_open_min=30)
    early = await _list(client, organiser, slug="early", name="Early doors", slots=[slot_uid], doors_open_min=240)
    park = await _list(
        client, organiser, slug="park", name="Park", ticket_types=["pass"], reentry=True, exit_scans=True
    )
    closed = await _list(
        client,
        organiser,
        slug="closed",
        name="Yesterday",
        ticket_types=["pass"],
        valid_until=(_now() - dt.timedelta(hours=1)).isoformat(),
    )
    _, device = await _device(client, organiser, ["hall", "early", "park", "closed"])
    _, (concert,) = await _tickets(settings, HSF, "concert")
    _, (festival_pass,) = await _tickets(settings, HSF, "pass")

    not_yet = await _scan(client, device, concert, hall["id"])
    assert not_yet["result"] == "not_yet_valid"
    assert (await _scan(client, device, concert, early["id"]))["result"] == "admitted"
    assert (await _scan(client, device, festival_pass, closed["id"]))["result"] == "no_longer_valid"
    assert (await _scan(client, device, concert, hall["id"], direction="exit"))["result"] == "exit_not_allowed"

    steps = [("exit", "not_inside"), ("entry", "admitted"), ("entry", "already_admitted"), ("exit", "exited")]
    steps += [("exit", "not_inside"), ("entry", "admitted"), ("entry", "already_admitted")]
    for direction, expected in steps:
        answer = await _scan(client, device, festival_pass, park["id"], direction=direction)
        assert answer["result"] == expected, (direction, answer)
    (admission,) = await Admission.select().where(Admission.checkin_list == park["id"])
    assert admission["entries"] == 2 and admission["inside"]

    # Offline scans uploaded after a later online one are counted but do not undo it: inside is what
    # the latest scan of the ticket made it.
    async def inside() -> tuple[bool, int]:
        (row,) = await Admission.select(Admission.inside, Admission.entries).where(Admission.checkin_list == park["id"])
        return bool(row["inside"]), row["entries"]

    async def offline(direction: str, at: dt.datetime) -> str:
        body = {**_scan_body(festival_pass, park["id"], scanned_at=at.isoformat(), direction=direction)}
        answer = await client.post(
            "/api/v1/scan/batch", json={"scans": [{**body, "local_result": "admitted"}]}, headers=device
        )
        return str(answer.json()["results"][0]["result"])

    assert (await _scan(client, device, festival_pass, park["id"], direction="exit"))["result"] == "exited"
    exited_at = _now()
    assert await offline("entry", exited_at - dt.timedelta(minutes=1)) == "admitted"  # before the exit
    assert await inside() == (False, 3)  # still gone out
    assert (await _scan(client, device, festival_pass, park["id"]))["result"] == "admitted"
    assert await inside() == (True, 4)
    assert await offline("exit", exited_at - dt.timedelta(seconds=30)) == "exited"  # before the last entry
    assert await inside() == (True, 4)  # still in

    # A scan for a slot that ended long ago: the signed window (12 hours after the slot) ends it.
    await Slot.update(
        {Slot.starts_at: _now() - dt.timedelta(days=3), Slot.ends_at: _now() - dt.timedelta(days=3)}
    ).where(Slot.uid == uuid.UUID(slot_uid))
    checkin.forget_cached()
    _, (late,) = await _tickets(settings, HSF, "concert")
    assert (await _scan(client, device, late, hall["id"]))["result"] == "no_longer_valid"


async def test_nonces_devices_and_editions(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    await _shop(MOI)
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid])
    moi_list = await _list(
        client, await _bearer("moi-organiser"), edition=MOI, slug="gate", name="Gate", ticket_types=["pass"]
    )
    device_id, device = await _device(client, organiser, ["hall"])
    _, (concert, other) = await _tickets(settings, HSF, "concert", 2)
    _, (moi_pass,) = await _tickets(settings, MOI, "pass")

    body = _scan_body(concert, hall["id"])
    first = (await client.post("/api/v1/scan", json=body, headers=device)).json()
    repeat = (await client.post("/api/v1/scan", json=body, headers=device)).json()
    assert first["result"] == repeat["result"] == "admitted" and first["scan"] == repeat["scan"]
    reused = (await client.post("/api/v1/scan", json={**body, "payload": other}, headers=device)).json()
    assert reused["result"] == "nonce_reused" and reused["scan"] != first["scan"]
    assert await Scan.count() == 2  # the repeat is the first scan's answer, not a new scan

    assert (await _scan(client, device, moi_pass, hall["id"]))["result"] == "other_edition"
    # A forgery in Moi Helsinki's name is a forgery, not "a ticket of another event".
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ticketing import signing

    moi_claim, _, _ = signing.read(moi_pass)
    forger = signing.SigningKey(moi_claim.edition_id, moi_claim.key_id, Ed25519PrivateKey.generate())
    forged = signing.sign(forger, moi_claim)
    answer = await _scan(client, device, forged, hall["id"])
    assert answer["result"] == "bad_signature" and answer["ticket"] is None
    assert (await _scan(client, device, moi_pass, moi_list["id"]))["result"] == "wrong_list"  # not its list

    # A device reads only its own edition: its package names only its lists and keys.
    package = (await client.get("/api/v1/scan/sync", headers=device)).json()
    assert [entry["slug"] for entry in package["lists"]] == ["hall"]
    assert package["edition"]["slug"] == HSF and package["device"]["gate"] == "North"
    assert [k["key_id"] for k in package["keys"]] == [1] and package["revoked"] == []
    assert [(a["list"], a["gate"]) for a in package["admitted"]] == [(hall["id"], "North")]
    concert_type = str(package["lists"][0]["ticket_types"][0])
    assert package["ticket_types"][concert_type] == "Konsertti" and len(package["slot_times"][concert_type]) == 2
    english = (await client.get("/api/v1/scan/sync", headers={**device, "accept-language": "en-GB,en;q=0.8"})).json()
    assert english["ticket_types"][concert_type] == "Concert"

    # Devices are for staff: organisers list and revoke them; a revoked token is refused at once.
    listed = await client.get(f"/api/v1/editions/{HSF}/devices", headers=organiser)
    assert [d["id"] for d in listed.json()] == [device_id] and listed.json()[0]["last_seen_at"] is not None
    for role in ("performer", "boxoffice", "moi-organiser"):
        refused = await client.post(
            f"/api/v1/editions/{HSF}/devices", json={"name": "x", "lists": ["hall"]}, headers=await _bearer(role)
        )
        assert refused.status_code == 403
    unknown_list = await client.post(
        f"/api/v1/editions/{HSF}/devices", json={"name": "x", "lists": ["nope"]}, headers=organiser
    )
    assert unknown_list.status_code == 422 and unknown_list.json()["code"] == "unknown_list"
    revoked = await client.post(f"/api/v1/editions/{HSF}/devices/{device_id}/revoke", headers=organiser)
    assert revoked.status_code == 204
    after = await client.post("/api/v1/scan", json=_scan_body(concert, hall["id"]), headers=device)
    assert after.status_code == 401 and after.json()["code"] == "device_revoked"
    assert (await client.get("/api/v1/scan/sync", headers=device)).status_code == 401
    user_token = await client.get("/api/v1/scan/sync", headers=organiser)  # a person's token is not a device's
    assert user_token.status_code == 401 and user_token.json()["code"] == "device_token_missing"


async def test_bad_lists_are_refused(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    await empty_shop()
    await _shop()
    organiser = await _bearer("organiser")
    cases = [
        ({"ticket_types": ["nope"]}, "unknown_ticket_type"),
        ({"slots": ["not-a-uid"]}, "invalid_slot"),
        ({"slots": [str(uuid.uuid4())]}, "invalid_slot"),
        ({}, "empty_list"),
        (
            {
                "ticket_types": ["pass"],
                "valid_from": _now().isoformat(),
                "valid_until": (_now() - dt.timedelta(hours=1)).isoformat(),
            },
            "invalid_window",
        ),
    ]
    for body, code in cases:
        response = await client.post(
            f"/api/v1/editions/{HSF}/checkin-lists", json={"slug": "x", "name": "X", **body}, headers=organiser
        )
        assert response.status_code == 422 and response.json()["code"] == code, (body, response.text)
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        body = {"slug": "x", "name": "X", "ticket_types": ["pass"], "valid_from": edge}
        response = await client.post(f"/api/v1/editions/{HSF}/checkin-lists", json=body, headers=organiser)
        assert response.status_code == 400 and "valid_from is out of range" in response.text, response.text
    made = await _list(client, organiser, slug="x", name="X", ticket_types=["pass"])
    again = await client.post(
        f"/api/v1/editions/{HSF}/checkin-lists",
        json={"slug": "x", "name": "Y", "ticket_types": ["pass"]},
        headers=organiser,
    )
    assert again.status_code == 409
    changed = await client.put(
        f"/api/v1/editions/{HSF}/checkin-lists/x",
        json={"slug": "x", "name": "Renamed", "ticket_types": ["pass", "concert"]},
        headers=organiser,
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed" and changed.json()["id"] == made["id"]
    gate = await client.post(
        f"/api/v1/editions/{HSF}/checkin-lists",
        json={"slug": "y", "name": "Y", "ticket_types": ["pass"]},
        headers=await _bearer("gate"),
    )
    assert gate.status_code == 403
    assert (await client.get(f"/api/v1/editions/{HSF}/checkin-lists", headers=await _bearer("gate"))).status_code == 200


async def test_offline_scans_are_reconciled_and_the_earliest_wins(
    app: Any, client: httpx.AsyncClient, demo: Any
) -> None:
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid], gates=["North", "South"])
    north_id, north = await _device(client, organiser, ["hall"], gate="North")
    south_id, south = await _device(client, organiser, ["hall"], gate="South")
    _, (a, b, c) = await _tickets(settings, HSF, "concert", 3)
    t0 = _now() - dt.timedelta(minutes=5)

    # Online at t0+2: South admits ticket a. North was offline and had admitted a at t0 and b at t0+1.
    assert (await _scan(client, south, a, hall["id"], scanned_at=(t0 + dt.timedelta(minutes=2)).isoformat()))[
        "result"
    ] == "admitted"
    offline = [
        {
            **_scan_body(b, hall["id"], scanned_at=(t0 + dt.timedelta(minutes=1)).isoformat()),
            "local_result": "admitted",
        },
        {**_scan_body(a, hall["id"], scanned_at=t0.isoformat()), "local_result": "admitted"},
        {**_scan_body(c, hall["id"], scanned_at=t0.isoformat()), "local_result": "revoked"},  # turned away
    ]
    uploaded = await client.post("/api/v1/scan/batch", json={"scans": offline}, headers=north)
    assert uploaded.status_code == 200, uploaded.text
    results = uploaded.json()["results"]
    assert [r["result"] for r in results] == ["admitted", "admitted", "revoked"]
    assert not any(r["conflict"] for r in results)
    # The earliest scan (North's, offline, at t0) keeps the admission of a; South's is the duplicate.
    (first,) = await Admission.select().where(Admission.ticket == results[1]["ticket"])
    assert first["first_device"] == north_id and first["first_gate"] == "North"
    flagged = await Scan.select(Scan.device, Scan.conflict, Scan.offline).where(Scan.conflict.eq(True))
    assert flagged == [{"device": south_id, "conflict": True, "offline": False}]
    assert await Admission.count().where(Admission.ticket == results[2]["ticket"]) == 0  # c was turned away

    # The same upload again (the network dropped before the answer): the same answers, nothing new.
    count = await Scan.count()
    repeat = (await client.post("/api/v1/scan/batch", json={"scans": offline}, headers=north)).json()["results"]
    assert [r["scan"] for r in repeat] == [r["scan"] for r in results] and await Scan.count() == count

    # A later offline admission of an admitted ticket: already admitted, flagged as a conflict.
    late = [{**_scan_body(b, hall["id"], scanned_at=_now().isoformat()), "local_result": "admitted"}]
    (answer,) = (await client.post("/api/v1/scan/batch", json={"scans": late}, headers=south)).json()["results"]
    assert answer["result"] == "already_admitted" and answer["conflict"] and answer["admitted_gate"] == "North"
    too_many = [_scan_body(a, hall["id"]) for _ in range(501)]
    assert (await client.post("/api/v1/scan/batch", json={"scans": too_many}, headers=south)).status_code == 400


async def test_exactly_one_of_many_concurrent_scans_admits(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    """The same ticket at many gates in the same moment: one admitted, the rest already admitted."""
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid])
    gates = 60 if TEST_DB == "postgres" else 12
    devices = [(await _device(client, organiser, ["hall"], gate=f"G{i}"))[1] for i in range(gates)]
    _, payloads = await _tickets(settings, HSF, "concert", 3)
    answers: list[str] = []

    async def one(device: dict[str, str], payload: str) -> None:
        answers.append((await _scan(client, device, payload, hall["id"]))["result"])

    async with anyio.create_task_group() as group:
        for device in devices:
            for payload in payloads:
                group.start_soon(one, device, payload)
    assert len(answers) == gates * 3
    assert answers.count("admitted") == 3 and answers.count("already_admitted") == gates * 3 - 3
    assert await Admission.count() == 3 and await Scan.count() == gates * 3


async def test_one_nonce_sent_many_times_at_once(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    """A device's retries arriving together: with one payload they all get the first answer and one
    scan is recorded; with other tickets under the same nonce one is decided, the rest nonce_reused."""
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid])
    _, device = await _device(client, organiser, ["hall"])
    copies = 20 if TEST_DB == "postgres" else 8
    _, payloads = await _tickets(settings, HSF, "concert", copies)
    answers: list[dict[str, Any]] = []

    async def send(body: dict[str, Any]) -> None:
        response = await client.post("/api/v1/scan", json=body, headers=device)
        assert response.status_code == 200, response.text
        answers.append(response.json())

    retried = _scan_body(payloads[0], hall["id"])
    async with anyio.create_task_group() as group:
        for _ in range(copies):
            group.start_soon(send, retried)
    assert {(a["result"], a["scan"]) for a in answers} == {("admitted", answers[0]["scan"])}
    assert await Scan.count() == 1 and await Admission.count() == 1

    answers.clear()
    shared = _scan_body(payloads[1], hall["id"])["nonce"]
    async with anyio.create_task_group() as group:
        for payload in payloads[1:]:
            group.start_soon(send, {**_scan_body(payload, hall["id"]), "nonce": shared})
    results = sorted(a["result"] for a in answers)
    assert results == ["admitted"] + ["nonce_reused"] * (copies - 2), results
    assert await Admission.count() == 2  # the first ticket and the one decided under the shared nonce


async def test_a_device_sending_too_many_scans_is_slowed_down(db: Any, tmp_path: Path, demo: Any) -> None:
    from festival.app import create_app

    application = create_app(make_settings(tmp_path, SCANS_PER_DEVICE_PER_MINUTE="5"), engine=db)
    async with (
        application.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as client,
    ):
        await empty_shop()
        slot_uid = await _shop()
        organiser = await _bearer("organiser")
        hall = await _list(client, organiser, slug="hall", name="Hall", slots=[slot_uid])
        _, device = await _device(client, organiser, ["hall"])
        _, other = await _device(client, organiser, ["hall"], gate="South")
        codes = [
            (await client.post("/api/v1/scan", json=_scan_body("garbage", hall["id"]), headers=device)).status_code
            for _ in range(7)
        ]
        assert codes == [200] * 5 + [429] * 2
        assert (
            await client.post("/api/v1/scan", json=_scan_body("garbage", hall["id"]), headers=other)
        ).status_code == 200
        assert (await client.get("/api/v1/scan/sync", headers=device)).status_code == 429  # syncs count too
        assert (await client.get("/api/v1/scan/sync", headers=other)).status_code == 200
        assert await Scan.count() == 6


async def test_the_redis_rate_limit_counts_across_processes_and_expires(redis_url: str) -> None:
    """Two limiters (two web processes) share one count per device; the window expires."""
    import redis.asyncio

    from festival.errors import TooManyRequests
    from ticketing.devices import WINDOW_S, RedisScanLimiter

    first, second = RedisScanLimiter(redis_url, 5), RedisScanLimiter(redis_url, 5)
    try:
        await first.count(7, 3)
        await second.count(7)
        await first.count(7)
        with pytest.raises(TooManyRequests):
            await second.count(7)
        await second.count(8, 5)  # another device has its own count
        with pytest.raises(TooManyRequests):
            await first.count(8)
        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            assert 0 < await client.ttl("festival:scans:7") <= WINDOW_S
            await client.flushdb()  # a restarted Redis: the script is loaded again, counting starts anew
            await client.script_flush()
            await first.count(7)
            assert int(await client.get("festival:scans:7") or 0) == 1
        finally:
            await client.aclose()
    finally:
        await first.close()
        await second.close()
