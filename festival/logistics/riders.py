"""Riders and needs (issue 5, point 6): one function per use case.

- A performer's rider for an edition is structured notes (``RiderNotes``: stage, backline, power,
  hospitality) plus uploaded documents (PDF, PNG, JPEG, Word, OpenDocument text) of kind
  ``technical`` or ``hospitality``. A file is refused unless its declared type is one of those *and*
  its first bytes are that format's (``unsupported_file_type``, 415), and when it is empty
  (``empty_file``, 422) or over ``MAX_FILE_BYTES`` (``file_too_large``, 413). The bytes are kept
  under ``<state dir>/riders/`` with a random name; the upload's own name is only for download.
- A performer has riders in an edition when they are on its programme or travel with one of its
  delegations (``performer_not_in_edition`` otherwise).
- Soundchecks are the programme's internal slots (``kind = soundcheck``) of items the performer is on.
- Dietary needs are stored per person and edition only with the person's explicit consent: text
  without consent is ``consent_required`` (422, nothing written); withdrawing consent erases the text.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.editions.services import check_plain
from festival.errors import FestivalError, NotFound, ValidationFailed
from festival.logistics import rider_schemas as rs
from festival.logistics.common import check_people, edition, now
from festival.logistics.tables import Delegation, DelegationMember, DietaryNeed, Rider, RiderFile
from festival.tables import Performer
from schedule.tables import ItemPerformer, ProgrammeItem, Slot
from schedule.times import local

MAX_FILE_BYTES = 10 * 1024 * 1024  # a rider PDF with a stage plot is a few MB; photos of plots more
RIDERS_FOLDER = "riders"
# A stored file no row names is removed once it is this old: an upload writes its bytes before its
# row, so a younger one may be an upload in progress.
ORPHAN_GRACE_S = 3600

# Declared type -> the magic bytes the content must start with (what the type claims, checked).
_PDF, _PNG, _JPEG = (b"%PDF-",), (b"\x89PNG\r\n\x1a\n",), (b"\xff\xd8\xff",)
_OLE, _ZIP = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), (b"PK\x03\x04",)  # .doc; .docx and .odt are zip files
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": _PDF,
    "image/png": _PNG,
    "image/jpeg": _JPEG,
    "application/msword": _OLE,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.oasis.opendocument.text": _ZIP,
}


class RiderFileRefused(FestivalError):
    code = "unsupported_file_type"
    status_code = 415


class RiderFileTooLarge(FestivalError):
    code = "file_too_large"
    status_code = 413


@dataclass(frozen=True, slots=True)
class RiderDownload:
    path: Path
    filename: str
    content_type: str


def riders_dir(state_dir: Path) -> Path:
    return state_dir / RIDERS_FOLDER


async def _performer(edition_id: int, slug: str) -> int:
    row = await Performer.select(Performer.id).where(Performer.slug == slug).first()
    if row is None:
        raise NotFound(f"no performer {slug!r}", code="performer_not_found")
    performer_id = int(row["id"])
    on_programme = await ItemPerformer.exists().where(
        (ItemPerformer.performer == performer_id)
        & ItemPerformer.item.is_in(ProgrammeItem.select(ProgrammeItem.id).where(ProgrammeItem.edition == edition_id))
    )
    travelling = on_programme or await DelegationMember.exists().where(
        (DelegationMember.performer == performer_id)
        & DelegationMember.delegation.is_in(Delegation.select(Delegation.id).where(Delegation.edition == edition_id))
    )
    if not travelling:
        raise NotFound(
            f"performer {slug!r} is neither on this edition's programme nor in its delegations",
            code="performer_not_in_edition",
        )
    return performer_id


def _file_out(row: dict[str, Any]) -> rs.RiderFileOut:
    return rs.RiderFileOut(
        id=row["id"],
        kind=row["kind"],
        filename=row["filename"],
        content_type=row["content_type"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        uploaded_at=row["uploaded_at"],
    )


def _notes(stored: str | dict[str, Any]) -> rs.RiderNotes:
    """Piccolo selects a JSON column as text (as the database gives it) unless asked otherwise."""
    if isinstance(stored, str):
        return msgspec.json.decode(stored, type=rs.RiderNotes)
    return msgspec.convert(stored, rs.RiderNotes)


async def _rider_row(edition_id: int, performer_id: int) -> dict[str, Any] | None:
    return await Rider.select().where((Rider.edition == edition_id) & (Rider.performer == performer_id)).first()


async def _rider_out(slug: str, row: dict[str, Any] | None) -> rs.RiderOut:
    if row is None:
        return rs.RiderOut(performer=slug, notes=rs.RiderNotes(), files=[], updated_at=None)
    files = await RiderFile.select().where(RiderFile.rider == row["id"]).order_by(RiderFile.id)
    return _out(slug, row, files)


def _out(slug: str, row: dict[str, Any], files: list[dict[str, Any]]) -> rs.RiderOut:
    return rs.RiderOut(
        performer=slug,
        notes=_notes(row["notes"]),
        files=[_file_out(f) for f in files],
        updated_at=row["updated_at"],
    )


async def list_riders(actor: Principal, edition_slug: str) -> list[rs.RiderOut]:
    """The edition's riders (performers with notes or files), by performer slug: two queries."""
    ed = await edition(edition_slug, actor)
    rows = await Rider.select(*Rider.all_columns(), Rider.performer.slug).where(Rider.edition == ed["id"])
    files_of: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if rows:
        for f in await RiderFile.select().where(RiderFile.rider.is_in(list(files_of))).order_by(RiderFile.id):
            files_of[f["rider"]].append(f)
    ordered = sorted(rows, key=lambda r: r["performer.slug"])
    return [_out(r["performer.slug"], r, files_of[r["id"]]) for r in ordered]


