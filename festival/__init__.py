"""The festival system: the application shell and the core every part shares."""

import os

# Piccolo looks up its engine and apps through this module (migrations, admin, tables).
os.environ.setdefault("PICCOLO_CONF", "festival.piccolo_conf")
