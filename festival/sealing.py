"""Secrets at rest: AES-GCM under a key derived from ``SECRET_KEY`` with HKDF-SHA256.

Each use names its own HKDF ``purpose`` (so one use's key never opens another's data) and binds
each sealed value to the row it belongs to through the associated data ``context`` (so a sealed
value copied to another row does not open). A sealed value is base64url, without padding, of the
12-byte nonce followed by the ciphertext and its tag. Used by ``ticketing.ticket_keys`` (the
editions' private signing keys) and ``festival.logistics`` (passport numbers).
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class UnsealFailed(Exception):
    """The value was sealed under another ``SECRET_KEY``, another purpose or context, or was altered."""


@functools.cache
def _cipher(secret_key: str, purpose: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode())
    return AESGCM(key)


def seal(secret_key: str, purpose: bytes, context: bytes, plaintext: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _cipher(secret_key, purpose).encrypt(nonce, plaintext, context)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def unseal(secret_key: str, purpose: bytes, context: bytes, sealed: str) -> bytes:
    """The plaintext of ``sealed``; ``UnsealFailed`` if it does not open with this key and context."""
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return _cipher(secret_key, purpose).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise UnsealFailed("the value does not open with this SECRET_KEY") from None
