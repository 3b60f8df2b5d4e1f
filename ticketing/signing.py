"""The ticket signature scheme: the one place that writes and reads the QR payload of a ticket.

A ticket's QR code holds a signed claim that a gate can check offline with public keys only
(DESIGN.md, QR tickets). The body is fixed-size binary, big-endian::

    version (1 byte, 1) | key id (2 bytes) | edition id (u32) | ticket type id (u32) | nonce (15 bytes)

and the payload is ``base32(body + Ed25519 signature over body)``: 26 + 64 = 90 bytes, a multiple
of 5, so exactly 144 characters of ``A-Z`` and ``2-7`` with no padding. Those are QR alphanumeric
characters, and 144 of them fit QR version 6 at error correction M (154 at most).

The nonce is the ticket's unguessable id (``Ticket.secret`` is its base32, 24 characters): 15
random bytes rather than 12, because 15 bytes encode to base32 without padding and 120 bits keep
the strength of the ``token_urlsafe(18)`` secrets the tickets had before. The key id is the first
2 bytes of SHA-256 of the raw public key, so a scanner holding several public keys (``GET
/api/v1/ticket-keys``) picks the right one, and rotating the signing key keeps old tickets valid
while the old public key is listed in ``TICKET_VERIFY_KEYS``.

The signing key is ``TICKET_SIGNING_KEY`` (a base64url 32-byte Ed25519 seed) when set, else derived
from ``SECRET_KEY`` with HKDF-SHA256, so a new installation signs without any set-up and every
process of one installation signs alike.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from festival.errors import FestivalError
from festival.settings import Settings, SettingsError

VERSION = 1
NONCE_BYTES = 15
SIGNATURE_BYTES = 64
_BODY = struct.Struct(">B2sII15s")
PAYLOAD_CHARS = (_BODY.size + SIGNATURE_BYTES) * 8 // 5  # 144
SECRET_CHARS = NONCE_BYTES * 8 // 5  # 24
HKDF_INFO = b"festival ticket signing v1"
ALGORITHM = "Ed25519"
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class InvalidTicket(FestivalError):
    """A QR payload that is not a ticket of ours. Codes: ``ticket_malformed`` (not 144 base32
    characters, or an unknown version), ``ticket_unknown_key`` (a key id we do not hold),
    ``ticket_bad_signature`` (altered, or signed by another key)."""

    code = "ticket_malformed"
    status_code = 422


@dataclass(frozen=True, slots=True)
class Claim:
    """What a valid payload says: which edition and ticket type, and the ticket's secret."""

    version: int
    key_id: str  # 4 hex digits
    edition_id: int
    ticket_type_id: int
    secret: str  # Ticket.secret


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_id: str
    public_key: str  # base64url of the 32 raw bytes, without padding
    algorithm: str = ALGORITHM


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The key that signs new tickets and every public key that verifies (the signing one first)."""

    signing: Ed25519PrivateKey
    signing_id: bytes
    verifying: dict[bytes, Ed25519PublicKey]

    def public_keys(self) -> list[PublicKey]:
        return [
            PublicKey(key_id.hex(), _b64(_raw(key)))
            for key_id, key in sorted(self.verifying.items(), key=lambda kv: kv[0] != self.signing_id)
        ]


def new_ticket_secret() -> str:
    """A new ticket's unguessable id: 15 random bytes in base32 (24 characters, the QR's nonce)."""
    return base64.b32encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii")


def key_id_of(public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(_raw(public_key)).digest()[:2]


def sign(keys: KeyRing, edition_id: int, ticket_type_id: int, secret: str) -> str:
    """The QR payload of a ticket (144 characters). ``ValueError`` for a secret that is not a
    ticket secret of this scheme (24 base32 characters)."""
    body = _BODY.pack(VERSION, keys.signing_id, edition_id, ticket_type_id, _nonce(secret))
    return base64.b32encode(body + keys.signing.sign(body)).decode("ascii")


def verify(payload: str, keys: KeyRing) -> Claim:
    """The claim of a payload whose signature one of ``keys`` verifies; ``InvalidTicket`` otherwise."""
    text = payload.strip().upper()
    if len(text) != PAYLOAD_CHARS or not set(text) <= _BASE32:
        raise InvalidTicket(f"not a ticket: expected {PAYLOAD_CHARS} base32 characters", code="ticket_malformed")
    raw = base64.b32decode(text)
    body, signature = raw[: _BODY.size], raw[_BODY.size :]
    version, key_id, edition_id, ticket_type_id, nonce = _BODY.unpack(body)
    if version != VERSION:
        raise InvalidTicket(f"not a ticket: unknown version {version}", code="ticket_malformed")
    key = keys.verifying.get(key_id)
    if key is None:
        raise InvalidTicket(f"signed with an unknown key {key_id.hex()}", code="ticket_unknown_key")
    try:
        key.verify(signature, body)
    except InvalidSignature:
        raise InvalidTicket("the signature does not match: altered or forged", code="ticket_bad_signature") from None
    secret = base64.b32encode(nonce).decode("ascii")
    return Claim(version, key_id.hex(), edition_id, ticket_type_id, secret)


def keys_of(settings: Settings) -> KeyRing:
    """The key ring of an installation (built once per process and settings)."""
    return _ring(settings.secret_key, settings.ticket_signing_key, settings.ticket_verify_keys)


@functools.cache
def _ring(secret_key: str, seed: bytes | None, older: tuple[bytes, ...]) -> KeyRing:
    if seed is None:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret_key.encode())
    signing = Ed25519PrivateKey.from_private_bytes(seed)
    signing_id = key_id_of(signing.public_key())
    verifying = {signing_id: signing.public_key()}
    for raw in older:
        key = Ed25519PublicKey.from_public_bytes(raw)
        key_id = key_id_of(key)
        if key_id in verifying and _raw(verifying[key_id]) != raw:
            # 1 in 65 536 per pair: tell the operator to generate another key rather than guess.
            raise SettingsError("TICKET_VERIFY_KEYS", f"two keys share the key id {key_id.hex()}; make a new key")
        verifying[key_id] = key
    return KeyRing(signing, signing_id, verifying)


def _nonce(secret: str) -> bytes:
    if len(secret) != SECRET_CHARS or not set(secret) <= _BASE32:
        raise ValueError(f"a ticket secret is {SECRET_CHARS} base32 characters")
    try:
        return base64.b32decode(secret)
    except binascii.Error as exc:  # pragma: no cover - the check above lets only valid base32 through
        raise ValueError(str(exc)) from None


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
