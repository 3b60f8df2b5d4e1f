"""Choose the language of each request: ``?lang=``, then the ``lang`` cookie, then Accept-Language."""

from __future__ import annotations

from urllib.parse import parse_qs

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from festival.i18n import LANGUAGE_COOKIE, current_language, is_language, negotiate


def language_of(scope: Scope) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = query.get("lang", [""])[0]
    if is_language(asked):
        return asked
    accept = None
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, val = part.strip().partition("=")
                if name == LANGUAGE_COOKIE and is_language(val):
                    return val
        elif key == b"accept-language":
            accept = value.decode("latin-1")
    return negotiate(accept)


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        token = current_language.set(language_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            current_language.reset(token)
