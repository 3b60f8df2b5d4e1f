"""Series, editions, venues and partners: one function per use case.

Rules: slugs are unique (venues per edition); time zones are IANA names; currencies ISO 4217;
an edition's last day is not before its first; content languages are the supported ones. Drafts
are visible only to the edition's own staff. Every write sets ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import msgspec
from babel.numbers import list_currencies

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.editions import schemas as s
from festival.errors import Conflict, Forbidden, NotFound, ValidationFailed
from festival.i18n import LANGUAGES, localize
from festival.tables import Edition, EditionPartner, Membership, Partner, Series, Venue

PUBLIC_STATUSES = ("published", "archived")


def json_value(value: Any) -> Any:
    """Piccolo (and Piccolo Admin) give JSON columns as text unless asked to load them; accept both."""
    return json.loads(value) if isinstance(value, str) else value


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def _iana_zones() -> frozenset[str]:
    # zoneinfo also finds files that are no IANA zone names: host-dependent "localtime", the leap-second
    # "right/..." and "posix/..." copies, "posixrules", "Factory".
    return frozenset(
        z
        for z in available_timezones()
        if not z.startswith(("right/", "posix/")) and z not in {"localtime", "posixrules", "Factory"}
    )


def check_time_zone(value: str, field: str = "time_zone") -> str:
    try:
        if value not in _iana_zones():
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"{field}: {value!r} is not an IANA time zone (e.g. Europe/Helsinki, Asia/Shanghai)",
            code="invalid_time_zone",
        ) from None
    return value


MAX_TEXT = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_plain(value: str, field: str, max_length: int = MAX_TEXT) -> str:
    """Stripped text without control characters (they break XML, iCalendar and PostgreSQL text)."""
    if _CONTROL.search(value):
        raise ValidationFailed(f"{field}: remove the control characters from the text", code="invalid_text")
    if len(value) > max_length:
        raise ValidationFailed(f"{field}: at most {max_length} characters", code="text_too_long")
    return value.strip()


def check_texts(value: Mapping[str, str], field: str, *, required: bool = False) -> dict[str, str]:
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValidationFailed(
            f"{field}: unsupported language {', '.join(unknown)}; use {', '.join(LANGUAGES)}", code="invalid_language"
        )
    cleaned = {k: check_plain(v, f"{field}.{k}") for k, v in value.items() if v and v.strip()}
    if required and not cleaned:
        raise ValidationFailed(f"{field}: give the text in at least one language", code="text_required")
    return cleaned


# Top-level paths of the site: an edition lives at /{slug}/, so these (and "<name>-…") are taken.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "schema", "static", "health", "login", "logout", "language", "webhooks", "calendars"}
)


def check_edition_slug(value: str) -> str:
    if any(value == word or value.startswith(word + "-") for word in RESERVED_SLUGS):
        raise ValidationFailed(f"slug: {value!r} is taken by the site itself; choose another", code="reserved_slug")
    return value


def check_currency(value: str) -> str:
    if value not in _currencies():
        raise ValidationFailed(f"currency: {value!r} is not an ISO 4217 currency code", code="invalid_currency")
    return value


def check_languages(value: list[str]) -> list[str]:
    if not value:
        raise ValidationFailed("languages: name at least one language", code="invalid_language")
    unknown = [code for code in value if code not in LANGUAGES]
    if unknown:
        raise ValidationFailed(
            f"languages: unsupported {', '.join(unknown)}; use {', '.join(LANGUAGES)}", code="invalid_language"
        )
    return list(dict.fromkeys(value))


def check_days(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise ValidationFailed(
            f"last_day {last.isoformat()} is before first_day {first.isoformat()}", code="invalid_dates"
        )


def can_see_drafts(actor: Principal | None, edition_slug: str) -> bool:
    return actor is not None and actor.has_role(edition_slug, *Role)


async def _check_organises_series(actor: Principal, series: Series, doing: str) -> None:
    """Superusers, or organisers of an edition of ``series``; ``Forbidden`` otherwise."""
    if actor.superuser:
        return
    editions = await Edition.select(Edition.slug).where(Edition.series == series.id)
    if not any(actor.has_role(e["slug"], Role.ORGANISER) for e in editions):
        raise Forbidden(f"only organisers of {series.slug} may {doing}", code="role_required")


# --- series -----------------------------------------------------------------------------------


async def _visible_editions(actor: Principal | None, series_ids: list[int]) -> dict[int, list[str]]:
    """Slugs of the editions ``actor`` may see, per series, earliest first: one query for all series."""
    rows = (
        await Edition.select(Edition.series, Edition.slug, Edition.status)
        .where(Edition.series.is_in(series_ids))
        .order_by(Edition.first_day)
        if series_ids
        else []
    )
    visible: dict[int, list[str]] = {series_id: [] for series_id in series_ids}
    for e in rows:
        if e["status"] in PUBLIC_STATUSES or can_see_drafts(actor, e["slug"]):
            visible[e["series"]].append(e["slug"])
    return visible


def _series_out(row: Series, lang: str | None, editions: list[str]) -> s.SeriesOut:
    return s.SeriesOut(
        slug=row.slug,
        name=localize(json_value(row.names), lang),
        names=json_value(row.names),
        descriptions=json_value(row.descriptions),
        editions=editions,
    )


async def _one_series_out(row: Series, lang: str | None, actor: Principal | None) -> s.SeriesOut:
    return _series_out(row, lang, (await _visible_editions(actor, [row.id]))[row.id])


async def _get_series(slug: str) -> Series:
    row = await Series.objects().where(Series.slug == slug).output(load_json=True).first()
    if row is None:
        raise NotFound(f"no series {slug!r}", code="series_not_found")
    return row


async def list_series(actor: Principal | None, lang: str | None = None) -> list[s.SeriesOut]:
    """Every series, each with the editions the actor may see (drafts only for their staff)."""
    rows = await Series.objects().order_by(Series.slug).output(load_json=True)
    editions = await _visible_editions(actor, [row.id for row in rows])
    return [_series_out(row, lang, editions[row.id]) for row in rows]


async def get_series(slug: str, actor: Principal | None, lang: str | None = None) -> s.SeriesOut:
    return await _one_series_out(await _get_series(slug), lang, actor)


async def create_series(data: s.SeriesIn) -> s.SeriesOut:
    """Create a series; ``Conflict`` if the slug is taken."""
    if await Series.exists().where(Series.slug == data.slug):
        raise Conflict(f"a series {data.slug!r} already exists", code="slug_taken")
    row = Series(
        slug=data.slug,
        names=check_texts(data.names, "names", required=True),
        descriptions=check_texts(data.descriptions, "descriptions"),
        updated_at=_now(),
    )
    await row.save()
    return _series_out(row, None, [])


async def update_series(actor: Principal, slug: str, patch: s.SeriesPatch) -> s.SeriesOut:
    """Superusers, or organisers of an edition of the series, may edit it."""
    row = await _get_series(slug)
    await _check_organises_series(actor, row, "edit it")
    if patch.names is not msgspec.UNSET:
        row.names = check_texts(patch.names, "names", required=True)
    if patch.descriptions is not msgspec.UNSET:
        row.descriptions = check_texts(patch.descriptions, "descriptions")
    row.updated_at = _now()
    await row.save()
    return await _one_series_out(row, None, actor)


# --- editions ---------------------------------------------------------------------------------


def _edition_out(row: dict[str, Any], lang: str | None) -> s.EditionOut:
    return s.EditionOut(
        slug=row["slug"],
        series=row["series.slug"],
        year=row["year"],
        name=localize(row["names"], lang, row["languages"]),
        names=row["names"],
        descriptions=row["descriptions"],
        city=row["city"],
        time_zone=row["time_zone"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        currency=row["currency"],
        languages=row["languages"],
        status=row["status"],
        venue_change_min=row["venue_change_min"],
        updated_at=row["updated_at"],
    )


def _edition_query() -> Any:
    return Edition.select(*Edition.all_columns(exclude=[Edition.series]), Edition.series.slug).output(load_json=True)


async def _edition_row(slug: str, actor: Principal | None) -> dict[str, Any]:
    rows = await _edition_query().where(Edition.slug == slug)
    if not rows or (rows[0]["status"] not in PUBLIC_STATUSES and not can_see_drafts(actor, slug)):
        raise NotFound(f"no edition {slug!r}", code="edition_not_found")
    return dict(rows[0])


async def edition_row(slug: str, actor: Principal | None) -> dict[str, Any]:
    """The edition's columns (``series.slug`` included) for other parts; ``NotFound`` as for pages."""
    return await _edition_row(slug, actor)


