"""Privacy routes of logistics (issue 5 point 9): the performer's own trip (``GET …/logistics/me``)
and day sheet (``…/me/itinerary``), account links, erasure and retention (organisers and
coordinators), and fees (organisers alone). Thin handlers, one service call each."""

from __future__ import annotations

from litestar import Controller, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.logistics import fees, mine, privacy
from festival.logistics import privacy_schemas as p
from festival.logistics.controllers import BASE, LOGISTICS, LOGISTICS_GUARD, TAGS, PathId
from festival.logistics.itinerary import DaySheet
from festival.settings import Settings

PERFORMER = {"access": "edition:performer"}
PERFORMER_GUARD = [guards.edition_role(Role.PERFORMER)]
ORGANISER = {"access": "edition:organiser"}
ORGANISER_GUARD = [guards.edition_role(Role.ORGANISER)]


class MyItineraryController(Controller):
    path = f"{BASE}/me"
    tags = TAGS
    guards = PERFORMER_GUARD

    @get("/", opt=PERFORMER, summary="The signed-in performer's own trip (their account's linked person)")
    async def my_itinerary(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> p.MyItinerary:
        return await mine.my_itinerary(actor, edition)

    @get("/itinerary", opt=PERFORMER, summary="The signed-in performer's own day sheet (local times, by day)")
    async def my_day_sheet(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> DaySheet:
        return await mine.my_sheet(actor, edition, lang)


class PersonPrivacyController(Controller):
    path = f"{BASE}/people/{{person_id:int}}"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/account", opt=LOGISTICS, summary="The sign-in account linked to a person")
    async def get_account(
        self, edition: FromPath[str], person_id: PathId, actor: NamedDependency[Principal]
    ) -> p.AccountLinkOut:
        return await privacy.get_account_link(actor, edition, person_id)

    @put("/account", opt=LOGISTICS, summary="Link a person to the account with this e-mail")
    async def link_account(
        self,
        edition: FromPath[str],
        person_id: PathId,
        data: JSONBody[p.AccountLinkIn],
        actor: NamedDependency[Principal],
    ) -> p.AccountLinkOut:
        return await privacy.link_account(actor, edition, person_id, data)

    @delete("/account", opt=LOGISTICS, summary="Unlink a person's account (the account stays)")
    async def unlink_account(
        self, edition: FromPath[str], person_id: PathId, actor: NamedDependency[Principal]
    ) -> None:
        await privacy.unlink_account(actor, edition, person_id)

    @delete(
        "/personal-data",
        opt=LOGISTICS,
        status_code=200,
        summary="Erase a person for real, in every edition (anonymous counts are kept)",
    )
    async def erase_person(
        self,
        edition: FromPath[str],
        person_id: PathId,
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> p.ErasureOut:
        return await privacy.erase_person(actor, edition, person_id, settings.outbox_dir)


class RetentionController(Controller):
    path = BASE
    tags = TAGS

    @get("/erasures", guards=LOGISTICS_GUARD, opt=LOGISTICS, summary="What erasures removed (counts only)")
    async def list_erasures(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[p.ErasureOut]:
        return await privacy.list_erasures(actor, edition)

    @put("/retention", guards=ORGANISER_GUARD, opt=ORGANISER, summary="The day after which personal data goes")
    async def set_retention(
        self, edition: FromPath[str], data: JSONBody[p.RetentionIn], actor: NamedDependency[Principal]
    ) -> p.RetentionOut:
        return await privacy.set_retention(actor, edition, data)


class FeeController(Controller):
    path = BASE
    tags = TAGS
    guards = ORGANISER_GUARD

    @get("/fees", opt=ORGANISER, summary="Fees of the delegation members (organisers)")
    async def list_fees(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[p.FeeOut]:
        return await fees.list_fees(actor, edition)

    @put("/delegations/{slug:str}/people/{person_id:int}/fee", opt=ORGANISER, summary="Set a member's fee")
    async def set_fee(
        self,
        edition: FromPath[str],
        slug: FromPath[str],
        person_id: PathId,
        data: JSONBody[p.FeeIn],
        actor: NamedDependency[Principal],
    ) -> p.FeeOut:
        return await fees.set_fee(actor, edition, slug, person_id, data)

    @delete("/delegations/{slug:str}/people/{person_id:int}/fee", opt=ORGANISER, summary="Remove a member's fee")
    async def delete_fee(
        self, edition: FromPath[str], slug: FromPath[str], person_id: PathId, actor: NamedDependency[Principal]
    ) -> None:
        await fees.delete_fee(actor, edition, slug, person_id)


CONTROLLERS = [MyItineraryController, PersonPrivacyController, RetentionController, FeeController]
