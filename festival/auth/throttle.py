"""Sign-in throttling: failed attempts are counted per (client address, account) and per address.

Only failures count, so colleagues signing in behind one NAT do not lock each other out, while
guessing one account's password (or many accounts' from one address) is stopped after
``LOGIN_ATTEMPTS_PER_MINUTE`` failures (per account) or five times that (per address) within a
minute. The counters live in a Litestar store: memory on the embedded default, Redis when
``REDIS_URL`` is set, so every web process shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.stores.base import Store

from festival.errors import TooManyRequests

WINDOW_S = 60
PER_ADDRESS_FACTOR = 5


@dataclass(frozen=True, slots=True)
class SignInThrottle:
    store: Store
    per_account: int

    def _keys(self, address: str, email: str) -> tuple[str, str]:
        return f"fail:{address}:{email.strip().lower()}", f"fail:{address}"

    async def _count(self, key: str) -> int:
        value = await self.store.get(key)
        return int(value) if value else 0

    async def check(self, address: str, email: str) -> None:
        """Raise ``TooManyRequests`` (code ``too_many_requests``) while the limit is reached."""
        account_key, address_key = self._keys(address, email)
        if (
            await self._count(account_key) >= self.per_account
            or await self._count(address_key) >= self.per_account * PER_ADDRESS_FACTOR
        ):
            raise TooManyRequests("too many failed sign-ins; wait a minute and try again", code="too_many_requests")

    async def failed(self, address: str, email: str) -> None:
        for key in self._keys(address, email):
            # Read-modify-write: two racing failures may count once, which only loosens the limit by one.
            await self.store.set(key, str(await self._count(key) + 1), expires_in=WINDOW_S)

    async def succeeded(self, address: str, email: str) -> None:
        await self.store.delete(self._keys(address, email)[0])