async def list_editions(
    actor: Principal | None, lang: str | None = None, series: str | None = None
) -> list[s.EditionOut]:
    """Published and archived editions, plus the drafts the actor works on, earliest first."""
    query = _edition_query().order_by(Edition.first_day)
    if series:
        query = query.where(Edition.series.slug == series)
    rows = await query
    return [_edition_out(r, lang) for r in rows if r["status"] in PUBLIC_STATUSES or can_see_drafts(actor, r["slug"])]


async def get_edition(slug: str, actor: Principal | None, lang: str | None = None) -> s.EditionOut:
    return _edition_out(await _edition_row(slug, actor), lang)


async def create_edition(actor: Principal, data: s.EditionIn) -> s.EditionOut:
    """Open a new edition of a series; its creator becomes one of its organisers.

    Superusers may open one in any series; organisers only in a series where they organise another
    edition (``Forbidden``). ``Conflict`` if the slug is taken, ``ValidationFailed`` for bad values.
    """
    series = await _get_series(data.series)
    await _check_organises_series(actor, series, "add editions to it")
    check_edition_slug(data.slug)
    if await Edition.exists().where(Edition.slug == data.slug):
        raise Conflict(f"an edition {data.slug!r} already exists", code="slug_taken")
    check_days(data.first_day, data.last_day)
    row = Edition(
        series=series.id,
        year=data.year,
        slug=data.slug,
        names=check_texts(data.names, "names", required=True),
        descriptions=check_texts(data.descriptions, "descriptions"),
        city=check_texts(data.city, "city", required=True),
        time_zone=check_time_zone(data.time_zone),
        first_day=data.first_day,
        last_day=data.last_day,
        currency=check_currency(data.currency),
        languages=check_languages(data.languages),
        status=data.status,
        venue_change_min=data.venue_change_min,
        updated_at=_now(),
    )
    async with Edition._meta.db.transaction():
        await row.save()
        if not actor.superuser:
            await Membership.insert(
                Membership(user=actor.user_id, edition=row.id, role=Role.ORGANISER.value, created_at=_now())
            )
    rows = await _edition_query().where(Edition.slug == data.slug)
    return _edition_out(rows[0], None)