async def get_rider(actor: Principal, edition_slug: str, performer_slug: str) -> rs.RiderOut:
    ed = await edition(edition_slug, actor)
    performer_id = await _performer(ed["id"], performer_slug)
    return await _rider_out(performer_slug, await _rider_row(ed["id"], performer_id))


async def _ensure_rider(edition_id: int, performer_id: int) -> int:
    row = await _rider_row(edition_id, performer_id)
    if row is not None:
        return int(row["id"])
    rider = Rider(edition=edition_id, performer=performer_id, notes={}, updated_at=now())
    await rider.save()
    return int(rider.id)


async def set_notes(actor: Principal, edition_slug: str, performer_slug: str, data: rs.RiderNotes) -> rs.RiderOut:
    """Replace the rider's structured notes (the files stay)."""
    ed = await edition(edition_slug, actor)
    performer_id = await _performer(ed["id"], performer_slug)
    check_plain(data.stage_plot, "stage_plot", 5000)
    check_plain(data.notes, "notes", 5000)
    for field, items in (("backline", data.backline), ("hospitality", data.hospitality)):
        for item in items:
            check_plain(item, field, 200)
    async with Rider._meta.db.transaction():
        rider_id = await _ensure_rider(ed["id"], performer_id)
        await Rider.update(notes=msgspec.to_builtins(data), updated_at=now()).where(Rider.id == rider_id)
    return await get_rider(actor, edition_slug, performer_slug)


def clean_filename(name: str) -> str:
    """The upload's base name for Content-Disposition: no path, no control characters, at most 200."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = base.strip(" .")[:200]
    return base or "rider"


def check_file(content_type: str, content: bytes) -> str:
    """The declared type if the content is of that type; ``RiderFileRefused``/``RiderFileTooLarge`` otherwise."""
    declared = content_type.split(";")[0].strip().lower()
    if len(content) > MAX_FILE_BYTES:
        raise RiderFileTooLarge(
            f"file: {len(content)} bytes is over the limit of {MAX_FILE_BYTES} bytes", extra={"limit": MAX_FILE_BYTES}
        )
    if not content:
        raise ValidationFailed("file: the file is empty", code="empty_file")
    magic = ALLOWED_TYPES.get(declared)
    if magic is None:
        raise RiderFileRefused(
            f"file: type {declared or 'none'!r} is not accepted; send PDF, PNG, JPEG or a Word/ODT document"
        )
    if not content.startswith(magic):
        raise RiderFileRefused(f"file: the content is not {declared} as declared")
    return declared


async def add_file(
    actor: Principal,
    state_dir: Path,
    edition_slug: str,
    performer_slug: str,
    kind: rs.RiderKind,
    filename: str,
    content_type: str,
    content: bytes,
) -> rs.RiderFileOut:
    """Store an uploaded rider document. All checks run before anything is written; the row and
    the file come together (the file is removed again if the row cannot be written)."""
    ed = await edition(edition_slug, actor)
    performer_id = await _performer(ed["id"], performer_slug)
    declared = check_file(content_type, content)
    folder = riders_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    partial = folder / f"{stored_name}.part"
    partial.write_bytes(content)
    os.replace(partial, path)
    try:
        async with Rider._meta.db.transaction():
            rider_id = await _ensure_rider(ed["id"], performer_id)
            row = RiderFile(
                rider=rider_id,
                kind=kind,
                filename=clean_filename(filename),
                content_type=declared,
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                stored_name=stored_name,
                uploaded_at=now(),
            )
            await row.save()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_out(row.to_dict())


async def _file_row(edition_id: int, performer_slug: str, file_id: int) -> dict[str, Any]:
    row = (
        await RiderFile.select()
        .where(
            (RiderFile.id == file_id)
            & (RiderFile.rider.edition == edition_id)
            & RiderFile.rider.performer.is_in(Performer.select(Performer.id).where(Performer.slug == performer_slug))
        )
        .first()
    )
    if row is None:
        raise NotFound(f"no rider file {file_id} of {performer_slug!r}", code="rider_file_not_found")
    return row


async def open_file(
    actor: Principal, state_dir: Path, edition_slug: str, performer_slug: str, file_id: int
) -> RiderDownload:
    ed = await edition(edition_slug, actor)
    row = await _file_row(ed["id"], performer_slug, file_id)
    path = riders_dir(state_dir) / row["stored_name"]
    if not path.is_file():
        raise NotFound(f"rider file {file_id} is missing from storage", code="rider_file_missing")
    return RiderDownload(path=path, filename=row["filename"], content_type=row["content_type"])


async def delete_file(actor: Principal, state_dir: Path, edition_slug: str, performer_slug: str, file_id: int) -> None:
    """The row goes, then the bytes."""
    ed = await edition(edition_slug, actor)
    row = await _file_row(ed["id"], performer_slug, file_id)
    await RiderFile.delete().where(RiderFile.id == file_id)
    (riders_dir(state_dir) / row["stored_name"]).unlink(missing_ok=True)


async def remove_orphan_files(state_dir: Path, grace_s: float = ORPHAN_GRACE_S) -> int:
    """Delete stored rider files that no ``logistics_rider_file`` row names any more (their performer
    or edition was deleted, and the rows with it by cascade) and unfinished uploads (``.part``),
    once older than ``grace_s``; the number removed. Run by the hourly housekeeping job."""
    folder = riders_dir(state_dir)
    if not folder.is_dir():
        return 0
    cutoff = now().timestamp() - grace_s
    candidates = {path.name: path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff}
    if not candidates:
        return 0
    known = {
        r["stored_name"]
        for r in await RiderFile.select(RiderFile.stored_name).where(RiderFile.stored_name.is_in(list(candidates)))
    }
    removed = 0
    for name, path in candidates.items():
        if name not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def soundchecks(actor: Principal, edition_slug: str, performer_slug: str) -> list[rs.SoundcheckOut]:
    """The performer's soundchecks in this edition: internal slots of kind ``soundcheck`` of the
    programme items they are on, in time order, in the venue's zone."""
    ed = await edition(edition_slug, actor)
    performer_id = await _performer(ed["id"], performer_slug)
    rows = (
        await Slot.select(
            Slot.id,
            Slot.item.slug,
            Slot.venue.slug,
            Slot.venue.time_zone,
            Slot.starts_at,
            Slot.ends_at,
            Slot.status,
        )
        .where(
            (Slot.edition == ed["id"])
            & (Slot.kind == "soundcheck")
            & Slot.item.is_in(ItemPerformer.select(ItemPerformer.item).where(ItemPerformer.performer == performer_id))
        )
        .order_by(Slot.starts_at)
    )
    return [
        rs.SoundcheckOut(
            slot=r["id"],
            item=r["item.slug"],
            venue=r["venue.slug"],
            venue_zone=r["venue.time_zone"],
            start_local=local(r["starts_at"], r["venue.time_zone"]),
            end_local=local(r["ends_at"], r["venue.time_zone"]),
            start_utc=r["starts_at"],
            end_utc=r["ends_at"],
            status=r["status"],
        )
        for r in rows
    ]


