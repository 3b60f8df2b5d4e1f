"""JSON API of logistics under ``/api/v1/editions/{edition}/logistics/``: thin handlers, one
service call each. Organisers and logistics coordinators of the edition read and write; passport
numbers (and their read log) are for logistics coordinators alone. Performers and visitors see
nothing here (their own itineraries come with issue 5 point 8)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.logistics import delegations, documents, passports, problems, stays, transfers, travel
from festival.logistics import schemas as s
from festival.settings import Settings

LOGISTICS = {"access": "edition:logistics"}
LOGISTICS_GUARD = [guards.edition_role(Role.LOGISTICS, Role.ORGANISER)]
PASSPORT = {"access": "edition:passport"}
PASSPORT_GUARD = [guards.edition_role(Role.LOGISTICS)]
PathId = Annotated[int, Parameter(ge=1, le=s.MAX_ID)]
# An optional id in the query string, checked like a path id: negative or past 32 bits is a 400.
QueryId = Annotated[int | None, QueryParameter(ge=1, le=s.MAX_ID)]
BASE = "/api/v1/editions/{edition:str}/logistics"
TAGS = ["Logistics"]


class DelegationController(Controller):
    path = f"{BASE}/delegations"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Delegations with their members")
    async def list_delegations(
        self, edition: FromPath[str], actor: NamedDependency[Principal]
    ) -> list[s.DelegationOut]:
        return await delegations.list_delegations(actor, edition)

    @post("/", opt=LOGISTICS, summary="Add a delegation")
    async def create_delegation(
        self, edition: FromPath[str], data: JSONBody[s.DelegationIn], actor: NamedDependency[Principal]
    ) -> s.DelegationOut:
        return await delegations.create_delegation(actor, edition, data)

    @get("/{slug:str}", opt=LOGISTICS, summary="One delegation")
    async def get_delegation(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal]
    ) -> s.DelegationOut:
        return await delegations.get_delegation(actor, edition, slug)

    @put("/{slug:str}", opt=LOGISTICS, summary="Replace a delegation's details (head: one of its members)")
    async def update_delegation(
        self,
        edition: FromPath[str],
        slug: FromPath[str],
        data: JSONBody[s.DelegationIn],
        actor: NamedDependency[Principal],
    ) -> s.DelegationOut:
        return await delegations.update_delegation(actor, edition, slug, data)

    @delete("/{slug:str}", opt=LOGISTICS, summary="Remove a delegation (its people stay)")
    async def delete_delegation(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal]
    ) -> None:
        await delegations.delete_delegation(actor, edition, slug)

    @post("/{slug:str}/people", opt=LOGISTICS, summary="Add a new or known person to a delegation")
    async def add_member(
        self, edition: FromPath[str], slug: FromPath[str], data: JSONBody[s.MemberIn], actor: NamedDependency[Principal]
    ) -> s.PersonOut:
        return await delegations.add_member(actor, edition, slug, data)

    @put("/{slug:str}/people/{person_id:int}", opt=LOGISTICS, summary="A member's role, phone and performer")
    async def update_membership(
        self,
        edition: FromPath[str],
        slug: FromPath[str],
        person_id: PathId,
        data: JSONBody[s.MembershipIn],
        actor: NamedDependency[Principal],
    ) -> s.PersonOut:
        return await delegations.update_membership(actor, edition, slug, person_id, data)

    @delete("/{slug:str}/people/{person_id:int}", opt=LOGISTICS, summary="Take a person out of a delegation")
    async def remove_member(
        self, edition: FromPath[str], slug: FromPath[str], person_id: PathId, actor: NamedDependency[Principal]
    ) -> None:
        await delegations.remove_member(actor, edition, slug, person_id)


class PeopleController(Controller):
    path = f"{BASE}/people"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Everyone in the edition's delegations (no passport numbers)")
    async def list_people(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.PersonOut]:
        return await delegations.list_people(actor, edition)

    @get("/{person_id:int}", opt=LOGISTICS, summary="One person")
    async def get_person(
        self, edition: FromPath[str], person_id: PathId, actor: NamedDependency[Principal]
    ) -> s.PersonOut:
        return await delegations.get_person(actor, edition, person_id)

    @put("/{person_id:int}", opt=LOGISTICS, summary="A person's names, e-mail and passport name")
    async def update_person(
        self,
        edition: FromPath[str],
        person_id: PathId,
        data: JSONBody[s.PersonIn],
        actor: NamedDependency[Principal],
    ) -> s.PersonOut:
        return await delegations.update_person(actor, edition, person_id, data)

    @put(
        "/{person_id:int}/passport-number",
        guards=PASSPORT_GUARD,
        opt=PASSPORT,
        status_code=204,
        summary="Store a passport number, sealed (logistics coordinators)",
    )
    async def set_passport_number(
        self,
        edition: FromPath[str],
        person_id: PathId,
        data: JSONBody[s.PassportNumberIn],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> None:
        await passports.set_number(actor, settings.secret_key, edition, person_id, data)

    @get(
        "/{person_id:int}/passport-number",
        guards=PASSPORT_GUARD,
        opt=PASSPORT,
        summary="Read a passport number (logistics coordinators; every read is logged)",
        cache_control=CacheControlHeader(no_store=True, private=True),
    )
    async def read_passport_number(
        self,
        edition: FromPath[str],
        person_id: PathId,
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> s.PassportNumberOut:
        return await passports.read_number(actor, settings.secret_key, edition, person_id)


class PassportReadController(Controller):
    path = f"{BASE}/passport-reads"
    tags = TAGS
    guards = PASSPORT_GUARD

    @get("/", opt=PASSPORT, summary="Who read passport numbers, newest first (logistics coordinators)")
    async def read_log(
        self, edition: FromPath[str], actor: NamedDependency[Principal], person: QueryId = None
    ) -> list[s.PassportReadOut]:
        return await passports.read_log(actor, edition, person)


class TravelLegController(Controller):
    path = f"{BASE}/legs"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Travel legs by departure")
    async def list_legs(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.LegOut]:
        return await travel.list_legs(actor, edition)

    @post("/", opt=LOGISTICS, summary="Add a travel leg (local times at each end)")
    async def create_leg(
        self, edition: FromPath[str], data: JSONBody[s.LegIn], actor: NamedDependency[Principal]
    ) -> s.LegOut:
        return await travel.create_leg(actor, edition, data)

    @get("/{leg_id:int}", opt=LOGISTICS, summary="One travel leg")
    async def get_leg(self, edition: FromPath[str], leg_id: PathId, actor: NamedDependency[Principal]) -> s.LegOut:
        return await travel.get_leg(actor, edition, leg_id)

    @put("/{leg_id:int}", opt=LOGISTICS, summary="Replace a travel leg (pickups that follow it move)")
    async def update_leg(
        self, edition: FromPath[str], leg_id: PathId, data: JSONBody[s.LegIn], actor: NamedDependency[Principal]
    ) -> s.LegOut:
        return await travel.update_leg(actor, edition, leg_id, data)

    @delete("/{leg_id:int}", opt=LOGISTICS, summary="Remove a travel leg")
    async def delete_leg(self, edition: FromPath[str], leg_id: PathId, actor: NamedDependency[Principal]) -> None:
        await travel.delete_leg(actor, edition, leg_id)


class TransferController(Controller):
    path = f"{BASE}/transfers"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Ground transfers by pickup time")
    async def list_transfers(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.TransferOut]:
        return await transfers.list_transfers(actor, edition)

    @post("/", opt=LOGISTICS, summary="Add a transfer (pickup defaults to the leg's landing plus a buffer)")
    async def create_transfer(
        self, edition: FromPath[str], data: JSONBody[s.TransferIn], actor: NamedDependency[Principal]
    ) -> s.TransferOut:
        return await transfers.create_transfer(actor, edition, data)

    @get("/{transfer_id:int}", opt=LOGISTICS, summary="One transfer")
    async def get_transfer(
        self, edition: FromPath[str], transfer_id: PathId, actor: NamedDependency[Principal]
    ) -> s.TransferOut:
        return await transfers.get_transfer(actor, edition, transfer_id)

    @put("/{transfer_id:int}", opt=LOGISTICS, summary="Replace a transfer")
    async def update_transfer(
        self,
        edition: FromPath[str],
        transfer_id: PathId,
        data: JSONBody[s.TransferIn],
        actor: NamedDependency[Principal],
    ) -> s.TransferOut:
        return await transfers.update_transfer(actor, edition, transfer_id, data)

    @delete("/{transfer_id:int}", opt=LOGISTICS, summary="Remove a transfer")
    async def delete_transfer(
        self, edition: FromPath[str], transfer_id: PathId, actor: NamedDependency[Principal]
    ) -> None:
        await transfers.delete_transfer(actor, edition, transfer_id)


class StayController(Controller):
    path = BASE
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/hotels", opt=LOGISTICS, summary="Hotels with their rooms and occupants")
    async def list_hotels(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[s.HotelOut]:
        return await stays.list_hotels(actor, edition)

    @post("/hotels", opt=LOGISTICS, summary="Add a hotel")
    async def create_hotel(
        self, edition: FromPath[str], data: JSONBody[s.HotelIn], actor: NamedDependency[Principal]
    ) -> s.HotelOut:
        return await stays.create_hotel(actor, edition, data)

    @put("/hotels/{slug:str}", opt=LOGISTICS, summary="Replace a hotel's details")
    async def update_hotel(
        self, edition: FromPath[str], slug: FromPath[str], data: JSONBody[s.HotelIn], actor: NamedDependency[Principal]
    ) -> s.HotelOut:
        return await stays.update_hotel(actor, edition, slug, data)

    @delete("/hotels/{slug:str}", opt=LOGISTICS, summary="Remove a hotel and its rooms")
    async def delete_hotel(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal]
    ) -> None:
        await stays.delete_hotel(actor, edition, slug)

    @post("/hotels/{slug:str}/rooms", opt=LOGISTICS, summary="Book a room: dates and who sleeps there")
    async def add_room(
        self, edition: FromPath[str], slug: FromPath[str], data: JSONBody[s.RoomIn], actor: NamedDependency[Principal]
    ) -> s.RoomOut:
        return await stays.add_room(actor, edition, slug, data)

    @put("/rooms/{room_id:int}", opt=LOGISTICS, summary="Replace a room booking")
    async def update_room(
        self,
        edition: FromPath[str],
        room_id: PathId,
        data: JSONBody[s.RoomIn],
        actor: NamedDependency[Principal],
    ) -> s.RoomOut:
        return await stays.update_room(actor, edition, room_id, data)

    @delete("/rooms/{room_id:int}", opt=LOGISTICS, summary="Cancel a room booking")
    async def delete_room(self, edition: FromPath[str], room_id: PathId, actor: NamedDependency[Principal]) -> None:
        await stays.delete_room(actor, edition, room_id)


class DocumentController(Controller):
    path = f"{BASE}/documents"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Visas, invitation letters and entry bases (?person= for one person)")
    async def list_documents(
        self, edition: FromPath[str], actor: NamedDependency[Principal], person: QueryId = None
    ) -> list[s.DocumentOut]:
        return await documents.list_documents(actor, edition, person)

    @post("/", opt=LOGISTICS, summary="Add a travel document")
    async def create_document(
        self, edition: FromPath[str], data: JSONBody[s.DocumentIn], actor: NamedDependency[Principal]
    ) -> s.DocumentOut:
        return await documents.create_document(actor, edition, data)

    @put("/{document_id:int}", opt=LOGISTICS, summary="Replace a travel document (status, type, validity)")
    async def update_document(
        self,
        edition: FromPath[str],
        document_id: PathId,
        data: JSONBody[s.DocumentIn],
        actor: NamedDependency[Principal],
    ) -> s.DocumentOut:
        return await documents.update_document(actor, edition, document_id, data)

    @delete("/{document_id:int}", opt=LOGISTICS, summary="Remove a travel document")
    async def delete_document(
        self, edition: FromPath[str], document_id: PathId, actor: NamedDependency[Principal]
    ) -> None:
        await documents.delete_document(actor, edition, document_id)


class ProblemController(Controller):
    path = f"{BASE}/problems"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="The problems list: clashes, gaps and unknowns (TBD) of the logistics")
    async def list_problems(
        self,
        edition: FromPath[str],
        actor: NamedDependency[Principal],
        lead_days: Annotated[int, QueryParameter(ge=0, le=365)] = problems.DEFAULT_LEAD_DAYS,
    ) -> list[problems.Problem]:
        return await problems.list_problems(actor, edition, lead_days)


CONTROLLERS = [
    DelegationController,
    PeopleController,
    PassportReadController,
    TravelLegController,
    TransferController,
    StayController,
    DocumentController,
    ProblemController,
]
