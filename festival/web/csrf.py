"""CSRF protection for requests that carry the session cookie (and for the sign-in form).

A request without the cookie has no ambient authority to abuse (bearer tokens, webhooks), so it
needs no CSRF token. Forms put the token in ``_csrf_token``; scripts send the ``x-csrftoken`` header.
Piccolo Admin under ``/admin`` has its own CSRF protection.
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from festival.auth.services import SESSION_COOKIE

CSRF_COOKIE = "festival_csrf"  # not "csrftoken": Piccolo Admin uses that name with another format
CSRF_HEADER = "x-csrftoken"
ALWAYS_CHECKED = frozenset({"/login"})


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=secure,
        cookie_samesite="lax",
        # Anchored: Litestar searches these patterns anywhere in the path.
        exclude=["^/admin(/|$)", "^/webhooks/"],
    )


class FestivalCSRFMiddleware(CSRFMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") not in self.config.safe_methods:
            if SESSION_COOKIE not in ASGIConnection(scope).cookies and scope.get("path") not in ALWAYS_CHECKED:
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
