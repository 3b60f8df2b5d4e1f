"""The editions' ticket signing keys: one Ed25519 key pair per edition, made on first use, the
private key sealed with ``SECRET_KEY``; rotation by key id.

A new key pair is made the first time an edition's ticket is shown (``signing_key``). Its private
half is stored sealed with AES-GCM under a key derived from ``SECRET_KEY`` (HKDF-SHA256), bound to
the edition and key id, so a database dump alone signs nothing. ``rotate`` retires the signing key
(its tickets still verify) and makes the next one; with ``revoke_old`` the old keys stop verifying
too (a leaked key), and every ticket is shown with a QR code of the new key from then on (the
payload is signed whenever a ticket is shown, never stored). Scanners get the public keys of their
edition (``public_keys``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from festival import sealing
from festival.database import is_unique_violation, write_transaction
from festival.editions.services import edition_row
from festival.errors import FestivalError, NotFound
from festival.settings import Settings
from festival.tables import Edition
from ticketing.signing import ALGORITHM, SigningKey, b64, raw_public_key
from ticketing.tables import TicketKey

SEALING_INFO = b"festival ticket key sealing v1"
PUBLIC_KEYS_TTL_S = 10.0  # how long a process trusts its copy of an edition's public keys
MAX_EDITION_ID = 2**31 - 1  # editions' ids are 32-bit signed integers (PostgreSQL serial)


class SealedElsewhere(FestivalError):
    """The edition's private key was sealed under another ``SECRET_KEY``: restore that one, or rotate
    the edition's key (``festival ticket-keys rotate``); tickets then get QR codes of the new key."""

    code = "ticket_key_unreadable"
    status_code = 500


@dataclass(frozen=True, slots=True)
class PublicKey:
    edition_id: int
    key_id: int
    public_key: str  # base64url of the 32 raw bytes, without padding
    signing: bool  # the key that signs new QR codes
    algorithm: str = ALGORITHM


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _context(edition_id: int, key_id: int) -> bytes:
    return f"ticket-key:{edition_id}:{key_id}".encode()


def seal(secret_key: str, edition_id: int, key_id: int, private: Ed25519PrivateKey) -> str:
    return sealing.seal(secret_key, SEALING_INFO, _context(edition_id, key_id), private.private_bytes_raw())


@functools.lru_cache(maxsize=256)
def unseal(secret_key: str, edition_id: int, key_id: int, sealed: str) -> Ed25519PrivateKey:
    try:
        seed = sealing.unseal(secret_key, SEALING_INFO, _context(edition_id, key_id), sealed)
    except sealing.UnsealFailed:
        raise SealedElsewhere(
            f"the ticket key {key_id} of edition {edition_id} was sealed under another SECRET_KEY: restore it, "
            "or run `festival ticket-keys rotate` for the edition",
        ) from None
    return Ed25519PrivateKey.from_private_bytes(seed)


async def signing_key(settings: Settings, edition_id: int) -> SigningKey:
    """The key that signs the edition's new QR codes, made on first use (two processes making it at
    once: the partial unique index keeps one, the other reads it)."""
    for _ in range(3):
        row = await _active(edition_id)
        if row is not None:
            return SigningKey(
                edition_id, row["key_id"], unseal(settings.secret_key, edition_id, row["key_id"], row["sealed_private"])
            )
        try:
            async with write_transaction():
                await _add_key(settings, edition_id, _now())
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
    raise RuntimeError(f"could not make a ticket key for edition {edition_id}")  # pragma: no cover


async def _active(edition_id: int) -> dict[str, Any] | None:
    return await (
        TicketKey.select(TicketKey.key_id, TicketKey.sealed_private)
        .where((TicketKey.edition == edition_id) & TicketKey.retired_at.is_null())
        .first()
    )


