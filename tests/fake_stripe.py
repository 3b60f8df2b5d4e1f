"""A local fake of Stripe's HTTP API for tests: the real SDK is pointed at it (``STRIPE_API_BASE``).

It answers the calls the festival makes (Checkout Sessions: create, expire, retrieve; refunds:
create) the way Stripe does, honours ``Idempotency-Key`` (the same key gives the same response),
and records every request with its decoded form parameters so tests can check what we sent. It also
makes webhook deliveries: events signed with Stripe's real scheme (``t=…,v1=HMAC-SHA256(secret,
"{t}.{body}")``). A session's ``url`` is a small page of this server, standing in for Stripe's
payment page in browser tests.

Runs in a thread (``http.server``), so it serves the SDK whatever event loop the test uses.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_fake_secret"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=1``) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for part, following in itertools.pairwise(parts):
            child_is_list = following.isdigit()
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append([] if child_is_list else {})
                node = node[index]
            else:
                node = node.setdefault(part, [] if child_is_list else {})
        last = parts[-1]
        if isinstance(node, list):
            node.append(value)
        else:
            node[last] = value
    return root


@dataclass
class FakeStripe:
    """The server's state; ``base`` is its address for ``STRIPE_API_BASE``."""

    base: str = ""
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses to answer the next calls with
    refund_status: str = "succeeded"  # what new refunds say (cards: succeeded; some methods: pending)
    _idempotent: dict[str, tuple[tuple[str, dict[str, Any]], tuple[int, Any]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    # --- the API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Recorded(method, path, params, headers))
            if self.fail_next:
                status = self.fail_next.pop(0)
                return status, {"error": {"type": "api_error", "message": f"fake failure {status}"}}
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self._idempotent:
                first_params, first_answer = self._idempotent[key]
                if first_params != (path, params):  # as Stripe does
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        "used with.",
                    )
                return first_answer
            answer = self._route(method, path, params)
            if method == "POST" and key and answer[0] < 500:
                self._idempotent[key] = ((path, params), answer)
            return answer

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        found = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path)
        if found and found.group(1) in self.sessions:
            session = self.sessions[found.group(1)]
            if method == "POST" and found.group(2):
                if session["status"] != "open":
                    return 400, _error("invalid_request_error", f"session is {session['status']}, not open")
                session["status"] = "expired"
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        return 404, _error("invalid_request_error", f"no such resource: {method} {path}")

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = self.new_id("cs")
        total = sum(int(li["price_data"]["unit_amount"]) * int(li["quantity"]) for li in params["line_items"])
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.base}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "currency": params["line_items"][0]["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "customer_email": params.get("customer_email"),
            "expires_at": int(params["expires_at"]),
            "payment_intent": None,
            "mode": "payment",
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
        }
        self.sessions[session_id] = session
        return session

    def _create_refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = params.get("payment_intent", "")
        paid = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
        if paid is None:
            return 400, _error("invalid_request_error", f"no such payment_intent: {intent}")
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        amount = int(params.get("amount", paid["amount_total"] - already))
        if amount + already > paid["amount_total"]:
            return 400, _error("invalid_request_error", "refund is greater than the unrefunded amount")
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": paid["currency"],
            "payment_intent": intent,
            "status": self.refund_status,
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    # --- what Stripe does on its side ---------------------------------------------------------

    def pay(self, session_id: str) -> dict[str, Any]:
        """The visitor paid on Stripe's page: the session completes with a PaymentIntent."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid", payment_intent=self.new_id("pi"))
            return dict(session)

    def charge(self, session_id: str) -> dict[str, Any]:
        """The charge of a paid session as Stripe sends it in charge.* events."""
        session = self.sessions[session_id]
        intent = session["payment_intent"]
        refunds = [r for r in self.refunds.values() if r["payment_intent"] == intent and r["status"] != "failed"]
        refunded = sum(r["amount"] for r in refunds)
        return {
            "id": "ch_" + intent.removeprefix("pi_"),
            "object": "charge",
            "payment_intent": intent,
            "amount": session["amount_total"],
            "amount_refunded": refunded,
            "refunded": refunded >= session["amount_total"],
            "currency": session["currency"],
            "metadata": dict(session["metadata"]),  # Stripe copies the PaymentIntent's metadata to its charges
            # No "refunds" list: Stripe's API versions since 2022 leave it out of charges.
        }

    def event(self, event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
        body = {
            "id": event_id or self.new_id("evt"),
            "object": "event",
            "api_version": "2025-10-29.clover",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        }
        return json.dumps(body).encode()


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` signed at ``at`` (now by default)."""
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        if method == "GET" and parts.path.startswith("/pay/"):
            page = f"<!doctype html><title>Fake Stripe Checkout</title><h1>Pay {parts.path[5:]}</h1>".encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        params = decode_form(body or parts.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer = self.fake.handle(method, parts.path, params, headers)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", f"req_{len(self.fake.requests)}")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class FakeStripeServer:
    """``with FakeStripeServer() as fake:`` serves on 127.0.0.1 at a free port until the block ends."""

    def __enter__(self) -> FakeStripe:
        self.fake = FakeStripe()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.fake.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-stripe", daemon=True)
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
