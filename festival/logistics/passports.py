"""Passport numbers: sealed at rest, read only by logistics coordinators, every read logged.

The number is sealed with AES-GCM under a key derived from ``SECRET_KEY`` for this purpose alone
(``festival.sealing``), bound to the person's id, so a database dump shows nothing and a sealed
number copied to another person does not open. The routes that call these functions are guarded to
the logistics coordinator role (superusers hold every role); organisers see the passport name and
whether a number is on file, never the number. ``read_number`` writes the ``PassportRead`` row
before it returns the number: no number leaves without its log entry (a failed write is an error).
"""

from __future__ import annotations

from festival import sealing
from festival.auth.principal import Principal
from festival.errors import Conflict, NotFound
from festival.logistics import schemas as s
from festival.logistics.common import check_person, edition, now
from festival.logistics.names import check_passport_number
from festival.logistics.tables import Passport, PassportRead

PURPOSE = b"festival passport number v1"


class PassportSealedElsewhere(Conflict):
    """The number was sealed under another ``SECRET_KEY``: restore that key, or enter the number again.
    A 409: the stored value conflicts with the server's key, which the caller can resolve by a PUT."""

    code = "passport_number_unreadable"


def _context(person_id: int) -> bytes:
    return f"passport:{person_id}".encode()


async def set_number(
    actor: Principal, secret_key: str, edition_slug: str, person_id: int, data: s.PassportNumberIn
) -> None:
    """Seal and store the number. The passport's name must be entered first: without it the person exists
    but their data is not in a state to take a number (``passport_name_required``, 409, not 404)."""
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    number = check_passport_number(data.number)
    sealed = sealing.seal(secret_key, PURPOSE, _context(person_id), number.encode())
    changed = (
        await Passport.update({Passport.number_sealed: sealed, Passport.updated_at: now()})
        .where(Passport.person == person_id)
        .returning(Passport.id)
    )
    if not changed:
        raise Conflict(
            f"person {person_id} has no passport yet: enter the name as printed in it first",
            code="passport_name_required",
        )


async def read_number(actor: Principal, secret_key: str, edition_slug: str, person_id: int) -> s.PassportNumberOut:
    """The number in clear, logged first (who, when, whose, in which edition)."""
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    row = await Passport.select(Passport.number_sealed).where(Passport.person == person_id).first()
    if row is None or row["number_sealed"] is None:
        raise NotFound(f"no passport number on file for person {person_id}", code="passport_number_missing")
    try:
        number = sealing.unseal(secret_key, PURPOSE, _context(person_id), row["number_sealed"]).decode()
    except sealing.UnsealFailed:
        raise PassportSealedElsewhere(
            "the passport number was sealed under another SECRET_KEY: restore that key or enter the number again"
        ) from None
    read_at = now()
    await PassportRead.insert(
        PassportRead(
            edition=ed["id"], person=person_id, reader=actor.user_id, reader_email=actor.email, read_at=read_at
        )
    )
    return s.PassportNumberOut(person=person_id, number=number, read_at=read_at)


async def read_log(actor: Principal, edition_slug: str, person_id: int | None = None) -> list[s.PassportReadOut]:
    """Who read passport numbers in the edition, newest first (optionally one person's)."""
    ed = await edition(edition_slug, actor)
    query = PassportRead.select(PassportRead.person, PassportRead.reader_email, PassportRead.read_at).where(
        PassportRead.edition == ed["id"]
    )
    if person_id is not None:
        query = query.where(PassportRead.person == person_id)
    rows = await query.order_by(PassportRead.read_at, ascending=False).order_by(PassportRead.id, ascending=False)
    return [s.PassportReadOut(person=r["person"], reader_email=r["reader_email"], read_at=r["read_at"]) for r in rows]
