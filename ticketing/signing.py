"""The ticket signature scheme: the one place that writes and reads the QR payload of a ticket.

A ticket's QR code holds a signed claim that a gate can check offline with public keys only
(DESIGN.md, QR tickets; ``docs/checkin.md`` for scanner authors). The body is fixed-size
binary, big-endian, 23 bytes::

    version (u8, 2) | key id (u16) | ticket id (u32) | edition id (u32) | ticket type id (u32)
    | valid from (u32, Unix seconds) | valid until (u32, Unix seconds)

and the payload is ``base32(body + Ed25519 signature over body)`` without padding: 87 bytes, 140
characters of ``A-Z`` and ``2-7``. Those are QR alphanumeric characters, and 140 of them fit QR
version 6 at error correction M (154 at most).

Each edition has its own key pairs (``ticketing.ticket_keys``): the key id numbers them within the
edition (1, 2, … as keys are rotated), so a scanner picks the key by (edition, key id) from the body
itself. This module is pure: it signs with the key it is given and verifies against the public keys
it is given.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from festival.errors import FestivalError

VERSION = 2
SIGNATURE_BYTES = 64
_BODY = struct.Struct(">BHIIIII")
BODY_BYTES = _BODY.size  # 23
PAYLOAD_BYTES = BODY_BYTES + SIGNATURE_BYTES  # 87
PAYLOAD_CHARS = -(-PAYLOAD_BYTES * 8 // 5)  # 140: base32 without padding
ALGORITHM = "Ed25519"
MAX_U32 = 2**32 - 1
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_PADDING = "=" * (-PAYLOAD_CHARS % 8)


class InvalidTicket(FestivalError):
    """A QR payload that is not a ticket of ours. Codes: ``unreadable`` (not 140 base32 characters,
    or an unknown version), ``unknown_key`` (no public key of that edition and key id),
    ``bad_signature`` (altered, or signed by another key)."""

    code = "unreadable"
    status_code = 422


@dataclass(frozen=True, slots=True)
class Claim:
    """What a payload says: which ticket of which edition and ticket type, when it is valid, and
    which of the edition's keys signed it. Times are Unix seconds (UTC)."""

    key_id: int
    ticket_id: int
    edition_id: int
    ticket_type_id: int
    valid_from: int
    valid_until: int
    version: int = VERSION


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The private key an edition signs new tickets with, and its key id."""

    edition_id: int
    key_id: int
    private: Ed25519PrivateKey


PublicKeys = Callable[[int, int], Ed25519PublicKey | None]
"""Looks up the public key of (edition id, key id); None when there is none (or it was revoked)."""


def sign(key: SigningKey, claim: Claim) -> str:
    """The QR payload of ``claim`` (140 characters). ``ValueError`` when the claim is not the key's
    edition and key id, or a field does not fit its width."""
    if (claim.edition_id, claim.key_id) != (key.edition_id, key.key_id):
        raise ValueError("the claim names another edition or key than the signing key")
    fields = (claim.ticket_id, claim.edition_id, claim.ticket_type_id, claim.valid_from, claim.valid_until)
    if not all(0 <= value <= MAX_U32 for value in fields) or not 0 < claim.key_id < 2**16:
        raise ValueError("a claim's ids and times are unsigned 32-bit numbers, the key id 16-bit")
    body = _BODY.pack(VERSION, claim.key_id, *fields)
    return base64.b32encode(body + key.private.sign(body)).decode("ascii").rstrip("=")


def read(payload: str) -> tuple[Claim, bytes, bytes]:
    """The claim, body and signature of a payload, unverified; ``InvalidTicket`` (``unreadable``) when
    it is not 140 base32 characters of a body of this version."""
    text = "".join(payload.split()).upper()  # typed by hand from the printed groups: spaces, lower case
    if len(text) != PAYLOAD_CHARS or not set(text) <= _BASE32:
        raise InvalidTicket(f"not a ticket: expected {PAYLOAD_CHARS} base32 characters", code="unreadable")
    try:
        raw = base64.b32decode(text + _PADDING)
    except binascii.Error:  # pragma: no cover - the check above lets only base32 characters through
        raise InvalidTicket("not a ticket: not base32", code="unreadable") from None
    body, signature = raw[:BODY_BYTES], raw[BODY_BYTES:]
    version, key_id, ticket_id, edition_id, ticket_type_id, valid_from, valid_until = _BODY.unpack(body)
    if version != VERSION:
        raise InvalidTicket(f"not a ticket: unknown format version {version}", code="unreadable")
    return Claim(key_id, ticket_id, edition_id, ticket_type_id, valid_from, valid_until), body, signature


def verify(payload: str, public_keys: PublicKeys) -> Claim:
    """The claim of a payload whose signature the edition's key of its key id verifies;
    ``InvalidTicket`` (``unreadable``, ``unknown_key``, ``bad_signature``) otherwise."""
    return verify_read(*read(payload), public_keys)


def verify_read(claim: Claim, body: bytes, signature: bytes, public_keys: PublicKeys) -> Claim:
    """``verify`` of a payload already ``read``."""
    key = public_keys(claim.edition_id, claim.key_id)
    if key is None:
        raise InvalidTicket(
            f"signed with key {claim.key_id} of edition {claim.edition_id}, which is not known here",
            code="unknown_key",
        )
    try:
        key.verify(signature, body)
    except InvalidSignature:
        raise InvalidTicket("the signature does not match: altered or forged", code="bad_signature") from None
    return claim


def grouped(payload: str) -> str:
    """The payload in groups of four, as printed under the QR code for typing in by hand."""
    return " ".join(payload[i : i + 4] for i in range(0, len(payload), 4))


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    """base64url without padding (how public keys travel in JSON)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
