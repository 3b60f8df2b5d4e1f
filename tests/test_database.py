"""Migrations apply on an empty database and cover every table change."""

from typing import Any

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("app_name", ["festival", "schedule", "ticketing"])
async def test_every_table_change_has_a_migration(app_name: str) -> None:
    app_config = Finder().get_app_config(app_name)
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=app_config)
    pending = [s for group in statements for s in group.statements]
    assert pending == [], f"{app_name}: tables changed without a migration; run `make migration APP={app_name}`"


async def test_migrations_applied_on_empty_database(db: Any) -> None:
    from festival.tables import Series

    await Series.insert(Series(slug="probe", names={"en": "Probe"}))
    assert await Series.count() == 1