async def update_edition(actor: Principal, slug: str, patch: s.EditionPatch) -> s.EditionOut:
    """Change an edition; the checks are those of creation, applied to the result."""
    await _edition_row(slug, actor)
    row = await Edition.objects().where(Edition.slug == slug).first()
    if row is None:  # pragma: no cover - checked just above
        raise NotFound(f"no edition {slug!r}", code="edition_not_found")
    for name, value in _changes(patch).items():
        setattr(row, name, value)
    check_days(row.first_day, row.last_day)
    row.updated_at = _now()
    await row.save()
    return await get_edition(slug, actor)


# --- venues -----------------------------------------------------------------------------------


def _venue_out(row: Venue, edition_slug: str, lang: str | None) -> s.VenueOut:
    return s.VenueOut(
        slug=row.slug,
        edition=edition_slug,
        name=localize(json_value(row.names), lang),
        names=json_value(row.names),
        descriptions=json_value(row.descriptions),
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        capacity=row.capacity,
        time_zone=row.time_zone,
        opening_hours=msgspec.convert(json_value(row.opening_hours), list[s.OpeningHours]),
        accessibility=json_value(row.accessibility),
        changeover_min=row.changeover_min,
        updated_at=row.updated_at,
    )


async def _venue(edition_id: int, slug: str) -> Venue:
    row = (
        await Venue.objects().where((Venue.edition == edition_id) & (Venue.slug == slug)).output(load_json=True).first()
    )
    if row is None:
        raise NotFound(f"no venue {slug!r} in this edition", code="venue_not_found")
    return row


async def list_venues(edition: str, actor: Principal | None, lang: str | None = None) -> list[s.VenueOut]:
    ed = await _edition_row(edition, actor)
    return await _venues_of(ed, lang)


async def _venues_of(ed: dict[str, Any], lang: str | None) -> list[s.VenueOut]:
    rows = await Venue.objects().where(Venue.edition == ed["id"]).order_by(Venue.slug).output(load_json=True)
    return [_venue_out(r, ed["slug"], lang) for r in rows]


