"""The scanner page in Chromium with a fake camera (issue 7, point 6): Chromium's fake capture device
plays a YUV4MPEG2 video of a real ticket's QR code, the page reads it (BarcodeDetector where the
browser has one, else the vendored jsQR) and asks the live server, or decides by itself with
WebCrypto Ed25519 when the network is cut; the queued scans reach the server when it comes back."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    artifact_path,
    chromium_browser,
    chromium_installed,
    demo_site,
    live_server,
    open_page,
    service_missing,
)
from ticketing import documents, orders, payments, signing, tickets
from ticketing.schemas import BuyerIn, LineIn
from ticketing.tables import Admission, Scan, Ticket

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

HSF = "hsf-2027"
PASS = "festival-pass"
BUYER = BuyerIn(name="Liu Yang 刘洋", email="liu.yang@example.cn", language="zh")
CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
FRAME = (640, 480)
QUEUE_UPLOAD_TIMEOUT_MS = 30_000  # the page retries every 10 s, and at once on the "online" event
# Counts what the page does to be heard and felt: each vibration pattern and each tone it plays.
FEEDBACK_PROBE = """
window.feedbackProbe = { vibrations: [], tones: 0 };
navigator.vibrate = (pattern) => { window.feedbackProbe.vibrations.push(pattern); return true; };
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.feedbackProbe.tones += 1;
  return createOscillator.call(this);
};
"""


@dataclass(frozen=True)
class Gate:
    """A paired scanner's world: its pairing link, its list, and paid tickets of a type on the list."""

    pairing_url: str
    list_id: int
    type_name: str  # the pass's name in English (the pages' language in these tests)
    type_name_fi: str
    tickets: list[str]  # QR payloads of valid, paid tickets
    revoked: str  # the payload of a refunded ticket


def ticket_id(payload: str) -> int:
    claim, _, _ = signing.read(payload)
    return claim.ticket_id


def tampered(payload: str, byte: int) -> str:
    """The payload with one bit of ``byte`` flipped (0-22: the body, 23-86: the signature)."""
    raw = bytearray(base64.b32decode(payload + "===="))
    raw[byte] ^= 0x01
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


