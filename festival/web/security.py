"""Security headers on every response, and JSON-only bodies for the JSON API.

The Content-Security-Policy allows only this site's own files: no inline scripts, no other hosts, no
framing. Swagger UI (``/schema``) and Piccolo Admin (``/admin``) ship inline code, so they get every
header but the CSP. Requiring ``application/json`` for API writes means a cross-site form (which can
only send form or text bodies) can never reach the API, not even its sign-in. File uploads
(``UPLOAD_PATHS``) take ``multipart/form-data`` only with a header no cross-site form can set
(``Authorization`` or ``X-Requested-With``; either makes a browser ask first, and we allow no origin).
"""

from __future__ import annotations

import json
import re

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Message, Receive, Scope, Send

# Images may come from any https address: organisers link item images hosted elsewhere.
CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The shop's form answers with a redirect to Stripe's payment page; browsers apply form-action to it.
STRIPE_CHECKOUT = "https://checkout.stripe.com"


def csp_for(form_targets: tuple[str, ...] = ()) -> str:
    """The policy, with other origins a form may lead to (Stripe's payment page when Stripe is on)."""
    return CSP.replace("form-action 'self'", " ".join(("form-action 'self'", *form_targets)))


COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
NO_CSP_PREFIXES = ("/schema", "/admin")
JSON_TYPES = ("application/json", "application/problem+json", "application/merge-patch+json")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_PATHS = (re.compile(r"/api/v1/editions/[^/]+/logistics/riders/[^/]+/files"),)  # rider documents
JSON_ONLY = "send the body as application/json"
UPLOAD_ONLY = "send the file as multipart/form-data"
UPLOAD_HEADER_MISSING = (
    "a multipart/form-data upload needs an Authorization or X-Requested-With header "
    "(a cross-site form cannot send either)"
)


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/api/") and scope["method"] in UNSAFE:
            refused = _refusal(scope)
            if refused:
                await _unsupported_media_type(send, path, refused)
                return
        csp = not any(path == prefix or path.startswith(prefix + "/") for prefix in NO_CSP_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in COMMON.items():
                    if name not in headers:
                        headers[name] = value
                if csp and "content-security-policy" not in headers:
                    headers["content-security-policy"] = self.csp
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _refusal(scope: Scope) -> str:
    """Why an API write's body is refused (the problem's detail), or "" when it may go on."""
    content_type = ""
    length = ""
    for key, value in scope["headers"]:
        if key == b"content-type":
            content_type = value.decode("latin-1").split(";")[0].strip().lower()
        elif key == b"content-length":
            length = value.decode("latin-1").strip()
    if not content_type:
        return "" if length in ("", "0") else JSON_ONLY
    if any(p.fullmatch(scope["path"]) for p in UPLOAD_PATHS):
        if content_type != "multipart/form-data":
            return "" if content_type in JSON_TYPES else UPLOAD_ONLY
        if any(key in (b"authorization", b"x-requested-with") for key, _ in scope["headers"]):
            return ""
        return UPLOAD_HEADER_MISSING
    return "" if content_type in JSON_TYPES else JSON_ONLY


async def _unsupported_media_type(send: Send, path: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": "urn:festival:problem:unsupported_media_type",
            "title": "Unsupported media type",
            "status": 415,
            "detail": detail,
            "code": "unsupported_media_type",
            "instance": path,
        }
    ).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 415,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            *((name.encode(), value.encode()) for name, value in COMMON.items()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
