"""JSON API of the core data: series, editions, venues and partners.

Reads are public (drafts only for the edition's staff); writes need the roles named in the guards.
"""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.editions import schemas as s
from festival.editions import services

PUBLIC = {"access": "public"}
ORGANISER = {"access": "edition:organiser"}


class SeriesController(Controller):
    path = "/api/v1/series"
    tags = ["Series and editions"]

    @get("/", opt=PUBLIC, summary="List series")
    async def list_series(
        self, principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> list[s.SeriesOut]:
        return await services.list_series(principal, lang)

    @get("/{series:str}", opt=PUBLIC, summary="One series")
    async def get_series(
        self, series: FromPath[str], principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> s.SeriesOut:
        return await services.get_series(series, principal, lang)

    @post("/", guards=[guards.superuser], opt={"access": "superuser"}, summary="Create a series")
    async def create_series(self, data: JSONBody[s.SeriesIn]) -> s.SeriesOut:
        return await services.create_series(data)

    @patch("/{series:str}", guards=[guards.role_anywhere(Role.ORGANISER)], opt={"access": "organiser:any"})
    async def update_series(
        self, series: FromPath[str], data: JSONBody[s.SeriesPatch], actor: NamedDependency[Principal]
    ) -> s.SeriesOut:
        """Organisers of an edition of the series (or superusers) edit it."""
        return await services.update_series(actor, series, data)


class EditionController(Controller):
    path = "/api/v1/editions"
    tags = ["Series and editions"]

    @get("/", opt=PUBLIC, summary="List editions")
    async def list_editions(
        self,
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        series: FromQuery[str | None] = None,
    ) -> list[s.EditionOut]:
        return await services.list_editions(principal, lang, series)

    @get("/{edition:str}", opt=PUBLIC, summary="One edition")
    async def get_edition(
        self, edition: FromPath[str], principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> s.EditionOut:
        return await services.get_edition(edition, principal, lang)

    @post("/", guards=[guards.role_anywhere(Role.ORGANISER)], opt={"access": "organiser:any"})
    async def create_edition(self, data: JSONBody[s.EditionIn], actor: NamedDependency[Principal]) -> s.EditionOut:
        """Open a new edition of a series you organise (superusers: any series)."""
        return await services.create_edition(actor, data)

    @patch("/{edition:str}", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Edit an edition")
    async def update_edition(
        self, edition: FromPath[str], data: JSONBody[s.EditionPatch], actor: NamedDependency[Principal]
    ) -> s.EditionOut:
        return await services.update_edition(actor, edition, data)


class VenueController(Controller):
    path = "/api/v1/editions/{edition:str}/venues"
    tags = ["Venues"]

    @get("/", opt=PUBLIC, summary="Venues of an edition")
    async def list_venues(
        self, edition: FromPath[str], principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> list[s.VenueOut]:
        return await services.list_venues(edition, principal, lang)

    @get("/{venue:str}", opt=PUBLIC, summary="One venue")
    async def get_venue(
        self,
        edition: FromPath[str],
        venue: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
    ) -> s.VenueOut:
        return await services.get_venue(edition, venue, principal, lang)

    @post("/", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Add a venue")
    async def create_venue(
        self, edition: FromPath[str], data: JSONBody[s.VenueIn], actor: NamedDependency[Principal]
    ) -> s.VenueOut:
        return await services.create_venue(actor, edition, data)

    @patch("/{venue:str}", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Edit a venue")
    async def update_venue(
        self,
        edition: FromPath[str],
        venue: FromPath[str],
        data: JSONBody[s.VenuePatch],
        actor: NamedDependency[Principal],
    ) -> s.VenueOut:
        return await services.update_venue(actor, edition, venue, data)


class PartnerController(Controller):
    path = "/api/v1/partners"
    tags = ["Partners"]

    @get("/", opt=PUBLIC, summary="List partner organisations")
    async def list_partners(self, lang: NamedDependency[str]) -> list[s.PartnerOut]:
        return await services.list_partners(lang)

    @get("/{partner:str}", opt=PUBLIC, summary="One partner organisation")
    async def get_partner(self, partner: FromPath[str], lang: NamedDependency[str]) -> s.PartnerOut:
        return await services.get_partner(partner, lang)

    @post("/", guards=[guards.role_anywhere(Role.ORGANISER)], opt={"access": "organiser:any"})
    async def create_partner(self, data: JSONBody[s.PartnerIn]) -> s.PartnerOut:
        """Add a partner organisation (any organiser)."""
        return await services.create_partner(data)

    @patch("/{partner:str}", guards=[guards.role_anywhere(Role.ORGANISER)], opt={"access": "organiser:any"})
    async def update_partner(
        self, partner: FromPath[str], data: JSONBody[s.PartnerPatch], actor: NamedDependency[Principal]
    ) -> s.PartnerOut:
        """Edit a partner organisation (superusers, or organisers of every edition it appears in)."""
        return await services.update_partner(actor, partner, data)


class EditionPartnerController(Controller):
    path = "/api/v1/editions/{edition:str}/partners"
    tags = ["Partners"]

    @get("/", opt=PUBLIC, summary="Partners of an edition")
    async def list_edition_partners(
        self, edition: FromPath[str], principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> list[s.EditionPartnerOut]:
        return await services.list_edition_partners(edition, principal, lang)

    @put("/{partner:str}", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Link a partner")
    async def link_partner(
        self,
        edition: FromPath[str],
        partner: FromPath[str],
        data: JSONBody[s.EditionPartnerIn],
        actor: NamedDependency[Principal],
    ) -> s.EditionPartnerOut:
        return await services.link_partner(actor, edition, partner, data.role)

    @delete("/{partner:str}", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Unlink a partner")
    async def unlink_partner(
        self, edition: FromPath[str], partner: FromPath[str], actor: NamedDependency[Principal]
    ) -> None:
        await services.unlink_partner(actor, edition, partner)


CONTROLLERS = [SeriesController, EditionController, VenueController, PartnerController, EditionPartnerController]
