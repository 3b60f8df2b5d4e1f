"""CSRF protection for requests that carry the session or personal-calendar cookie (and for the sign-in form).

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
# A visitor's personal calendar token (schedule.personal): ambient authority like the session.
PERSONAL_CALENDAR_COOKIE = "festival_calendar"
AMBIENT_COOKIES = (SESSION_COOKIE, PERSONAL_CALENDAR_COOKIE)


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=secure,
        cookie_samesite="lax",
        # Anchored: Litestar searches these patterns anywhere in the path.
        # Feeds are GET-only and shared by caches: no CSRF cookie on them.
        # Gate devices' scans: the device token in the Authorization header is the authority, not a cookie.
        exclude=[
            "^/admin(/|$)",
            "^/webhooks/",
            r"^/calendars/.+\.ics$",
            r"^/[^/]+/slots/[^/]+\.ics$",
            "^/api/v1/scan(/|$)",
        ],
    )


class FestivalCSRFMiddleware(CSRFMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") not in self.config.safe_methods:
            cookies = ASGIConnection(scope).cookies
            if not any(c in cookies for c in AMBIENT_COOKIES) and scope.get("path") not in ALWAYS_CHECKED:
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
