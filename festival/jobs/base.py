"""Job definitions shared by both queues: the typed ``@job`` decorator, its calls, retries and schedules.

A job is a thin ``async def fn(ctx: JobContext, *ids) -> None`` that calls one service. Decorating it
with ``@job(name=...)`` registers it in ``JOBS`` under a stable name (the name is what arq stores in
Redis, so renaming a job is a deployment concern). Code enqueues a job through
``queue.enqueue(the_job.bind(*args))``: ``bind`` is typed by the function's parameters, so mypy
checks the arguments, and it refuses anything that is not plain JSON (ids, never rows or objects).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeAlias, TypedDict, cast

from festival.settings import Settings

P = ParamSpec("P")

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"

#: Every job by name; filled by ``@job`` when the module that defines it is imported.
JOBS: dict[str, Job[Any]] = {}
#: Every periodic job; filled by ``periodic(...)`` (see ``festival.jobs.registry`` for the modules).
PERIODIC_JOBS: list[PeriodicJob] = []

DEFAULT_MAX_BACKOFF_S = 300.0


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a running job knows about itself: the settings, its id and which try this is (1-based)."""

    settings: Settings
    job_id: str
    job_try: int


class TransientError(Exception):
    """Raised by a job when trying again later may succeed (a server down, a timeout, a lock).

    Both queues retry the job after ``retry_backoff_s * 2**(job_try-1)`` seconds (capped) until it
    has been tried ``max_tries`` times; then the job fails and the failure is logged. Any other
    exception fails the job at once. Wrap I/O errors: ``raise TransientError("smtp down") from exc``.
    """


@dataclass(frozen=True, slots=True)
class JobCall:
    """A job together with the JSON arguments it will be called with; made by ``Job.bind``."""

    job: Job[Any]
    args: tuple[JsonValue, ...] = ()
    kwargs: Mapping[str, JsonValue] = field(default_factory=dict)


JobFunction: TypeAlias = Callable[Concatenate[JobContext, P], Awaitable[None]]