def qr_video(payload: str, path: Path, frames: int = 5) -> Path:
    """A YUV4MPEG2 (4:2:0) video, 640x480, of the ticket's QR code (as the order page and the PDF draw
    it) on white: what Chromium's fake camera plays in a loop. Checked with zxing-cpp first."""
    code = Image.open(io.BytesIO(documents.qr_png(payload, box_size=8))).convert("L")
    frame = Image.new("L", FRAME, 255)
    frame.paste(code, ((FRAME[0] - code.width) // 2, (FRAME[1] - code.height) // 2))
    (found,) = zxingcpp.read_barcodes(frame)
    assert found.text == payload
    luma = frame.tobytes()
    chroma = bytes([128]) * ((FRAME[0] // 2) * (FRAME[1] // 2))  # grey: no colour
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@contextlib.asynccontextmanager
async def camera_browser(video: Path) -> AsyncIterator[Browser]:
    """Chromium whose camera shows ``video`` (and which grants camera access without asking)."""
    if not chromium_installed():
        service_missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    args = [*CHROMIUM_ARGS, *CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="module")
async def gate(demo_site: Any, live_server: LiveServer) -> Gate:
    """HSF 2027 moved to cover today, a check-in list of festival passes at the North gate, a device
    paired through the API, three paid passes and a fourth refunded."""
    from festival.tables import Edition

    today = dt.datetime.now(dt.UTC).date()
    await Edition.update(
        {Edition.first_day: today - dt.timedelta(days=1), Edition.last_day: today + dt.timedelta(days=2)}
    ).where(Edition.slug == HSF)
    organiser = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "scanner tests")).secret
    headers = {"authorization": f"Bearer {organiser}"}
    order_code, shown = await paid_passes(4)  # the most one order may hold
    payloads = [t.payload for t in shown]
    async with httpx.AsyncClient(base_url=live_server.base_url, headers=headers) as api:
        made = await api.post(
            f"/api/v1/editions/{HSF}/checkin-lists",
            json={"slug": "park", "name": "Park gates", "ticket_types": [PASS], "gates": ["North", "South"]},
        )
        assert made.status_code == 201, made.text
        paired = await api.post(
            f"/api/v1/editions/{HSF}/devices", json={"name": "North gate 1", "lists": ["park"], "gate": "North"}
        )
        assert paired.status_code == 201, paired.text
        refunded = await api.post(
            f"/api/v1/editions/{HSF}/orders/{order_code}/refund", json={"tickets": [shown[-1].secret]}
        )
        assert refunded.status_code == 200, refunded.text
        device = {"authorization": f"Bearer {paired.json()['token']}"}
        sync = (await api.get("/api/v1/scan/sync", headers={**device, "accept-language": "en"})).json()
        sync_fi = (await api.get("/api/v1/scan/sync", headers={**device, "accept-language": "fi"})).json()
    pass_type = await Ticket.select(Ticket.ticket_type).where(Ticket.id == ticket_id(payloads[0])).first()
    return Gate(
        pairing_url=paired.json()["pairing_url"],
        list_id=made.json()["id"],
        type_name=sync["ticket_types"][str(pass_type["ticket_type"])],
        type_name_fi=sync_fi["ticket_types"][str(pass_type["ticket_type"])],
        tickets=payloads[:-1],
        revoked=payloads[-1],
    )


async def paid_passes(count: int) -> tuple[str, list[Any]]:
    """A paid order of ``count`` festival passes (as the box office settles it): its code and tickets."""
    order = await orders.reserve(HSF, [LineIn(PASS, count)], BUYER)
    await payments.settle(
        order.code,
        provider="box_office",
        reference="scanner-tests",
        amount_minor=order.total_minor,
        currency=order.currency,
        actor="tests",
    )
    return order.code, list((await tickets.order_tickets(live_settings(), code=order.code)).tickets)


def live_settings() -> Any:
    """Settings of this test process (the same database and SECRET_KEY as the live server)."""
    from festival.settings import load_settings

    return load_settings()


async def scans_of(payload: str) -> list[dict[str, Any]]:
    return await (
        Scan.select(Scan.result, Scan.offline, Scan.conflict, Scan.gate)
        .where(Scan.ticket == ticket_id(payload))
        .order_by(Scan.id)
    )


async def admissions_of(gate: Gate, payload: str) -> list[dict[str, Any]]:
    return await Admission.select(Admission.first_gate, Admission.inside).where(
        (Admission.checkin_list == gate.list_id) & (Admission.ticket == ticket_id(payload))
    )


async def pair(page: Page, gate: Gate) -> None:
    """Open the pairing link and wait for the first offline package."""
    from playwright.async_api import expect

    await page.goto(gate.pairing_url)
    await expect(page.locator("#device-name")).to_have_text("North gate 1")
    await expect(page.locator("body")).to_have_attribute("data-synced", re.compile(r"^\d+$"))
    assert "#" not in page.url and "fdt_" not in page.url  # the token left the address bar at once
    await expect(page.locator("#network")).to_have_attribute("data-state", "online")
    await expect(page.locator("#list-choice")).to_have_value(str(gate.list_id))


async def check_code(page: Page, code: str) -> None:
    await page.get_by_label("Ticket code").fill(code)
    await page.get_by_role("button", name="Check", exact=True).click()


async def test_camera_scan_online(gate: Gate, live_server: LiveServer, tmp_path: Path) -> None:
    from playwright.async_api import expect

    payload = gate.tickets[0]
    async with camera_browser(qr_video(payload, tmp_path / "ticket.y4m")) as browser:
        async with open_page(browser, live_server) as (page, problems):
            await page.add_init_script(FEEDBACK_PROBE)
            await pair(page, gate)
            result = page.locator("#result")
            await page.get_by_role("button", name="Start camera").click()
            await expect(result).to_have_attribute("data-result", "admitted")
            assert await page.evaluate("window.feedbackProbe") == {"vibrations": [120], "tones": 1}  # one beep
            await expect(result).to_have_attribute("data-state", "ok")
            await expect(page.locator("#result-reason")).to_have_text("Admitted")
            await expect(page.locator("#result-type")).to_have_text(gate.type_name)
            await expect(page.locator("#result-offline")).to_be_hidden()
            assert await page.locator("body").get_attribute("data-decoder") in ("jsqr", "barcode-detector")
            screenshot = artifact_path("scan-admitted.png")
            await page.screenshot(path=str(screenshot))
            assert await admissions_of(gate, payload) == [{"first_gate": "North", "inside": True}]
            assert [(s["result"], s["offline"]) for s in await scans_of(payload)] == [("admitted", False)]

            # The same ticket again: the camera is started anew with the code still in front of it.
            await page.get_by_role("button", name="Stop camera").click()
            await page.get_by_role("button", name="Start camera").click()
            await expect(result).to_have_attribute("data-result", "already_admitted")
            await expect(result).to_have_attribute("data-state", "refused")
            await expect(page.locator("#result-reason")).to_have_text("Already admitted")
            await expect(page.locator("#result-detail")).to_contain_text("gate North")
            refused = {"vibrations": [120, [200, 100, 200]], "tones": 3}  # two low buzzes
            assert await page.evaluate("window.feedbackProbe") == refused
            await page.get_by_role("button", name="Stop camera").click()
            await page.screenshot(path=str(artifact_path("scan-already-admitted.png")))
            await expect(page.locator("#queued")).to_have_attribute("data-count", "0")
            problems.assert_none()
    assert [s["result"] for s in await scans_of(payload)] == ["admitted", "already_admitted"]
    assert len(await admissions_of(gate, payload)) == 1


async def test_camera_scan_with_the_network_cut(gate: Gate, live_server: LiveServer, tmp_path: Path) -> None:
    """Loaded once online, the page reloads from its service worker with the network gone, decides by
    itself, queues, and uploads the queue by itself when the network returns."""
    from playwright.async_api import expect

    payload = gate.tickets[1]
    async with camera_browser(qr_video(payload, tmp_path / "ticket.y4m")) as browser:
        async with open_page(browser, live_server) as (page, problems):
            await pair(page, gate)
            await expect(page.locator("body")).to_have_attribute("data-offline-ready", "true")  # its service worker

            await page.context.set_offline(True)
            reloaded = await page.reload()
            assert reloaded is not None and reloaded.ok and reloaded.from_service_worker
            await expect(page.locator("body")).to_have_attribute("data-ready", "true")
            await expect(page.locator("#network")).to_have_attribute("data-state", "offline")
            await expect(page.locator("#network")).to_have_text("Offline")
            await expect(page.locator("#device-name")).to_have_text("North gate 1")  # from IndexedDB

            result = page.locator("#result")
            await page.get_by_role("button", name="Start camera").click()
            await expect(result).to_have_attribute("data-result", "admitted")
            await page.get_by_role("button", name="Stop camera").click()
            await expect(page.locator("#result-type")).to_have_text(gate.type_name)
            await expect(page.locator("#result-offline")).to_be_visible()
            await expect(page.locator("#queued")).to_have_attribute("data-count", "1")
            await page.screenshot(path=str(artifact_path("scan-offline-admitted.png")))

            await check_code(page, gate.revoked.lower())  # typed in lower case: the same code
            await expect(result).to_have_attribute("data-result", "revoked")
            await expect(result).to_have_attribute("data-state", "refused")
            await expect(page.locator("#result-reason")).to_have_text("Revoked: refunded or cancelled")
            await expect(page.locator("#queued")).to_have_attribute("data-count", "2")
            assert await scans_of(payload) == [] and await scans_of(gate.revoked) == []  # nothing reached the server

            await page.context.set_offline(False)
            await expect(page.locator("#queued")).to_have_attribute("data-count", "0", timeout=QUEUE_UPLOAD_TIMEOUT_MS)
            await expect(page.locator("#network")).to_have_attribute("data-state", "online")
            await expect(page.locator("#upload-state")).to_contain_text("2")
            problems.assert_none()
    assert [(s["result"], s["offline"], s["conflict"]) for s in await scans_of(payload)] == [("admitted", True, False)]
    assert await admissions_of(gate, payload) == [{"first_gate": "North", "inside": True}]
    assert [(s["result"], s["offline"]) for s in await scans_of(gate.revoked)] == [("revoked", True)]


async def test_offline_checks_signatures_with_webcrypto(
    chromium_browser: Browser, gate: Gate, live_server: LiveServer
) -> None:
    """With the network cut, an altered code is refused by the page's own Ed25519 check (body or
    signature changed), garbage is unreadable, and a genuine code still passes."""
    from playwright.async_api import expect

    async with open_page(chromium_browser, live_server) as (page, problems):
        await pair(page, gate)
        await page.context.set_offline(True)
        result = page.locator("#result")
        genuine = gate.tickets[2]
        for altered in (tampered(genuine, 12), tampered(genuine, 40)):  # the ticket type; the signature
            await check_code(page, altered)
            await expect(result).to_have_attribute("data-result", "bad_signature")
            await expect(page.locator("#result-reason")).to_have_text("Forged or altered code")
            await expect(page.locator("#result-offline")).to_be_visible()
            await check_code(page, "NOT-A-TICKET")
            await expect(result).to_have_attribute("data-result", "unreadable")
        await check_code(page, genuine)
        await expect(result).to_have_attribute("data-result", "admitted")
        await expect(page.locator("#network")).to_have_attribute("data-state", "offline")
        await expect(page.locator("#queued")).to_have_attribute("data-count", "5")
        await page.screenshot(path=str(artifact_path("scan-offline-bad-signature.png")))
        problems.assert_none()
    assert await scans_of(genuine) == []  # the context closed offline: its queue never left the page


DECIDE_ALL = """
async ({ pkg, own, cases }) => {
  const ticket = await import("/static/scan/ticket.js");
  const keys = await ticket.importKeys(pkg.keys);
  const known = ticket.admissionsOf(pkg, own);
  const results = [];
  for (const c of cases) {
    const decided = await ticket.decide({
      pkg, keys, known, listId: c.list, direction: c.direction, text: c.payload, now: c.now * 1000,
    });
    results.push(decided.result + (decided.admittedGate ? "@" + decided.admittedGate : ""));
  }
  return results;
}
"""


async def test_offline_decisions_follow_the_servers_rules(chromium_browser: Browser, live_server: LiveServer) -> None:
    """The page's own decision (static/scan/ticket.js) over one offline package, case by case, in the
    order of ticketing/checkin.py: list, payload, edition, key, signature, revocation, types, window
    (the slot's doors within the signed window, within the list's bounds; exits at any time), then
    the admissions it knows (the package's and its own scans)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    t = 1_900_000_000  # the moment of most scans (Unix seconds)
    hour = 3600

    def iso(at: int) -> str:
        return dt.datetime.fromtimestamp(at, dt.UTC).isoformat().replace("+00:00", "Z")

    def ticket(number: int, ticket_type: int = 11, *, edition: int = 3, key_id: int = 1, valid_from: int = 0) -> str:
        signer = signing.SigningKey(edition, key_id, stranger if key_id == 2 else key)
        window = (valid_from or t - 12 * hour, t + 12 * hour)
        return signing.sign(signer, signing.Claim(key_id, number, edition, ticket_type, *window))

    def listed(list_id: int, types: list[int], **rules: Any) -> dict[str, Any]:
        base = {"slug": f"l{list_id}", "name": f"List {list_id}", "gates": [], "reentry": False, "exit_scans": False}
        return {"id": list_id, **base, "valid_from": None, "valid_until": None, "doors_open_min": 30,
                "doors_close_min": 0, "ticket_types": types, **rules}  # fmt: skip

    pkg = {
        "edition": {"id": 3, "slug": "e", "name": "E", "time_zone": "Europe/Helsinki"},
        "device": {"id": 1, "name": "Gate", "gate": "North"},
        "server_time": iso(t),
        "keys": [
            {"key_id": 1, "public_key": signing.b64(signing.raw_public_key(key.public_key())), "algorithm": "Ed25519"}
        ],
        "lists": [
            listed(2, [11, 13]),
            listed(4, [11], reentry=True, exit_scans=True, valid_until=iso(t + 5 * hour)),
            listed(6, [11], reentry=True),
        ],
        "ticket_types": {"11": "Festival pass", "13": "Concert"},
        "slot_times": {"13": [iso(t + hour), iso(t + 3 * hour)]},
        "revoked": [102],
        "admitted": [
            {"list": 2, "ticket": 50, "at": iso(t - hour), "gate": "South", "inside": True},
            {"list": 4, "ticket": 60, "at": iso(t - hour), "gate": "South", "inside": False},
            {"list": 6, "ticket": 70, "at": iso(t - hour), "gate": "South", "inside": True},
        ],
    }
    own = [{"list": 4, "ticket": 61, "result": "admitted", "scanned_at": iso(t - 60), "gate": "North"}]
    cases = [  # (payload, list, direction, moment, expected)
        (ticket(1), 2, "entry", t, "admitted"),
        (ticket(2, 13), 2, "entry", t, "not_yet_valid"),  # doors open 30 min before the slot
        (ticket(2, 13), 2, "entry", t + hour - 30 * 60, "admitted"),
        (ticket(2, 13), 2, "entry", t + 3 * hour, "no_longer_valid"),  # the slot's end, doors_close_min 0
        (ticket(3, valid_from=t + hour), 2, "entry", t, "not_yet_valid"),  # the signed window
        (ticket(1), 2, "entry", t + 12 * hour, "no_longer_valid"),
        (ticket(1), 4, "entry", t + 5 * hour, "no_longer_valid"),  # the list's valid_until
        (ticket(50), 2, "entry", t, "already_admitted@South"),
        (ticket(102), 2, "entry", t, "revoked"),
        (ticket(4, 12), 2, "entry", t, "wrong_list"),
        (ticket(1), 99, "entry", t, "wrong_list"),  # not a list of this device
        (ticket(5, edition=4), 2, "entry", t, "other_edition"),
        (ticket(6, key_id=2), 2, "entry", t, "unknown_key"),
        (tampered(ticket(7), 40), 2, "entry", t, "bad_signature"),
        ("HELLO", 2, "entry", t, "unreadable"),
        (ticket(50), 2, "exit", t, "exit_not_allowed"),
        (ticket(60), 4, "exit", t, "not_inside"),
        (ticket(60), 4, "entry", t, "admitted"),  # re-entry after an exit
        (ticket(61), 4, "entry", t, "already_admitted@North"),  # its own scan a minute ago: still inside
        (ticket(61), 4, "exit", t + 6 * hour, "exited"),  # leaving is recorded at any time
        (ticket(70), 6, "entry", t, "admitted"),  # re-entry without exit scans: any time
    ]
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/scan")
        arguments = {
            "pkg": pkg,
            "own": own,
            "cases": [{"payload": p, "list": lst, "direction": d, "now": at} for p, lst, d, at, _ in cases],
        }
        results = await page.evaluate(DECIDE_ALL, arguments)
        problems.assert_none()
    assert results == [expected for *_, expected in cases]


async def test_pasted_token_then_revoked_device(chromium_browser: Browser, gate: Gate, live_server: LiveServer) -> None:
    """A token pasted into the pairing form pairs the page; once the device is revoked, the page
    forgets it (token, offline data) and asks to be paired again."""
    from playwright.async_api import expect

    organiser = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "scanner tests")).secret
    async with httpx.AsyncClient(
        base_url=live_server.base_url, headers={"authorization": f"Bearer {organiser}"}
    ) as api:
        paired = await api.post(
            f"/api/v1/editions/{HSF}/devices", json={"name": "South gate 2", "lists": ["park"], "gate": "South"}
        )
        assert paired.status_code == 201, paired.text
        async with open_page(chromium_browser, live_server) as (page, problems):
            await page.goto("/scan")
            pairing = page.get_by_role("region", name="Pair this device")
            await expect(pairing).to_be_visible()
            await page.get_by_label("Device token").fill("not-a-token")
            await page.get_by_role("button", name="Pair").click()
            await expect(page.locator("#pair-error")).to_have_text("That is not a device token: it starts with fdt_.")
            await page.get_by_label("Device token").fill(paired.json()["token"])
            await page.get_by_role("button", name="Pair").click()
            await expect(page.locator("#device-name")).to_have_text("South gate 2")
            await expect(page.locator("#device-gate")).to_have_text("(South)")
            await expect(pairing).to_be_hidden()

            revoked = await api.post(f"/api/v1/editions/{HSF}/devices/{paired.json()['id']}/revoke")
            assert revoked.status_code == 204, revoked.text
            await page.reload()
            await expect(pairing).to_be_visible()
            await expect(page.locator("#pair-error")).to_contain_text("ask for a new pairing link")
            await page.reload()  # forgotten for good: no token left to try
            await expect(pairing).to_be_visible()
            await expect(page.locator("#pair-error")).to_be_hidden()
            assert not problems.errors
            assert problems.failed == [f"401 GET {live_server.url('/api/v1/scan/sync')}"]


async def test_queued_scans_keep_their_device(chromium_browser: Browser, gate: Gate, live_server: LiveServer) -> None:
    """A scan queued offline is uploaded with the token of the device that made it, also when the
    page was paired as another device meanwhile. Queued scans of a device revoked before the network
    returned are not lost: the page keeps them as unsent, saves them as a file (without the token) and
    deletes them only when asked."""
    import json

    import anyio
    from playwright.async_api import expect

    organiser = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "scanner tests")).secret
    _, passes = await paid_passes(2)
    first, second = (t.payload for t in passes)
    async with httpx.AsyncClient(
        base_url=live_server.base_url, headers={"authorization": f"Bearer {organiser}"}
    ) as api:
        made = [
            (
                await api.post(
                    f"/api/v1/editions/{HSF}/devices", json={"name": name, "lists": ["park"], "gate": "West"}
                )
            ).json()
            for name in ("West gate 1", "West gate 2")
        ]
        one, two = made
        async with open_page(chromium_browser, live_server) as (page, problems):
            result = page.locator("#result")
            await page.goto(one["pairing_url"])
            await expect(page.locator("#device-name")).to_have_text("West gate 1")
            await expect(page.locator("body")).to_have_attribute("data-offline-ready", "true")
            await page.context.set_offline(True)
            await check_code(page, first)
            await expect(result).to_have_attribute("data-result", "admitted")
            await expect(page.locator("#queued")).to_have_attribute("data-count", "1")

            # Paired as West gate 2 while still offline (the page comes from its service worker).
            await page.goto(two["pairing_url"])
            await expect(page.locator("body")).to_have_attribute("data-ready", "true")
            await expect(page.locator("#queued")).to_have_attribute("data-count", "1")
            await page.context.set_offline(False)
            await expect(page.locator("#queued")).to_have_attribute("data-count", "0", timeout=QUEUE_UPLOAD_TIMEOUT_MS)
            await expect(page.locator("#device-name")).to_have_text("West gate 2")
            recorded = await Scan.select(Scan.device, Scan.result, Scan.offline).where(Scan.ticket == ticket_id(first))
            assert recorded == [{"device": one["id"], "result": "admitted", "offline": True}]

            # West gate 2 scans offline, then is revoked before the network returns.
            await page.context.set_offline(True)
            await check_code(page, second)
            await expect(result).to_have_attribute("data-result", "admitted")
            await expect(page.locator("#queued")).to_have_attribute("data-count", "1")
            revoked = await api.post(f"/api/v1/editions/{HSF}/devices/{two['id']}/revoke")
            assert revoked.status_code == 204, revoked.text
            await page.context.set_offline(False)
            await expect(page.get_by_role("region", name="Pair this device")).to_be_visible(
                timeout=QUEUE_UPLOAD_TIMEOUT_MS
            )
            unsent = page.get_by_role("region", name="Scans not uploaded")
            await expect(unsent).to_be_visible()
            await expect(page.locator("#unsent")).to_have_attribute("data-count", "1")
            await expect(page.locator("#unsent-text")).to_contain_text("Scans that cannot be uploaded: 1")
            await page.screenshot(path=str(artifact_path("scan-unsent.png")))
            async with page.expect_download() as waiting:
                await page.get_by_role("button", name="Save them as a file").click()
            download = await waiting.value
            saved = json.loads(await anyio.Path(await download.path()).read_text(encoding="utf-8"))
            assert saved["kind"] == "festival-unsent-scans"
            assert [(x["payload"], x["local_result"], x["state"]) for x in saved["scans"]] == [
                (second, "admitted", "unsent")
            ]
            assert "revoked" in saved["scans"][0]["problem"]
            assert "fdt_" not in json.dumps(saved)  # never a device token in the file

            await page.reload()  # kept on the device until deleted
            await expect(page.locator("#unsent")).to_have_attribute("data-count", "1")
            page.once("dialog", lambda dialog: dialog.accept())
            await page.get_by_role("button", name="Save them as a file").click()
            await page.get_by_role("button", name="Delete them from this device").click()
            await expect(unsent).to_be_hidden()
            assert not problems.errors
            assert problems.failed == [f"401 POST {live_server.url('/api/v1/scan/batch')}"]
    assert await scans_of(second) == []  # the revoked device's scan never reached the server


async def test_type_names_in_the_pages_language(chromium_browser: Browser, gate: Gate, live_server: LiveServer) -> None:
    """A page in Finnish shows ticket types in Finnish, online (the server's answer) and offline (the
    package it downloaded in Finnish)."""
    from playwright.async_api import expect

    assert gate.type_name_fi != gate.type_name
    _, passes = await paid_passes(2)
    async with open_page(chromium_browser, live_server, locale="fi-FI") as (page, problems):
        await page.goto(gate.pairing_url)
        await expect(page.locator("html")).to_have_attribute("lang", "fi")
        await expect(page.locator("body")).to_have_attribute("data-synced", re.compile(r"^\d+$"))
        result = page.locator("#result")
        for ticket, offline in zip(passes, (False, True), strict=True):
            await page.context.set_offline(offline)
            await page.locator("#manual-code").fill(ticket.payload)
            await page.locator("#manual-form button[type=submit]").click()
            await expect(result).to_have_attribute("data-result", "admitted")
            if offline:
                await expect(page.locator("#result-offline")).to_be_visible()
            await expect(page.locator("#result-type")).to_have_text(gate.type_name_fi)
        problems.assert_none()
