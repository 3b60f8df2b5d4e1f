"""Bodies of the sign-in, account, member and token API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from festival.auth.roles import Role


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=255)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class MeOut(msgspec.Struct):
    user_id: int
    email: str
    display_name: str
    superuser: bool
    roles: dict[str, list[str]]
    authenticated_by: str


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=255)]
    role: Role
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=1024)] | None = None


class MemberOut(msgspec.Struct):
    user_id: int
    email: str
    display_name: str
    roles: list[str]


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    user_email: Annotated[str, msgspec.Meta(max_length=255)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120, description="where the token is used")]


class TokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    user_email: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


class IssuedTokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    user_email: str
    token: Annotated[str, msgspec.Meta(description="the secret; shown only now, send as 'Authorization: Bearer …'")]
