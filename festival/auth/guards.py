"""Guards: every non-public route names one. Each route handler also declares its access group in
``opt["access"]`` so the authorization table in the tests can check every route against every role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.errors import Forbidden, NotAuthenticated

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def require_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = principal_of(connection)
    if principal is None:
        raise NotAuthenticated("sign in or send a bearer token first", code="not_authenticated")
    return principal


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any account, any role."""
    require_principal(connection)


def superuser(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not require_principal(connection).superuser:
        raise Forbidden("only a festival administrator may do this", code="superuser_required")


def edition_role(*roles: Role) -> Guard:
    """The caller holds one of ``roles`` in the edition named by the ``edition`` path parameter."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = require_principal(connection)
        slug = str(connection.path_params.get("edition", ""))
        if not principal.has_role(slug, *roles):
            wanted = " or ".join(r.label.lower() for r in roles)
            raise Forbidden(f"this needs the {wanted} role in {slug}", code="role_required")

    guard.__name__ = f"edition_role({','.join(roles)})"
    return guard


def role_anywhere(*roles: Role) -> Guard:
    """The caller holds one of ``roles`` in at least one edition."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = require_principal(connection)
        if not principal.has_role_anywhere(*roles):
            wanted = " or ".join(r.label.lower() for r in roles)
            raise Forbidden(f"this needs the {wanted} role in some edition", code="role_required")

    guard.__name__ = f"role_anywhere({','.join(roles)})"
    return guard
