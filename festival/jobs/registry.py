"""Which modules define jobs: importing them fills ``JOBS`` and ``PERIODIC_JOBS``.

Add a module here when it defines a ``@job`` or a ``periodic(...)``. The names are strings, imported
on demand, for the same reason ``festival.piccolo_conf`` lists its apps as strings: the core must
not import ``schedule`` or ``ticketing`` (they build on the core), yet the app and the worker must
see the same jobs. Both ``create_queue`` and ``worker_settings`` call ``load_jobs``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

JOB_MODULES: tuple[str, ...] = (
    "festival.mail",
    "festival.jobs.sessions",
    "ticketing.jobs",
    "festival.logistics.retention",
    "festival.logistics.digests",
)


def load_jobs(modules: Iterable[str] = JOB_MODULES) -> None:
    """Import every module that defines jobs (idempotent: Python imports a module once).

    Raises ``ImportError`` naming the module when one of them is missing.
    """
    for module in modules:
        importlib.import_module(module)