@dataclass(frozen=True, slots=True)
class Overview:
    """An edition's front-page facts, read with one look-up of the edition."""

    row: dict[str, Any]
    edition: s.EditionOut
    venues: list[s.VenueOut]
    partners: list[s.EditionPartnerOut]


async def overview(edition: str, actor: Principal | None, lang: str | None = None) -> Overview:
    """The edition, its venues and its partners (``NotFound`` as for every read of a draft)."""
    ed = await _edition_row(edition, actor)
    return Overview(ed, _edition_out(ed, lang), await _venues_of(ed, lang), await _partners_of(ed, lang))


async def get_venue(edition: str, slug: str, actor: Principal | None, lang: str | None = None) -> s.VenueOut:
    ed = await _edition_row(edition, actor)
    return _venue_out(await _venue(ed["id"], slug), edition, lang)


def check_opening_hours(value: list[s.OpeningHours]) -> list[dict[str, Any]]:
    for entry in value:
        if entry.date is None and not entry.weekdays:
            raise ValidationFailed("opening_hours: give a date or weekdays for each entry", code="invalid_hours")
        if entry.opens == entry.closes:
            raise ValidationFailed("opening_hours: opens and closes are the same time", code="invalid_hours")
    result: list[dict[str, Any]] = msgspec.to_builtins(value)
    return result


REQUIRED_TEXTS = frozenset({"names", "city"})
TEXT_FIELDS = frozenset({"names", "descriptions", "city", "accessibility"})


