"""JSON API of riders, soundchecks and dietary needs under ``/api/v1/editions/{edition}/logistics/``:
organisers and logistics coordinators of the edition (``edition:logistics``). Rider files are sent
back as attachments with ``nosniff``: never rendered in the browser from our origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import File

from festival.auth.principal import Principal
from festival.errors import ValidationFailed
from festival.logistics import rider_schemas as rs
from festival.logistics import riders
from festival.logistics.controllers import BASE, LOGISTICS, LOGISTICS_GUARD, TAGS, PathId
from festival.settings import Settings

# Litestar refuses bodies past this before we read them (413); a bit above the file limit for the
# multipart envelope, so a file just over the limit gets our own ``file_too_large``.
UPLOAD_BODY_MAX = riders.MAX_FILE_BYTES + 64 * 1024
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


@dataclass
class RiderUpload:
    """The multipart form of an upload: the file in the field ``data``. Other fields are ignored; a
    form without ``data`` is ``file_required`` (a bare ``UploadFile`` parameter would take the first
    file under any field name)."""

    data: UploadFile | None = None


class RiderController(Controller):
    path = f"{BASE}/riders"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="The edition's riders (notes and files) by performer")
    async def list_riders(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[rs.RiderOut]:
        return await riders.list_riders(actor, edition)

    @get("/{performer:str}", opt=LOGISTICS, summary="A performer's rider: structured notes and files")
    async def get_rider(
        self, edition: FromPath[str], performer: FromPath[str], actor: NamedDependency[Principal]
    ) -> rs.RiderOut:
        return await riders.get_rider(actor, edition, performer)

    @put("/{performer:str}", opt=LOGISTICS, summary="Replace a performer's structured rider notes")
    async def set_notes(
        self,
        edition: FromPath[str],
        performer: FromPath[str],
        data: JSONBody[rs.RiderNotes],
        actor: NamedDependency[Principal],
    ) -> rs.RiderOut:
        return await riders.set_notes(actor, edition, performer, data)

    @post(
        "/{performer:str}/files",
        opt=LOGISTICS,
        summary="Upload a rider document (PDF, PNG, JPEG, Word, ODT; 10 MB at most)",
        request_max_body_size=UPLOAD_BODY_MAX,
    )
    async def upload(
        self,
        edition: FromPath[str],
        performer: FromPath[str],
        data: Annotated[RiderUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
        kind: FromQuery[rs.RiderKind] = "technical",
    ) -> rs.RiderFileOut:
        upload = data.data
        if upload is None:
            raise ValidationFailed("send the file as multipart/form-data in a field named 'data'", code="file_required")
        content = await upload.read()
        return await riders.add_file(
            actor, settings.state_dir, edition, performer, kind, upload.filename, upload.content_type, content
        )

    @get("/{performer:str}/files/{file_id:int}", opt=LOGISTICS, summary="Download a rider document (attachment)")
    async def download(
        self,
        edition: FromPath[str],
        performer: FromPath[str],
        file_id: PathId,
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> File:
        found = await riders.open_file(actor, settings.state_dir, edition, performer, file_id)
        return File(
            found.path,
            filename=found.filename,
            media_type=found.content_type,
            content_disposition_type="attachment",
            headers=DOWNLOAD_HEADERS,
        )

    @delete("/{performer:str}/files/{file_id:int}", opt=LOGISTICS, summary="Remove a rider document")
    async def delete_file(
        self,
        edition: FromPath[str],
        performer: FromPath[str],
        file_id: PathId,
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> None:
        await riders.delete_file(actor, settings.state_dir, edition, performer, file_id)

    @get("/{performer:str}/soundchecks", opt=LOGISTICS, summary="The performer's soundchecks (internal slots)")
    async def soundchecks(
        self, edition: FromPath[str], performer: FromPath[str], actor: NamedDependency[Principal]
    ) -> list[rs.SoundcheckOut]:
        return await riders.soundchecks(actor, edition, performer)


class DietaryController(Controller):
    path = f"{BASE}/dietary"
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS, summary="Dietary needs recorded with consent")
    async def list_dietary(self, edition: FromPath[str], actor: NamedDependency[Principal]) -> list[rs.DietaryOut]:
        return await riders.list_dietary(actor, edition)

    @put("/{person_id:int}", opt=LOGISTICS, summary="A person's consent and dietary needs (no consent: no text)")
    async def set_dietary(
        self,
        edition: FromPath[str],
        person_id: PathId,
        data: JSONBody[rs.DietaryIn],
        actor: NamedDependency[Principal],
    ) -> rs.DietaryOut:
        return await riders.set_dietary(actor, edition, person_id, data)


CONTROLLERS = [RiderController, DietaryController]
