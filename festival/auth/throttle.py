"""Sign-in throttling: attempts are counted per (client address, account) and per address.

Each attempt is counted atomically *before* the password is checked, so attempts sent at the same
moment cannot all slip through while the (slow) hash runs. A successful sign-in takes its attempts
back: colleagues signing in behind one NAT do not lock each other out, while guessing one
account's password (or many accounts' from one address) stops after ``LOGIN_ATTEMPTS_PER_MINUTE``
attempts per account, or five times that per address, within a minute. The counters are shared by
every web process through Redis when ``REDIS_URL`` is set, and kept in memory otherwise.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

from festival.errors import TooManyRequests

WINDOW_S = 60
PER_ADDRESS_FACTOR = 5


def _keys(address: str, email: str) -> tuple[str, str]:
    return f"festival:sign-in:{address}:{email.strip().lower()}", f"festival:sign-in:{address}"


@runtime_checkable  # Litestar checks dependency types at runtime
class SignInThrottle(Protocol):
    per_account: int

    async def attempt(self, address: str, email: str) -> None:
        """Count one attempt; raise ``TooManyRequests`` (code ``too_many_requests``) past the limit."""

    async def succeeded(self, address: str, email: str) -> None:
        """Give back the attempts of a successful sign-in."""

    async def close(self) -> None: ...


def _refuse() -> TooManyRequests:
    return TooManyRequests("too many sign-in attempts; wait a minute and try again", code="too_many_requests")


class MemoryThrottle:
    """One process's counters (the embedded default runs one process)."""

    def __init__(self, per_account: int) -> None:
        self.per_account = per_account
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = asyncio.Lock()

    def _bump(self, key: str, by: int, now: float) -> int:
        count, expires = self._counts.get(key, (0, now + WINDOW_S))
        if expires <= now:
            count, expires = 0, now + WINDOW_S
        count = max(0, count + by)
        self._counts[key] = (count, expires)
        return count

    async def attempt(self, address: str, email: str) -> None:
        account_key, address_key = _keys(address, email)
        async with self._lock:
            now = time.monotonic()
            if len(self._counts) > 100_000:  # forget expired counters now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            per_account = self._bump(account_key, 1, now)
            per_address = self._bump(address_key, 1, now)
        if per_account > self.per_account or per_address > self.per_account * PER_ADDRESS_FACTOR:
            raise _refuse()

    async def succeeded(self, address: str, email: str) -> None:
        account_key, address_key = _keys(address, email)
        async with self._lock:
            now = time.monotonic()
            self._counts.pop(account_key, None)
            self._bump(address_key, -1, now)

    async def close(self) -> None:
        return None


class RedisThrottle:
    """Counters in Redis (INCR is atomic), shared by every web process and host."""

    def __init__(self, redis_url: str, per_account: int) -> None:
        from redis.asyncio import Redis

        self.per_account = per_account
        self._redis = Redis.from_url(redis_url, socket_timeout=3)

    async def attempt(self, address: str, email: str) -> None:
        account_key, address_key = _keys(address, email)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(account_key).expire(account_key, WINDOW_S, nx=True)
            pipe.incr(address_key).expire(address_key, WINDOW_S, nx=True)
            per_account, _, per_address, _ = await pipe.execute()
        if per_account > self.per_account or per_address > self.per_account * PER_ADDRESS_FACTOR:
            raise _refuse()

    async def succeeded(self, address: str, email: str) -> None:
        account_key, address_key = _keys(address, email)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(account_key).decr(address_key)
            await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()


def create_throttle(redis_url: str | None, per_account: int) -> SignInThrottle:
    return RedisThrottle(redis_url, per_account) if redis_url else MemoryThrottle(per_account)
