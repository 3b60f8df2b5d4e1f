"""Piccolo's configuration module (``PICCOLO_CONF=festival.piccolo_conf``).

``DB`` starts as the engine named by ``DATABASE_URL``; ``festival.database.use_engine`` replaces it.
"""

import os
from pathlib import Path

from piccolo.conf.apps import AppRegistry

from festival.database import build_engine
from festival.settings import DEFAULT_STATE_DIR, _parse_database_url

DB = build_engine(
    _parse_database_url(os.environ.get("DATABASE_URL"), Path(os.environ.get("FESTIVAL_STATE_DIR") or DEFAULT_STATE_DIR))
)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "festival.piccolo_app",
        "schedule.piccolo_app",
        "ticketing.piccolo_app",
        "festival.logistics.piccolo_app",
    ]
)