async def _add_key(settings: Settings, edition_id: int, now: dt.datetime) -> int:
    newest = (
        await TicketKey.select(TicketKey.key_id)
        .where(TicketKey.edition == edition_id)
        .order_by(TicketKey.key_id, ascending=False)
        .first()
    )
    key_id = (int(newest["key_id"]) if newest else 0) + 1
    private = Ed25519PrivateKey.generate()
    await TicketKey.insert(
        TicketKey(
            edition=edition_id,
            key_id=key_id,
            public_key=b64(raw_public_key(private.public_key())),
            sealed_private=seal(settings.secret_key, edition_id, key_id, private),
            created_at=now,
        )
    )
    return key_id


async def rotate(settings: Settings, edition: str, *, revoke_old: bool = False) -> int:
    """Retire the edition's signing key and make the next; with ``revoke_old`` every older key stops
    verifying too. Returns the new key id. ``NotFound`` for an unknown edition."""
    found = await Edition.select(Edition.id).where(Edition.slug == edition).first()
    if found is None:
        raise NotFound(f"no edition {edition}", code="edition_not_found")
    now = _now()
    async with write_transaction():
        await TicketKey.update({TicketKey.retired_at: now}).where(
            (TicketKey.edition == found["id"]) & TicketKey.retired_at.is_null()
        )
        if revoke_old:
            await TicketKey.update({TicketKey.revoked_at: now}).where(
                (TicketKey.edition == found["id"]) & TicketKey.revoked_at.is_null()
            )
        key_id = await _add_key(settings, found["id"], now)
    _public_cache.clear()
    return key_id


async def edition_public_keys(edition: str) -> list[PublicKey]:
    """The public keys of a published edition (``NotFound`` otherwise), for ``GET …/ticket-keys``."""
    return await public_keys(int((await edition_row(edition, None))["id"]))


async def public_keys(edition_id: int) -> list[PublicKey]:
    """The edition's keys that verify (not revoked), the signing one first."""
    rows = await (
        TicketKey.select(TicketKey.key_id, TicketKey.public_key, TicketKey.retired_at)
        .where((TicketKey.edition == edition_id) & TicketKey.revoked_at.is_null())
        .order_by(TicketKey.key_id, ascending=False)
    )
    keys = [PublicKey(edition_id, r["key_id"], r["public_key"], r["retired_at"] is None) for r in rows]
    return sorted(keys, key=lambda k: not k.signing)


_public_cache: dict[int, tuple[float, dict[int, Ed25519PublicKey]]] = {}


async def verifying_keys(edition_id: int) -> dict[int, Ed25519PublicKey]:
    """The edition's verifying keys by key id, as this process last read them (at most
    ``PUBLIC_KEYS_TTL_S`` ago; a key id not among them is looked up again at once)."""
    cached = _public_cache.get(edition_id)
    if cached is not None and time.monotonic() - cached[0] < PUBLIC_KEYS_TTL_S:
        return cached[1]
    return await _load_verifying(edition_id)


async def _load_verifying(edition_id: int) -> dict[int, Ed25519PublicKey]:
    keys = {
        k.key_id: Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(k.public_key + "="))
        for k in await public_keys(edition_id)
    }
    if len(_public_cache) > 1000:  # forged payloads may name any edition: keep the cache bounded
        _public_cache.clear()
    _public_cache[edition_id] = (time.monotonic(), keys)
    return keys


async def verifying_key(edition_id: int, key_id: int) -> Ed25519PublicKey | None:
    """One verifying key, re-read when this process has not seen that key id yet (a rotation).
    None for an edition id no edition can have (a payload holds 32 bits; the ids are 31)."""
    if not 0 < edition_id <= MAX_EDITION_ID:
        return None
    keys = await verifying_keys(edition_id)
    cached = _public_cache.get(edition_id)
    # Re-read at most once a second: forged payloads naming random key ids must not each cost a query.
    if key_id not in keys and cached is not None and time.monotonic() - cached[0] >= 1.0:
        keys = await _load_verifying(edition_id)
    return keys.get(key_id)
