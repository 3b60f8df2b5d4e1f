"""Authentication for every request: a bearer token or the session cookie, else anonymous.

Anonymous requests pass through with ``request.user`` None; guards decide what they may reach.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from festival.auth import services
from festival.auth.principal import Principal


class FestivalAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:  # type: ignore[type-arg]  # Litestar's ASGIConnection generics are unused here
        principal: Principal | None = None
        authorization = connection.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            principal = await services.principal_for_token(authorization[7:].strip())
            return AuthenticationResult(user=principal, auth="token" if principal else None)
        token = connection.cookies.get(services.SESSION_COOKIE)
        if token:
            principal = await services.principal_for_session(token)
        return AuthenticationResult(user=principal, auth="session" if principal else None)
