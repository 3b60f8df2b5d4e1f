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
from dataclasses import dataclass
from typing import Any, cast

import msgspec
from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON
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


def _require_superuser(principal: Principal) -> None:
    if not principal.superuser:
        raise HTTPException(status_code=403, detail="only a festival administrator may do this here")


async def superuser_only(piccolo_crud: Any, request: Request) -> None:
    """Validator: only superusers get past."""
    _require_superuser(await _principal(request))


SUPERUSERS_ONLY = Validators(every=[superuser_only])


async def refuse_put(piccolo_crud: Any, request: Request) -> None:
    """Validator: piccolo_api runs no hooks on PUT (the admin's screens use PATCH), so PUT is closed."""
    raise HTTPException(status_code=405, detail="use PATCH to change a row")


async def _require_organiser(principal: Principal, edition_id: Any) -> None:
    row = await Edition.select(Edition.slug).where(Edition.id == int(edition_id)).first()
    if row is None:
        raise HTTPException(status_code=422, detail=f"no edition with id {edition_id}")
    if not principal.has_role(row["slug"], Role.ORGANISER):
        raise HTTPException(status_code=403, detail=f"only organisers of {row['slug']} may change it")


@dataclass(frozen=True)
class Form:
    """What may be sent for one table: the API's PATCH fields, and columns only superusers change."""

    patch: type[msgspec.Struct]
    superuser_extra: frozenset[str] = frozenset()
    stamps: bool = True  # the table has updated_at


FORMS: dict[type[Table], Form] = {
    Edition: Form(schemas.EditionPatch, frozenset({"series", "slug"})),
    Venue: Form(schemas.VenuePatch, frozenset({"edition", "slug"})),
    EditionPartner: Form(schemas.EditionPartnerIn, frozenset({"edition", "partner"}), stamps=False),
    Series: Form(schemas.SeriesPatch, frozenset({"slug"})),
    Partner: Form(schemas.PartnerPatch, frozenset({"slug"})),
}
FOREIGN_KEYS = frozenset({"series", "edition", "partner"})
ALWAYS_ALLOWED = frozenset({"id", "updated_at", "created_at"})


def _check_values(table: type[Table], values: dict[str, Any], principal: Principal, *, creating: bool) -> None:
    """The API's schema and rules for what the admin sends; HTTPException 403/422 with the reason."""
    form = FORMS[table]
    json_columns = {c._meta.name for c in table._meta.columns if isinstance(c, JSON)}
    decoded = {k: rules.json_value(v) if k in json_columns else v for k, v in values.items()}
    allowed = set(form.patch.__struct_fields__) | (form.superuser_extra if principal.superuser or creating else set())
    refused = sorted(set(decoded) - allowed - ALWAYS_ALLOWED)
    if refused:
        raise HTTPException(status_code=403, detail=f"{', '.join(refused)}: not changeable here")
    try:
        fields = {k: v for k, v in decoded.items() if k in form.patch.__struct_fields__}
        msgspec.convert(fields, form.patch, strict=False)
        rules.clean_fields({k: v for k, v in decoded.items() if k not in FOREIGN_KEYS | ALWAYS_ALLOWED})
        if table is Edition and "slug" in decoded:
            rules.check_edition_slug(decoded["slug"])
    except FestivalError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None
    except (msgspec.ValidationError, ValueError, TypeError, AttributeError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


async def _check_days(edition_id: Any, values: dict[str, Any]) -> None:
    """First day not after last day, for the row as it will be after the change."""
    row = await Edition.select(Edition.first_day, Edition.last_day).where(Edition.id == int(edition_id)).first()
    days = [
        msgspec.convert(values.get(name, row[name] if row else None), dt.date | None, strict=False)
        for name in ("first_day", "last_day")
    ]
    try:
        if days[0] and days[1]:
            rules.check_days(days[0], days[1])
    except FestivalError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None


def _names(values: dict[Any, Any]) -> dict[str, Any]:
    return {(getattr(key, "_meta", None) and key._meta.name) or str(key): value for key, value in values.items()}


def _edition_scoped(table: type[Table]) -> list[Hook]:
    """Hooks that give a table the API's rules: who may change which row, and what values pass."""
    form = FORMS[table]
    is_edition = table is Edition
    superusers_only = table in (Edition, Series, Partner)  # for creating and deleting rows
    superuser_table = table in (Series, Partner)

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
        principal = await _principal(request)
        if superusers_only:
            _require_superuser(principal)
        else:
            await _require_organiser(principal, cast(Any, row).edition)
        for column in table._meta.columns:
            # A script (or an older admin form) may leave a newer column out: it arrives as None.
            if getattr(row, column._meta.name) is None and not column._meta.null and column.default is not None:
                setattr(row, column._meta.name, column.get_default_value())
        values = {c._meta.name: getattr(row, c._meta.name) for c in table._meta.columns}
        _check_values(table, {k: v for k, v in values.items() if k not in FOREIGN_KEYS}, principal, creating=True)
        if is_edition:
            await _check_days(0, values)
        if form.stamps:
            cast(Any, row).updated_at = dt.datetime.now(dt.UTC)
        return row

    async def pre_patch(row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
        principal = await _principal(request)
        named = _names(values)
        if superuser_table:
            _require_superuser(principal)
        else:
            await _require_organiser(principal, await edition_of_row(row_id))
            if "edition" in named:
                await _require_organiser(principal, named["edition"])
        _check_values(table, named, principal, creating=False)
        if is_edition:
            await _check_days(row_id, named)
        return {**values, "updated_at": dt.datetime.now(dt.UTC)} if form.stamps else values

    async def pre_delete(row_id: Any, request: Request) -> None:
        principal = await _principal(request)
        if superusers_only:
            _require_superuser(principal)
        else:
            await _require_organiser(principal, await edition_of_row(row_id))

    return [
        Hook(hook_type=HookType.pre_save, callable=pre_save),
        Hook(hook_type=HookType.pre_patch, callable=pre_patch),
        Hook(hook_type=HookType.pre_delete, callable=pre_delete),
    ]


def _config(table: type[Table], menu_group: str) -> TableConfig:
    return TableConfig(
        table,
        menu_group=menu_group,
        hooks=_edition_scoped(table),
        validators=Validators(put_single=[refuse_put], delete_all=[superuser_only]),
    )


@functools.cache
def admin_app(secure_cookies: bool, session_ttl_s: int, login_attempts_per_minute: int) -> Any:
    """Built once per process and configuration: building it takes about a second."""
    return create_admin(
        tables=[
            *(_config(table, "Festival") for table in (Series, Edition, Venue, Partner, EditionPartner)),
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
