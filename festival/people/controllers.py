"""JSON API of performers (staff only: the public reads performers from the published programme)."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from festival.auth import guards
from festival.auth.roles import Role
from festival.people import schemas as s
from festival.people import services

STAFF = {"access": "staff:any"}
STAFF_GUARD = [guards.role_anywhere(Role.ORGANISER, Role.LOGISTICS)]


class PerformerController(Controller):
    path = "/api/v1/performers"
    tags = ["Performers"]
    guards = STAFF_GUARD

    @get("/", opt=STAFF, summary="List performers")
    async def list_performers(
        self, lang: NamedDependency[str], origin: FromQuery[s.Origin | None] = None
    ) -> list[s.PerformerOut]:
        return await services.list_performers(lang, origin)

    @get("/{performer:str}", opt=STAFF, summary="One performer")
    async def get_performer(self, performer: FromPath[str], lang: NamedDependency[str]) -> s.PerformerOut:
        return await services.get_performer(performer, lang)

    @post("/", opt=STAFF, summary="Add a performer")
    async def create_performer(self, data: JSONBody[s.PerformerIn]) -> s.PerformerOut:
        return await services.create_performer(data)

    @patch("/{performer:str}", opt=STAFF, summary="Edit a performer")
    async def update_performer(self, performer: FromPath[str], data: JSONBody[s.PerformerPatch]) -> s.PerformerOut:
        """Fields left out stay as they are; ``members`` replaces the whole list."""
        return await services.update_performer(performer, data)


CONTROLLERS = [PerformerController]
