"""Dependencies every controller may ask for: the caller, the language, settings and the job queue."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from festival.auth.principal import Principal
from festival.auth.throttle import SignInThrottle
from festival.errors import NotAuthenticated
from festival.i18n import current_language
from festival.jobs import JobQueue
from festival.settings import Settings


async def provide_principal(request: Request[Any, Any, Any]) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


async def provide_lang() -> str:
    return current_language.get()


async def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def provide_jobs(state: State) -> JobQueue:
    jobs: JobQueue = state.jobs
    return jobs


async def provide_actor(request: Request[Any, Any, Any]) -> Principal:
    """The caller of a guarded route (guards have already refused anonymous callers)."""
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthenticated("sign in or send a bearer token first")
    return user


async def provide_throttle(state: State) -> SignInThrottle:
    throttle: SignInThrottle = state.throttle
    return throttle
