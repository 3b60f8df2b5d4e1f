"""Piccolo Admin at ``/admin`` for organisers' data entry.

It accepts the festival's own session cookie (piccolo_api sessions) and admits users with the
``admin`` flag, which organisers get. The admin knows nothing of editions, so the hooks below give
it the same rules as the API: organisers change only the editions they organise and those
editions' venues and partner links, every value passes the same checks as in
``festival.editions.services``, and ``updated_at`` moves with every change. Series, partners,
accounts and roles are changed here by superusers only (accounts and roles are not even listed for
others: otherwise an organiser could grant themselves roles or read every account).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any, cast

import msgspec
from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from piccolo_api.rate_limiting.middleware import InMemoryLimitProvider
from piccolo_api.session_auth.tables import SessionsBase
from starlette.exceptions import HTTPException
from starlette.requests import Request

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.auth.services import load_principal
from festival.editions import schemas
from festival.editions import services as rules
from festival.errors import FestivalError
from festival.tables import Edition, EditionPartner, Membership, Partner, Series, Venue


async def _principal(request: Request) -> Principal:
    user = getattr(request.user, "user", None)
    principal = await load_principal(int(user.id), via="session") if user is not None else None
    if principal is None:
        raise HTTPException(status_code=401, detail="sign in again")
    return principal


async def superuser_only(piccolo_crud: Any, request: Request) -> None:
    """Validator: only superusers get past."""
    if not (await _principal(request)).superuser:
        raise HTTPException(status_code=403, detail="only a festival administrator may do this here")


SUPERUSERS_ONLY = Validators(every=[superuser_only])
WRITES_BY_SUPERUSERS = Validators(
    post_single=[superuser_only],
    put_single=[superuser_only],
    patch_single=[superuser_only],
    delete_single=[superuser_only],
    delete_all=[superuser_only],
)
BULK_DELETE_BY_SUPERUSERS = Validators(delete_all=[superuser_only])


async def _edition_slug(edition_id: Any) -> str:
    row = await Edition.select(Edition.slug).where(Edition.id == int(edition_id)).first()
    if row is None:
        raise HTTPException(status_code=422, detail=f"no edition with id {edition_id}")
    return str(row["slug"])


async def _require_organiser(request: Request, edition_id: Any) -> None:
    principal = await _principal(request)
    slug = await _edition_slug(edition_id)
    if not principal.has_role(slug, Role.ORGANISER):
        raise HTTPException(status_code=403, detail=f"only organisers of {slug} may change it")


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The same checks as the API; ``values`` maps column names to what the admin sends."""
    try:
        for name in ("names", "descriptions", "city", "accessibility"):
            if name in values:
                rules.check_texts(_loaded(values[name]), name, required=name in {"names", "city"})
        if values.get("time_zone") is not None:
            rules.check_time_zone(values["time_zone"])
        if values.get("currency") is not None:
            rules.check_currency(values["currency"])
        if "languages" in values:
            rules.check_languages(_loaded(values["languages"]))
        if "opening_hours" in values:
            hours = msgspec.convert(_loaded(values["opening_hours"]), list[schemas.OpeningHours])
            rules.check_opening_hours(hours)
        if values.get("status") is not None and values["status"] not in ("draft", "published", "archived"):
            raise HTTPException(status_code=422, detail="status: use draft, published or archived")
    except FestivalError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return {**values, "updated_at": dt.datetime.now(dt.UTC)}


def _names(values: dict[Any, Any]) -> dict[str, Any]:
    return {(getattr(key, "_meta", None) and key._meta.name) or str(key): value for key, value in values.items()}


def _edition_scoped(table: type[Table], *, stamps: bool) -> list[Hook]:
    """Hooks for a table whose rows belong to an edition (``edition`` column) or are editions."""
    is_edition = table is Edition

    async def edition_of_row(row_id: Any) -> Any:
        if is_edition:
            return row_id
        row = (
            await table.select(table._meta.get_column_by_name("edition"))
            .where(table._meta.primary_key == row_id)
            .first()
        )
        if row is None:
            raise HTTPException(status_code=404, detail="no such row")
        return row["edition"]

    async def pre_save(row: Table, request: Request) -> Table:
        if is_edition:
            await superuser_only(None, request)
        else:
            await _require_organiser(request, cast(Any, row).edition)
        if stamps:
            for name, value in _checked(
                {c._meta.name: getattr(row, c._meta.name) for c in table._meta.columns}
            ).items():
                setattr(row, name, value)
        return row

    async def pre_patch(row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
        await _require_organiser(request, await edition_of_row(row_id))
        named = _names(values)
        if not is_edition and "edition" in named:
            await _require_organiser(request, named["edition"])
        return _checked(named) if stamps else values

    async def pre_delete(row_id: Any, request: Request) -> None:
        if is_edition:
            await superuser_only(None, request)
        else:
            await _require_organiser(request, await edition_of_row(row_id))

    return [
        Hook(hook_type=HookType.pre_save, callable=pre_save),
        Hook(hook_type=HookType.pre_patch, callable=pre_patch),
        Hook(hook_type=HookType.pre_delete, callable=pre_delete),
    ]


@functools.cache
def admin_app(secure_cookies: bool, session_ttl_s: int, login_attempts_per_minute: int) -> Any:
    """Built once per process and configuration: building it takes about a second."""
    return create_admin(
        tables=[
            TableConfig(Series, menu_group="Festival", validators=WRITES_BY_SUPERUSERS),
            TableConfig(
                Edition,
                menu_group="Festival",
                hooks=_edition_scoped(Edition, stamps=True),
                validators=BULK_DELETE_BY_SUPERUSERS,
            ),
            TableConfig(
                Venue,
                menu_group="Festival",
                hooks=_edition_scoped(Venue, stamps=True),
                validators=BULK_DELETE_BY_SUPERUSERS,
            ),
            TableConfig(Partner, menu_group="Festival", validators=WRITES_BY_SUPERUSERS),
            TableConfig(
                EditionPartner,
                menu_group="Festival",
                hooks=_edition_scoped(EditionPartner, stamps=False),
                validators=BULK_DELETE_BY_SUPERUSERS,
            ),
            TableConfig(Membership, menu_group="Accounts", validators=SUPERUSERS_ONLY),
            TableConfig(
                BaseUser, menu_group="Accounts", validators=SUPERUSERS_ONLY, exclude_visible_columns=[BaseUser.password]
            ),
        ],
        auth_table=BaseUser,
        session_table=SessionsBase,
        site_name="Festival admin",
        production=secure_cookies,
        session_expiry=dt.timedelta(seconds=session_ttl_s),
        # Same budget as the festival's own sign-in form (this one counts per process).
        rate_limit_provider=InMemoryLimitProvider(limit=login_attempts_per_minute, timespan=60),
    )
