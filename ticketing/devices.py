"""Gate devices: paired with a device token bound to an edition and some of its check-in lists,
revocable, and limited in how many scans they send a minute.

The token (``fdt_`` and 32 random bytes) is shown once when the device is paired; only its SHA-256
is stored. Each process keeps what it learnt of a token for ``DEVICE_TTL_S``, so a revoked device is
refused within that long on every process (at once on the one that revoked it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

from festival.auth.principal import Principal
from festival.editions.services import edition_row, json_value
from festival.errors import NotAuthenticated, NotFound, TooManyRequests
from festival.tables import Edition
from ticketing.checkin_lists import list_ids
from ticketing.checkin_schemas import DeviceIn, DeviceOut
from ticketing.tables import CheckinList, Device

TOKEN_PREFIX = "fdt_"  # noqa: S105 - the prefix of device tokens, not a secret
DEVICE_TTL_S = 5.0
WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class GateDevice:
    """A device as a request from it needs it."""

    id: int
    name: str
    edition_id: int
    edition: str  # slug
    gate: str
    lists: tuple[int, ...]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def pair(actor: Principal, edition: str, data: DeviceIn) -> tuple[int, str]:
    """A new device of ``edition`` for the lists of ``data`` (slugs); returns its id and its token
    (shown once). ``ValidationFailed`` (``unknown_list``)."""
    edition_id = int((await edition_row(edition, actor))["id"])
    lists = await list_ids(edition_id, data.lists)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Device(
        edition=edition_id,
        name=data.name.strip(),
        token_digest=_digest(token),
        lists=lists,
        gate=data.gate.strip(),
        created_by=actor.email,
        created_at=_now(),
    )
    await row.save()
    return int(row.id), token


async def revoke(actor: Principal, edition: str, device_id: int) -> None:
    """Revoke a device of ``edition`` (already revoked: no change). ``NotFound`` (``device_not_found``)."""
    edition_id = int((await edition_row(edition, actor))["id"])
    found = (
        await Device.select(Device.id, Device.revoked_at, Device.token_digest)
        .where((Device.id == device_id) & (Device.edition == edition_id))
        .first()
    )
    if found is None:
        raise NotFound(f"{edition} has no device {device_id}", code="device_not_found")
    if found["revoked_at"] is None:
        await Device.update({Device.revoked_at: _now()}).where(Device.id == device_id)
    _cache.pop(found["token_digest"], None)


async def devices_of(edition: str, actor: Principal) -> list[DeviceOut]:
    edition_id = int((await edition_row(edition, actor))["id"])
    slugs = {
        r["id"]: r["slug"]
        for r in await CheckinList.select(CheckinList.id, CheckinList.slug).where(CheckinList.edition == edition_id)
    }
    rows = await Device.select().where(Device.edition == edition_id).order_by(Device.id)
    return [
        DeviceOut(
            id=r["id"],
            name=r["name"],
            lists=[slugs[i] for i in json_value(r["lists"]) if i in slugs],
            gate=r["gate"],
            created_by=r["created_by"],
            created_at=r["created_at"],
            revoked_at=r["revoked_at"],
            last_seen_at=r["last_seen_at"],
        )
        for r in rows
    ]


_cache: dict[str, tuple[float, GateDevice | None]] = {}


async def authenticate(authorization: str | None) -> GateDevice:
    """The device of an ``Authorization: Bearer fdt_…`` header. ``NotAuthenticated``:
    ``device_token_missing``, ``device_unknown``, ``device_revoked``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("send the device token: Authorization: Bearer fdt_…", code="device_token_missing")
    digest = _digest(token)
    cached = _cache.get(digest)
    if cached is not None and time.monotonic() - cached[0] < DEVICE_TTL_S:
        device = cached[1]
    else:
        device = await _load(digest)
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[digest] = (time.monotonic(), device)
    if device is None:
        raise NotAuthenticated(
            "this device token is unknown or was revoked; pair the device again", code="device_revoked"
        )
    return device


async def _load(digest: str) -> GateDevice | None:
    row = await (
        Device.select(Device.id, Device.name, Device.edition, Device.gate, Device.lists, Device.revoked_at)
        .where(Device.token_digest == digest)
        .first()
    )
    if row is None or row["revoked_at"] is not None:
        return None
    edition = await Edition.select(Edition.slug).where(Edition.id == row["edition"]).first()
    if edition is None:  # pragma: no cover - the foreign key keeps it
        return None
    return GateDevice(
        id=row["id"],
        name=row["name"],
        edition_id=row["edition"],
        edition=edition["slug"],
        gate=row["gate"],
        lists=tuple(int(i) for i in json_value(row["lists"])),
    )


async def seen(device: GateDevice) -> None:
    """Note that the device was here (on sync: not on every scan, which would be a write each)."""
    await Device.update({Device.last_seen_at: _now()}).where(Device.id == device.id)


class ScanLimiter(Protocol):
    per_minute: int

    async def count(self, device_id: int, scans: int = 1) -> None:
        """Count ``scans``; ``TooManyRequests`` (``too_many_scans``) past ``per_minute`` a device."""

    async def close(self) -> None: ...


def _refuse(per_minute: int) -> TooManyRequests:
    return TooManyRequests(
        f"this device sent more than {per_minute} scans in a minute; wait a moment", code="too_many_scans"
    )


class MemoryScanLimiter:
    """One process's counters (the embedded default runs one process)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._counts: dict[int, tuple[int, float]] = {}
        self._lock = asyncio.Lock()

    async def count(self, device_id: int, scans: int = 1) -> None:
        async with self._lock:
            now = time.monotonic()
            used, expires = self._counts.get(device_id, (0, now + WINDOW_S))
            if expires <= now:
                used, expires = 0, now + WINDOW_S
            self._counts[device_id] = (used + scans, expires)
        if used + scans > self.per_minute:
            raise _refuse(self.per_minute)

    async def close(self) -> None:
        return None


class RedisScanLimiter:
    """Counters in Redis (INCRBY is atomic), shared by every web process and host."""

    # INCRBY and the window's expiry in one atomic command (a script): one round trip, and less to
    # encode and parse than a MULTI/EXEC pipeline of the two on every scan.
    _COUNT = (
        "local used = redis.call('INCRBY', KEYS[1], ARGV[1]) redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX') return used"
    )

    def __init__(self, redis_url: str, per_minute: int) -> None:
        from redis.asyncio import Redis

        self.per_minute = per_minute
        self._redis = Redis.from_url(redis_url, socket_timeout=3)
        self._count = self._redis.register_script(self._COUNT)

    async def count(self, device_id: int, scans: int = 1) -> None:
        used = int(await self._count(keys=[f"festival:scans:{device_id}"], args=[scans, WINDOW_S]))
        if used > self.per_minute:
            raise _refuse(self.per_minute)

    async def close(self) -> None:
        await self._redis.aclose()


def create_scan_limiter(redis_url: str | None, per_minute: int) -> ScanLimiter:
    return RedisScanLimiter(redis_url, per_minute) if redis_url else MemoryScanLimiter(per_minute)