class Job(Generic[P]):
    """A registered job function with its retry policy; build one with ``@job(name=...)``."""

    def __init__(
        self,
        fn: JobFunction[P],
        *,
        name: str,
        max_tries: int,
        retry_backoff_s: float,
        timeout_s: float,
        max_backoff_s: float = DEFAULT_MAX_BACKOFF_S,
    ) -> None:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"job {name!r}: {fn!r} must be an async function")
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"job name {name!r} must be a non-empty word without spaces")
        if max_tries < 1:
            raise ValueError(f"job {name!r}: max_tries must be at least 1, got {max_tries}")
        if retry_backoff_s < 0 or max_backoff_s < 0 or timeout_s <= 0:
            raise ValueError(f"job {name!r}: backoffs must be >= 0 and timeout_s > 0")
        self.fn = fn
        self.name = name
        self.max_tries = max_tries
        self.retry_backoff_s = retry_backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self._signature = inspect.signature(fn)

    def __repr__(self) -> str:
        return f"<Job {self.name} max_tries={self.max_tries}>"

    def bind(self, *args: P.args, **kwargs: P.kwargs) -> JobCall:
        """Check the arguments against the function and return the call to enqueue.

        Raises ``TypeError`` when the arguments do not fit the function's parameters or when one of
        them is not plain JSON (str, int, float, bool, None, and lists or str-keyed dicts of those).
        Payloads carry ids only: a job loads what it needs, so a retried job sees fresh data.
        """
        try:
            bound = self._signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"job {self.name!r}: {exc}") from None
        for parameter, value in list(bound.arguments.items())[1:]:
            _check_json(value, f"job {self.name!r}, argument {parameter!r}")
        for key in kwargs:
            if key.startswith("_"):
                # arq reserves keyword arguments starting with "_" (``_job_id``, ``_defer_by``...).
                raise TypeError(f"job {self.name!r}: keyword argument {key!r} must not start with '_'")
        # Checked just above: every value is plain JSON.
        return JobCall(job=self, args=cast(tuple[JsonValue, ...], args), kwargs=cast(dict[str, JsonValue], kwargs))

    async def run(self, ctx: JobContext, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call the job function once, without retries or timeout (the queues add those)."""
        await self.fn(ctx, *args, **kwargs)

    def backoff_s(self, job_try: int) -> float:
        """Seconds to wait after try ``job_try`` failed transiently: doubling, capped at ``max_backoff_s``."""
        exponent = min(max(job_try - 1, 0), 64)  # 2**64 is far beyond any cap; avoids huge floats
        return min(self.retry_backoff_s * 2.0**exponent, self.max_backoff_s)


def job(
    *,
    name: str,
    max_tries: int = 5,
    retry_backoff_s: float = 2.0,
    timeout_s: float = 300,
    max_backoff_s: float = DEFAULT_MAX_BACKOFF_S,
) -> Callable[[JobFunction[P]], Job[P]]:
    """Make ``async def fn(ctx: JobContext, ...) -> None`` a job named ``name`` and register it in ``JOBS``.

    Raises ``ValueError`` when another job already uses ``name`` (names are the wire format).
    """

    def decorate(fn: JobFunction[P]) -> Job[P]:
        the_job = Job(
            fn,
            name=name,
            max_tries=max_tries,
            retry_backoff_s=retry_backoff_s,
            timeout_s=timeout_s,
            max_backoff_s=max_backoff_s,
        )
        existing = JOBS.get(name)
        if existing is not None:
            raise ValueError(
                f"job name {name!r} is already used by {existing.fn.__module__}.{existing.fn.__qualname__}"
            )
        JOBS[name] = the_job
        return the_job

    return decorate


class CronFields(TypedDict, total=False):
    """The subset of ``arq.cron.cron`` / ``arq.cron.next_cron`` fields a ``PeriodicJob`` sets."""

    hour: set[int]
    minute: set[int]
    second: set[int]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job without arguments run every ``every_s`` seconds, on the clock grid.

    ``every_s`` must divide a minute (1..60 s), an hour (whole minutes) or a day (whole hours), so
    that it maps onto arq's ``cron`` fields: ``every_s=600`` runs at :00, :10, :20... of every hour.
    Both queues compute the run times with the same function (``arq.cron.next_cron``).
    ``run_at_startup`` also runs it once when a worker or the app starts.
    """

    job: Job[[]]
    every_s: int
    run_at_startup: bool = False

    def __post_init__(self) -> None:
        self.cron_fields()  # fail at import time, not when the worker starts

    @property
    def name(self) -> str:
        return f"cron:{self.job.name}"

    def cron_fields(self) -> CronFields:
        """The ``second``/``minute``/``hour`` sets for ``arq.cron.cron`` and ``arq.cron.next_cron``.

        Raises ``ValueError`` when ``every_s`` does not divide a minute, an hour or a day evenly.
        """
        every = self.every_s
        if every >= 1 and 60 % every == 0:
            return {"second": set(range(0, 60, every))}
        if every % 60 == 0 and 3600 % every == 0:
            return {"minute": set(range(0, 60, every // 60)), "second": {0}}
        if every % 3600 == 0 and 86400 % every == 0:
            return {"hour": set(range(0, 24, every // 3600)), "minute": {0}, "second": {0}}
        raise ValueError(
            f"periodic job {self.job.name!r}: every_s={every} must divide 60 s, 3600 s or 86400 s evenly "
            "(e.g. 10, 60, 600, 3600)"
        )


def periodic(the_job: Job[[]], *, every_s: int, run_at_startup: bool = False) -> PeriodicJob:
    """Register ``the_job`` in ``PERIODIC_JOBS`` to run every ``every_s`` seconds (see ``PeriodicJob``).

    Raises ``ValueError`` for an ``every_s`` that does not fit the clock grid, or when the job is
    already periodic.
    """
    entry = PeriodicJob(the_job, every_s=every_s, run_at_startup=run_at_startup)
    if any(p.job.name == the_job.name for p in PERIODIC_JOBS):
        raise ValueError(f"job {the_job.name!r} is already registered as periodic")
    PERIODIC_JOBS.append(entry)
    return entry


def _check_json(value: object, where: str) -> None:
    # Exact types only: a subclass (an enum, a UUID-like str) would not survive a JSON round trip.
    if value is None or type(value) in (str, int, bool):
        return
    if isinstance(value, float) and type(value) is float:
        if not math.isfinite(value):
            raise TypeError(f"{where}: {value!r} is not a JSON number")
        return
    if isinstance(value, list) and type(value) is list:
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict) and type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{where}: dict key {key!r} is not a string")
            _check_json(item, f"{where}[{key!r}]")
        return
    kind = type(value).__name__
    hint = " (pass str(value))" if kind in {"UUID", "datetime", "date", "Decimal"} else ""
    raise TypeError(f"{where}: {kind} is not plain JSON; jobs take ids only{hint}")
