"""Travel documents (visas, invitation letters, the basis of a visa-free entry) per person and
edition: one function per use case. Dates are the document's own (NULL: not known yet); a
document valid until before it is valid from is ``invalid_validity``."""

from __future__ import annotations

from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import check_plain
from festival.errors import NotFound, ValidationFailed
from festival.logistics import schemas as s
from festival.logistics.common import check_people, edition, now
from festival.logistics.tables import TravelDocument


async def _fields(edition_id: int, data: s.DocumentIn) -> dict[str, Any]:
    if data.valid_from is not None and data.valid_until is not None and data.valid_until < data.valid_from:
        raise ValidationFailed(
            f"valid_until: {data.valid_until} is before valid_from {data.valid_from}", code="invalid_validity"
        )
    await check_people(edition_id, [data.person], "person")
    return {
        "person": data.person,
        "kind": data.kind,
        "document_type": check_plain(data.document_type, "document_type", 80),
        "status": data.status,
        "issued_by": check_plain(data.issued_by, "issued_by", 120),
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "notes": check_plain(data.notes, "notes", 5000),
    }


def _out(row: dict[str, Any]) -> s.DocumentOut:
    return s.DocumentOut(
        id=row["id"],
        person=row["person"],
        display_name=row["person.display_name"],
        kind=row["kind"],
        document_type=row["document_type"],
        status=row["status"],
        issued_by=row["issued_by"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        notes=row["notes"],
        updated_at=row["updated_at"],
    )


def _query(edition_id: int) -> Any:
    return TravelDocument.select(*TravelDocument.all_columns(), TravelDocument.person.display_name).where(
        TravelDocument.edition == edition_id
    )


async def list_documents(actor: Principal, edition_slug: str, person: int | None = None) -> list[s.DocumentOut]:
    """The edition's documents by person, optionally one person's."""
    ed = await edition(edition_slug, actor)
    query = _query(ed["id"])
    if person is not None:
        query = query.where(TravelDocument.person == person)
    rows = await query.order_by(TravelDocument.person.display_name).order_by(TravelDocument.id)
    return [_out(r) for r in rows]


async def _get(edition_id: int, document_id: int) -> s.DocumentOut:
    row = await _query(edition_id).where(TravelDocument.id == document_id).first()
    if row is None:
        raise NotFound(f"no document {document_id}", code="document_not_found")
    return _out(row)


async def get_document(actor: Principal, edition_slug: str, document_id: int) -> s.DocumentOut:
    ed = await edition(edition_slug, actor)
    return await _get(ed["id"], document_id)


async def create_document(actor: Principal, edition_slug: str, data: s.DocumentIn) -> s.DocumentOut:
    ed = await edition(edition_slug, actor)
    row = TravelDocument(edition=ed["id"], **await _fields(ed["id"], data), updated_at=now())
    await row.save()
    return await _get(ed["id"], row.id)


async def update_document(actor: Principal, edition_slug: str, document_id: int, data: s.DocumentIn) -> s.DocumentOut:
    ed = await edition(edition_slug, actor)
    await _get(ed["id"], document_id)
    fields = await _fields(ed["id"], data)
    await TravelDocument.update(**fields, updated_at=now()).where(TravelDocument.id == document_id)
    return await _get(ed["id"], document_id)


async def delete_document(actor: Principal, edition_slug: str, document_id: int) -> None:
    ed = await edition(edition_slug, actor)
    await _get(ed["id"], document_id)
    await TravelDocument.delete().where(TravelDocument.id == document_id)