def _dietary_out(row: dict[str, Any]) -> rs.DietaryOut:
    return rs.DietaryOut(
        person=row["person"],
        display_name=row["person.display_name"],
        consent=row["consent"],
        text=row["text"],
        consent_changed_at=row["consent_changed_at"],
    )


def _dietary_query(edition_id: int) -> Any:
    return DietaryNeed.select(*DietaryNeed.all_columns(), DietaryNeed.person.display_name).where(
        DietaryNeed.edition == edition_id
    )


async def list_dietary(actor: Principal, edition_slug: str) -> list[rs.DietaryOut]:
    ed = await edition(edition_slug, actor)
    return [_dietary_out(r) for r in await _dietary_query(ed["id"]).order_by(DietaryNeed.id)]


async def set_dietary(actor: Principal, edition_slug: str, person_id: int, data: rs.DietaryIn) -> rs.DietaryOut:
    """Record a person's consent and dietary needs. Text without consent is ``consent_required``
    (nothing is written); ``consent: false`` erases any text stored before."""
    ed = await edition(edition_slug, actor)
    await check_people(ed["id"], [person_id], "person")
    text = check_plain(data.text, "text", 5000).strip()
    if text and not data.consent:
        raise ValidationFailed(
            "text: dietary needs are stored only with the person's explicit consent (consent: true)",
            code="consent_required",
        )
    stamp = now()
    async with DietaryNeed._meta.db.transaction():
        existing = (
            await DietaryNeed.select(DietaryNeed.id, DietaryNeed.consent)
            .where((DietaryNeed.edition == ed["id"]) & (DietaryNeed.person == person_id))
            .first()
        )
        if existing is None:
            await DietaryNeed.insert(
                DietaryNeed(
                    edition=ed["id"],
                    person=person_id,
                    consent=data.consent,
                    consent_changed_at=stamp,
                    text=text,
                    updated_at=stamp,
                )
            )
        else:
            changes: dict[Any, Any] = {
                DietaryNeed.consent: data.consent,
                DietaryNeed.text: text,
                DietaryNeed.updated_at: stamp,
            }
            if existing["consent"] != data.consent:
                changes[DietaryNeed.consent_changed_at] = stamp
            await DietaryNeed.update(changes).where(DietaryNeed.id == existing["id"])
    row = await _dietary_query(ed["id"]).where(DietaryNeed.person == person_id).first()
    if row is None:  # the person was erased in between
        raise NotFound(f"no person {person_id}", code="person_not_found")
    return _dietary_out(row)
