"""The cost of one offline ticket check in the scanner page: WebCrypto Ed25519 in headless Chromium.

    .venv/bin/python -m benchmarks.scan_verify_browser [--verifications 1000] [--rounds 5]

Signs a real ticket payload with ``ticketing.signing`` (format 2, a fresh Ed25519 key), serves the
scanner's static files (``festival/web/static``) on 127.0.0.1 and loads ``scan/ticket.js`` in
Debian's Chromium (``/usr/bin/chromium``, through Playwright). Each round times, with
``performance.now()``:

- ``verify``: ``crypto.subtle.verify('Ed25519', …)`` of the same payload, one after another (what a
  scanner does per scan once its keys are imported);
- ``read + verify``: base32-decoding and parsing the payload, then verifying;
- ``decide``: the scanner's whole offline decision (``ticket.js`` ``decide``: list, edition, key,
  signature, revocations, types, window, admissions) against an offline package of 10 000 revoked
  tickets and 10 000 admissions.

For comparison it times ``signing.verify`` in this Python process (the server's check). Prints the
median and the best of the rounds per operation, in microseconds (the best is the least disturbed
by other processes). Exit status 0 when every verification held.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import http.server
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ticketing import signing

STATIC = Path(__file__).resolve().parent.parent / "festival" / "web" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EDITION_ID = 3
KEY_ID = 1
TICKET_TYPE = 11
LIST_ID = 2

MEASURE = """
async ({payload, publicKey, keyId, listId, count, pkg}) => {
  const t = await import("/scan/ticket.js");
  const keys = await t.importKeys([{key_id: keyId, public_key: publicKey, algorithm: "Ed25519"}]);
  const read = t.readPayload(payload);
  const key = keys.get(read.claim.keyId);
  const known = t.admissionsOf(pkg, []);
  const time = async (work) => {
    for (let i = 0; i < 50; i++) await work();  // warm-up
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      if (!(await work())) throw new Error("a verification failed");
    }
    return ((performance.now() - start) * 1000) / count;
  };
  return {
    verify: await time(() => t.verifySignature(key, read)),
    readVerify: await time(() => t.verifySignature(key, t.readPayload(payload))),
    decide: await time(async () => (await t.decide({
      pkg, keys, listId, direction: "entry", text: payload, known, now: Date.now(),
    })).result === "admitted"),
    userAgent: navigator.userAgent,
  };
}
"""


def _payload() -> tuple[str, str, Any]:
    private = Ed25519PrivateKey.generate()
    now = int(time.time())
    claim = signing.Claim(
        key_id=KEY_ID,
        ticket_id=99_999,
        edition_id=EDITION_ID,
        ticket_type_id=TICKET_TYPE,
        valid_from=now - 3600,
        valid_until=now + 3600,
    )
    payload = signing.sign(signing.SigningKey(EDITION_ID, KEY_ID, private), claim)
    public = signing.b64(signing.raw_public_key(private.public_key()))
    return payload, public, private.public_key()


def _package(public: str) -> dict[str, Any]:
    """An offline package as big as a large edition's: 10 000 revoked tickets, 10 000 admissions."""
    return {
        "edition": {"id": EDITION_ID, "slug": "bench", "name": "Bench", "time_zone": "Europe/Helsinki"},
        "device": {"id": 1, "name": "Bench gate", "gate": "North"},
        "server_time": "2027-02-06T10:00:00Z",
        "keys": [{"key_id": KEY_ID, "public_key": public, "algorithm": "Ed25519"}],
        "lists": [
            {
                "id": LIST_ID,
                "slug": "bench",
                "name": "Bench",
                "gates": ["North"],
                "reentry": False,
                "exit_scans": False,
                "valid_from": None,
                "valid_until": None,
                "doors_open_min": 30,
                "doors_close_min": 0,
                "ticket_types": [TICKET_TYPE],
            }
        ],
        "ticket_types": {str(TICKET_TYPE): "Festival pass"},
        "slot_times": {},
        "revoked": list(range(100_000, 110_000)),
        "admitted": [
            {"list": LIST_ID, "ticket": n, "at": "2027-02-06T17:45:10Z", "gate": "North", "inside": True}
            for n in range(200_000, 210_000)
        ],
    }


@contextmanager
def _static_server() -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _python_verify_us(payload: str, public_key: Any, count: int) -> float:
    def lookup(_edition: int, _key_id: int) -> Any:
        return public_key

    start = time.perf_counter()
    for _ in range(count):
        signing.verify(payload, lookup)
    return (time.perf_counter() - start) * 1e6 / count


async def _browser_rounds(payload: str, public: str, count: int, rounds: int) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    results = []
    with _static_server() as base:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page()
                await page.goto(base + "/favicon.svg")  # a secure context (127.0.0.1) of the same origin
                pkg = _package(public)
                for _ in range(rounds):
                    arguments = {
                        "payload": payload,
                        "publicKey": public,
                        "keyId": KEY_ID,
                        "listId": LIST_ID,
                        "count": count,
                        "pkg": pkg,
                    }
                    results.append(await page.evaluate(MEASURE, arguments))
            finally:
                await browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verifications", type=int, default=1000, help="per round and operation")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    payload, public, public_key = _payload()
    assert base64.b32decode(payload + "====")[0] == signing.VERSION
    try:
        rounds = asyncio.run(_browser_rounds(payload, public, args.verifications, args.rounds))
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what failed and exits non-zero
        print(f"the browser measurement failed: {exc}", file=sys.stderr)
        return 1
    python = [_python_verify_us(payload, public_key, args.verifications) for _ in range(args.rounds)]

    print(f"Offline ticket check, {args.verifications} × {args.rounds} rounds (median of rounds, per operation)")
    print(f"  browser: {rounds[0]['userAgent']}")
    for name, label in (("verify", "WebCrypto Ed25519 verify"), ("readVerify", "read + verify"), ("decide", "decide")):
        values = [r[name] for r in rounds]
        print(f"  {label:<28} {statistics.median(values):8.1f} µs   (best round {min(values):.1f})")
    print(f"  {'Python signing.verify':<28} {statistics.median(python):8.1f} µs   (best round {min(python):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
