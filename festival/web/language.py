"""Choose the language of each request: ``?lang=``, then the ``lang`` cookie, then Accept-Language."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from festival.i18n import LANGUAGE_COOKIE, current_language, is_language, negotiate


def language_of(scope: Scope) -> str:
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    for asked in (connection.query_params.get("lang", ""), connection.cookies.get(LANGUAGE_COOKIE, "")):
        if is_language(asked):
            return asked
    return negotiate(connection.headers.get("accept-language"))


def language_asked(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The request's language when it asked for one (``?lang=``, the cookie, Accept-Language), else
    '' (an API client that says nothing gets the data's own first language)."""
    asked = (
        connection.query_params.get("lang")
        or connection.cookies.get(LANGUAGE_COOKIE)
        or connection.headers.get("accept-language")
    )
    return current_language.get() if asked else ""


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
