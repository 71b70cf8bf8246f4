"""Migration operations that keep the site up while they run.

An index on a large table (clients, cases, steps, follow-ups, events, survey answers) is
built with CREATE INDEX CONCURRENTLY, which does not lock writes while it
builds; a plain CREATE INDEX would stop every departure, step and dispatcher
write for as long as the build takes. offboarding/tests/test_migrations.py fails
when a migration adds such an index any other way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain AddIndex on SQLite (`make run`), which has no such thing.

    Django's own operation passes concurrently=True to any database's schema
    editor, and SQLite's does not take it. As with Django's, the migration must
    say `atomic = False`: PostgreSQL cannot build an index concurrently inside a
    transaction.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddPostgresIndexConcurrently(PostgresAddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY of an index only PostgreSQL has (GIN, text search); nothing on SQLite.

    SQLite (`make run`) has neither the index type nor the functions it indexes; its searches
    read the table, which is small there.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
