"""Piccolo Admin at ``/admin`` for organisers' data entry.

It accepts the festival's own session cookie (piccolo_api sessions) and admits users with the
``admin`` flag, which organisers get. The admin is not scoped per edition, so it is for trusted
organisers; the JSON API enforces per-edition roles. Accounts and roles can be changed here only by
superusers: otherwise an organiser could make themselves a superuser.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.validators import Validators
from piccolo_api.session_auth.tables import SessionsBase
from starlette.exceptions import HTTPException
from starlette.requests import Request

from festival.tables import Edition, EditionPartner, Membership, Partner, Series, Venue


async def superuser_only(piccolo_crud: Any, request: Request) -> None:
    """Refuse writes to accounts and roles unless the signed-in user is a superuser."""
    user = getattr(request.user, "user", None)
    if user is None or not user.superuser:
        raise HTTPException(status_code=403, detail="only a festival administrator may change accounts and roles")


_WRITES_BY_SUPERUSERS = Validators(
    post_single=[superuser_only],
    put_single=[superuser_only],
    patch_single=[superuser_only],
    delete_single=[superuser_only],
    delete_all=[superuser_only],
)


@functools.cache
def admin_app(secure_cookies: bool, session_ttl_s: int) -> Any:
    """Built once per process and configuration: building it takes about a second."""
    return create_admin(
        tables=[
            TableConfig(Series, menu_group="Festival"),
            TableConfig(Edition, menu_group="Festival"),
            TableConfig(Venue, menu_group="Festival"),
            TableConfig(Partner, menu_group="Festival"),
            TableConfig(EditionPartner, menu_group="Festival"),
            TableConfig(Membership, menu_group="Accounts", validators=_WRITES_BY_SUPERUSERS),
            TableConfig(
                BaseUser,
                menu_group="Accounts",
                validators=_WRITES_BY_SUPERUSERS,
                exclude_visible_columns=[BaseUser.password],
            ),
        ],
        auth_table=BaseUser,
        session_table=SessionsBase,
        site_name="Festival admin",
        production=secure_cookies,
        session_expiry=dt.timedelta(seconds=session_ttl_s),
    )
