"""Migrations keep the site up: an index on a large table is built concurrently, and SQLite still migrates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db import connection, models
from django.db.migrations import AddField, AddIndex, AlterField, CreateModel
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from clients.models import Client
from feedback.models import UsedSurveyInvitation
from offboarding.tests.outbox_fixtures import worker_database_url
from offboarding.tests.test_settings import run_django

# Grows with every answered survey but, being anonymous on purpose, points at nothing.
LARGE_WITHOUT_RELATIONS: tuple[type[models.Model], ...] = (UsedSurveyInvitation,)


def project_app_labels() -> set[str]:
    base = Path(settings.BASE_DIR).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and ".venv" not in Path(config.path).parts
    }


def large_models() -> set[tuple[str, str]]:
    """Clients and every table whose rows hang from one, however indirectly: cases, steps, events, follow-ups..."""
    candidates = [
        model for model in apps.get_models(include_auto_created=True) if model._meta.app_label in project_app_labels()
    ]
    large: set[type[models.Model]] = {Client, *LARGE_WITHOUT_RELATIONS}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in large:
                continue
            if any(field.related_model in large for field in model._meta.concrete_fields if field.is_relation):
                large.add(model)
                grew = True
    return {(model._meta.app_label, model._meta.model_name or "") for model in large}


@dataclass(frozen=True)
class LockingIndex:
    migration: str
    operation: str
    model: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation} on {self.model}"


def _builds_an_index(field: models.Field | None) -> bool:
    if field is None or field.primary_key or field.many_to_many:
        return False
    return bool(getattr(field, "db_index", False) or field.unique)


def _locks_a_large_table(
    operation: Operation, app_label: str, state: ProjectState, created_here: set[str], large: set[tuple[str, str]]
) -> bool:
    model_name = str(getattr(operation, "model_name", "")).lower()
    if (app_label, model_name) not in large or model_name in created_here:
        return False
    if isinstance(operation, AddIndex):
        return not isinstance(operation, PostgresAddIndexConcurrently)
    if isinstance(operation, AddField):
        return _builds_an_index(operation.field)
    if isinstance(operation, AlterField):
        before = state.models[app_label, model_name].fields.get(operation.name)
        return _builds_an_index(operation.field) and not _builds_an_index(before)
    return False


def locking_indexes() -> list[LockingIndex]:
    """Every operation of the project's migrations that builds an index on a large table with a lock."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    large = large_models()
    found = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if app_label not in project_app_labels():
            continue
        state = loader.project_state((app_label, name), at_end=False)
        created_here: set[str] = set()
        for operation in migration.operations:
            if isinstance(operation, CreateModel):
                created_here.add(operation.name_lower)
            elif _locks_a_large_table(operation, app_label, state, created_here, large):
                model = str(getattr(operation, "model_name", ""))
                found.append(LockingIndex(f"{app_label}.{name}", type(operation).__name__, model))
            operation.state_forwards(app_label, state)
    return found


def test_no_migration_builds_an_index_on_a_large_table_with_a_lock() -> None:
    locking = locking_indexes()
    assert locking == [], (
        "Build these with clients.migration_operations.AddIndexConcurrently in a migration with "
        "atomic = False (an AddField that indexes: db_index=False, then the index concurrently):\n"
        + "\n".join(str(index) for index in locking)
    )


def test_the_large_tables_are_the_ones_that_grow_with_departures() -> None:
    large = large_models()
    for table in [
        ("clients", "client"),
        ("offboarding", "departurecase"),
        ("offboarding", "probestep"),
        ("offboarding", "keepintouchstep"),
        ("offboarding", "handoveritem"),
        ("offboarding", "caseevent"),
        ("offboarding", "followup"),
        ("feedback", "surveyanswer"),
        ("feedback", "recordedfeedback"),
        ("feedback", "usedsurveyinvitation"),
    ]:
        assert table in large
    assert ("offboarding", "churnreason") not in large
    assert ("offboarding", "dispatcherrun") not in large


def test_a_plain_add_index_on_the_follow_ups_would_be_caught() -> None:
    state = ProjectState.from_apps(apps)
    operation = AddIndex("followup", models.Index(fields=["sent_at"], name="followup_sent_at"))
    assert _locks_a_large_table(operation, "offboarding", state, set(), large_models())
    assert not _locks_a_large_table(operation, "offboarding", state, {"followup"}, large_models())


@pytest.mark.django_db
def test_the_index_migrations_build_concurrently_on_postgresql() -> None:
    assert connection.vendor == "postgresql"
    result = run_django({"DEBUG": "1", "DATABASE_URL": worker_database_url()}, "sqlmigrate", "offboarding", "0006")
    assert result.returncode == 0, result.stderr
    assert "CREATE INDEX CONCURRENTLY" in result.stdout


def test_migrate_still_works_on_sqlite_for_make_run(tmp_path: Path) -> None:
    result = run_django(
        {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VAR_DIR": str(tmp_path)},
        "migrate",
        "--noinput",
    )
    assert result.returncode == 0, result.stderr
    assert "Applying offboarding.0006_case_account_manager_notice_index... OK" in result.stdout
