"""Drop the page cache's data version (0005_data_version): the page cache is gone.

On PostgreSQL: the statement trigger that the page cache installed on every
table after each migrate, its function, the counting trigger's function and the
two tables. Dropping the function with CASCADE removes its trigger from every
table, whichever tables it reached. SQLite never had any of it.

Migrating back recreates the counters exactly as 0005 made them, without the
per-table triggers (nothing installs them any more), so nothing writes to them
and 0005 can still be unapplied after this one.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations

DROP = """
DROP FUNCTION IF EXISTS offboarding_note_data_change() CASCADE;
DROP TABLE IF EXISTS offboarding_data_change;
DROP FUNCTION IF EXISTS offboarding_count_data_change();
DROP TABLE IF EXISTS offboarding_data_version;
"""


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def recreate(apps: Any, schema_editor: Any) -> None:
    import_module("offboarding.migrations.0005_data_version").create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0009_handover_item_unique_title_per_case")]

    operations = [migrations.RunPython(drop, recreate, elidable=False)]
