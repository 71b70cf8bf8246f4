"""Every row of the project's tables, to prove that a refused request changed nothing."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

PROJECT_APPS = ("clients", "offboarding", "feedback")

Snapshot = dict[str, list[tuple[object, ...]]]


def project_tables() -> list[str]:
    """Tables of the project's models that have an integer id (a sequence)."""
    return [
        model._meta.db_table
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if model._meta.pk is not None and model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}
    ]


def all_project_tables() -> list[str]:
    """Every table of the project's models, including many-to-many tables and ones keyed by hash or UUID."""
    tables = set()
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    return sorted(tables)


def restart_ids_at(value: int) -> None:
    with connection.cursor() as cursor:
        for table in project_tables():
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, value])


def snapshot() -> Snapshot:
    """Every row of every project table: any change shows up as a difference."""
    rows = {}
    with connection.cursor() as cursor:
        for table in all_project_tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 (table names come from models)
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows
