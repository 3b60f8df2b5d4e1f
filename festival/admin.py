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
from dataclasses import dataclass
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


async def refuse_put(piccolo_crud: Any, request: Request) -> None:
    """Validator: piccolo_api runs no hooks on PUT (the admin's screens use PATCH), so PUT is closed."""
    raise HTTPException(status_code=405, detail="use PATCH to change a row")


def _json_column(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


JSON_FIELDS = {"names", "descriptions", "city", "accessibility", "languages", "opening_hours"}


class _SlugForm(msgspec.Struct, forbid_unknown_fields=True):
    slug: schemas.Slug


@dataclass(frozen=True)
class Form:
    """What a role may send for one table, and the checks of the whole row afterwards."""

    patch: type[msgspec.Struct]  # fields organisers may change (the API's PATCH body)
    superuser_extra: frozenset[str] = frozenset()  # other columns superusers may change too
    stamps: bool = True  # the table has updated_at


FORMS: dict[type[Table], Form] = {
    Edition: Form(schemas.EditionPatch, frozenset({"series", "slug"})),
    Venue: Form(schemas.VenuePatch, frozenset({"edition", "slug"})),
    EditionPartner: Form(schemas.EditionPartnerIn, frozenset({"edition", "partner"}), stamps=False),
    Series: Form(schemas.SeriesPatch, frozenset({"slug"})),
    Partner: Form(schemas.PartnerPatch, frozenset({"slug"})),
}


def _check_values(table: type[Table], values: dict[str, Any], principal: Principal, *, creating: bool) -> None:
    """The API's checks for what the admin sends; raise HTTPException 403/422 with the reason."""
    form = FORMS[table]
    decoded = {k: (_json_column(v) if k in JSON_FIELDS else v) for k, v in values.items()}
    allowed = set(form.patch.__struct_fields__) | (form.superuser_extra if principal.superuser or creating else set())
    refused = sorted(set(decoded) - allowed - {"id", "updated_at", "created_at"})
    if refused:
        raise HTTPException(status_code=403, detail=f"{', '.join(refused)}: not changeable here")
    try:
        msgspec.convert(
            {k: v for k, v in decoded.items() if k in form.patch.__struct_fields__}, form.patch, strict=False
        )
        if "slug" in decoded:
            msgspec.convert({"slug": decoded["slug"]}, _SlugForm)
            if table is Edition:
                rules.check_edition_slug(decoded["slug"])
        for name in ("names", "descriptions", "city", "accessibility"):
            if name in decoded:
                rules.check_texts(decoded[name], name, required=name in {"names", "city"})
        if decoded.get("time_zone") is not None:
            rules.check_time_zone(decoded["time_zone"])
        if "currency" in decoded:
            rules.check_currency(decoded["currency"])
        if "languages" in decoded:
            rules.check_languages(decoded["languages"])
        if "opening_hours" in decoded:
            rules.check_opening_hours(msgspec.convert(decoded["opening_hours"], list[schemas.OpeningHours]))
        if "website" in decoded:
            rules.check_website(decoded["website"])
    except FestivalError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None
    except (msgspec.ValidationError, ValueError, TypeError, AttributeError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


async def _check_days(edition_id: Any, values: dict[str, Any]) -> None:
    row = await Edition.select(Edition.first_day, Edition.last_day).where(Edition.id == int(edition_id)).first()
    first = msgspec.convert(values.get("first_day", row["first_day"] if row else None), dt.date, strict=False)
    last = msgspec.convert(values.get("last_day", row["last_day"] if row else None), dt.date, strict=False)
    if first and last and last < first:
        raise HTTPException(status_code=422, detail=f"last_day {last} is before first_day {first}")


def _names(values: dict[Any, Any]) -> dict[str, Any]:
    return {(getattr(key, "_meta", None) and key._meta.name) or str(key): value for key, value in values.items()}


def _edition_scoped(table: type[Table]) -> list[Hook]:
    """Hooks that give a table the API's rules: who may change which row, and what values pass."""
    form = FORMS[table]
    is_edition = table is Edition
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
        if is_edition or superuser_table:
            await superuser_only(None, request)
        else:
            await _require_organiser(request, cast(Any, row).edition)
        values = {c._meta.name: getattr(row, c._meta.name) for c in table._meta.columns}
        _check_values(
            table,
            {k: v for k, v in values.items() if k not in {"series", "edition", "partner"}},
            principal,
            creating=True,
        )
        if is_edition:
            await _check_days(0, values)
        if form.stamps:
            cast(Any, row).updated_at = dt.datetime.now(dt.UTC)
        return row

    async def pre_patch(row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
        principal = await _principal(request)
        named = _names(values)
        if superuser_table:
            await superuser_only(None, request)
        else:
            await _require_organiser(request, await edition_of_row(row_id))
            if "edition" in named:
                await _require_organiser(request, named["edition"])
        _check_values(table, named, principal, creating=False)
        if is_edition:
            await _check_days(row_id, named)
        return {**values, "updated_at": dt.datetime.now(dt.UTC)} if form.stamps else values

    async def pre_delete(row_id: Any, request: Request) -> None:
        if is_edition or superuser_table:
            await superuser_only(None, request)
        else:
            await _require_organiser(request, await edition_of_row(row_id))

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
