"""Migrations written as plain SQL (indexes Piccolo's auto migrations cannot express on SQLite)."""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine configured (PICCOLO_CONF)")
    return engine


def sql_migration(
    migration_id: str, app_name: str, description: str, statements: Sequence[str], backwards: Sequence[str]
) -> MigrationManager:
    """A migration that runs ``statements`` forwards and ``backwards`` to undo them, in order."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

    async def run() -> None:
        engine = _engine()
        for statement in statements:
            await engine.run_ddl(statement)

    async def run_backwards() -> None:
        engine = _engine()
        for statement in backwards:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