def clean_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise the fields present in ``values`` (a patch, or what the admin sends).

    One rule per field name, whichever table it belongs to; raise ``ValidationFailed`` on the first
    bad value. Fields without a rule pass unchanged (their types are the schemas' business).
    """
    cleaned = dict(values)
    for name, value in values.items():
        if name in TEXT_FIELDS and isinstance(value, Mapping):  # a partner's city is plain text
            cleaned[name] = check_texts(value, name, required=name in REQUIRED_TEXTS)
        elif name == "time_zone" and value is not None:
            check_time_zone(value)
        elif name == "currency":
            check_currency(value)
        elif name == "languages":
            cleaned[name] = check_languages(value)
        elif name == "opening_hours":
            cleaned[name] = check_opening_hours(_converted(value, list[s.OpeningHours], name))
        elif name == "website":
            cleaned[name] = check_website(value)
        elif name == "slug":
            _converted(value, s.Slug, name)
    return cleaned


def _converted(value: Any, kind: Any, name: str) -> Any:
    try:
        return msgspec.convert(value, kind, from_attributes=True)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"{name}: {exc}", code="invalid") from None


def _changes(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually sets, checked."""
    return clean_fields({f: v for f in patch.__struct_fields__ if (v := getattr(patch, f)) is not msgspec.UNSET})


async def create_venue(actor: Principal, edition: str, data: s.VenueIn) -> s.VenueOut:
    """Add a venue; its time zone defaults to the edition's. ``Conflict`` if the slug is taken there."""
    ed = await _edition_row(edition, actor)
    if await Venue.exists().where((Venue.edition == ed["id"]) & (Venue.slug == data.slug)):
        raise Conflict(f"{edition} already has a venue {data.slug!r}", code="slug_taken")
    row = Venue(
        edition=ed["id"],
        slug=data.slug,
        names=check_texts(data.names, "names", required=True),
        descriptions=check_texts(data.descriptions, "descriptions"),
        address=data.address.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        capacity=data.capacity,
        time_zone=check_time_zone(data.time_zone or ed["time_zone"]),
        opening_hours=check_opening_hours(data.opening_hours),
        accessibility=check_texts(data.accessibility, "accessibility"),
        changeover_min=data.changeover_min,
        updated_at=_now(),
    )
    await row.save()
    return await get_venue(edition, data.slug, actor)


async def update_venue(actor: Principal, edition: str, slug: str, patch: s.VenuePatch) -> s.VenueOut:
    ed = await _edition_row(edition, actor)
    row = await _venue(ed["id"], slug)
    for name, value in _changes(patch).items():
        setattr(row, name, value)
    row.updated_at = _now()
    await row.save()
    return await get_venue(edition, slug, actor)


# --- partners ---------------------------------------------------------------------------------


def _partner_out(row: Partner, lang: str | None) -> s.PartnerOut:
    return s.PartnerOut(
        slug=row.slug,
        name=localize(json_value(row.names), lang),
        names=json_value(row.names),
        descriptions=json_value(row.descriptions),
        kind=row.kind,
        city=row.city,
        website=row.website,
    )


async def _partner(slug: str) -> Partner:
    row = await Partner.objects().where(Partner.slug == slug).output(load_json=True).first()
    if row is None:
        raise NotFound(f"no partner {slug!r}", code="partner_not_found")
    return row


async def list_partners(lang: str | None = None) -> list[s.PartnerOut]:
    rows = await Partner.objects().order_by(Partner.slug).output(load_json=True)
    return [_partner_out(r, lang) for r in rows]


async def get_partner(slug: str, lang: str | None = None) -> s.PartnerOut:
    return _partner_out(await _partner(slug), lang)


def check_website(value: str) -> str:
    value = value.strip()
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValidationFailed("website: give an http:// or https:// address", code="invalid_url")
    return value


async def _check_partner_editor(actor: Principal, partner: Partner) -> None:
    """A partner shown on several editions' pages is edited by superusers or by organisers of all of them."""
    if actor.superuser:
        return
    linked = {
        r["edition.slug"]
        for r in await EditionPartner.select(EditionPartner.edition.slug).where(EditionPartner.partner == partner.id)
    }
    if not linked <= set(actor.editions_with(Role.ORGANISER)):
        raise Forbidden(
            f"{partner.slug} appears in editions you do not organise ({', '.join(sorted(linked))}); "
            "ask a festival administrator",
            code="role_required",
        )


async def create_partner(data: s.PartnerIn) -> s.PartnerOut:
    if await Partner.exists().where(Partner.slug == data.slug):
        raise Conflict(f"a partner {data.slug!r} already exists", code="slug_taken")
    row = Partner(
        slug=data.slug,
        names=check_texts(data.names, "names", required=True),
        descriptions=check_texts(data.descriptions, "descriptions"),
        kind=data.kind,
        city=data.city.strip(),
        website=check_website(data.website),
        updated_at=_now(),
    )
    await row.save()
    return await get_partner(data.slug)


async def update_partner(actor: Principal, slug: str, patch: s.PartnerPatch) -> s.PartnerOut:
    """Edit a partner; ``Forbidden`` unless the actor organises every edition it appears in."""
    row = await _partner(slug)
    await _check_partner_editor(actor, row)
    for name, value in _changes(patch).items():
        setattr(row, name, value)
    row.updated_at = _now()
    await row.save()
    return await get_partner(slug)


async def list_edition_partners(
    edition: str, actor: Principal | None, lang: str | None = None
) -> list[s.EditionPartnerOut]:
    return await _partners_of(await _edition_row(edition, actor), lang)


async def _partners_of(ed: dict[str, Any], lang: str | None) -> list[s.EditionPartnerOut]:
    links = await EditionPartner.select(EditionPartner.partner, EditionPartner.role).where(
        EditionPartner.edition == ed["id"]
    )
    if not links:
        return []
    partners = {
        p.id: p
        for p in await Partner.objects()
        .where(Partner.id.is_in([link["partner"] for link in links]))
        .output(load_json=True)
    }
    out = [
        s.EditionPartnerOut(partner=_partner_out(partners[link["partner"]], lang), role=link["role"]) for link in links
    ]
    return sorted(out, key=lambda item: item.partner.slug)


async def link_partner(actor: Principal, edition: str, partner: str, role: str) -> s.EditionPartnerOut:
    """Add the partner to the edition, or change its role there (idempotent)."""
    ed = await _edition_row(edition, actor)
    row = await _partner(partner)
    existing = (
        await EditionPartner.objects()
        .where((EditionPartner.edition == ed["id"]) & (EditionPartner.partner == row.id))
        .first()
    )
    if existing is None:
        await EditionPartner.insert(EditionPartner(edition=ed["id"], partner=row.id, role=role.strip()))
    else:
        existing.role = role.strip()
        await existing.save()
    return s.EditionPartnerOut(partner=_partner_out(row, None), role=role.strip())


async def unlink_partner(actor: Principal, edition: str, partner: str) -> None:
    ed = await _edition_row(edition, actor)
    row = await _partner(partner)
    await EditionPartner.delete().where((EditionPartner.edition == ed["id"]) & (EditionPartner.partner == row.id))
