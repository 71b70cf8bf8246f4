"""What the offboarding migrations leave in the database, forwards and backwards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_DROP = ("offboarding", "0006_case_account_manager_notice_index")


def _page_cache_leftovers() -> set[str]:
    """What the removed page cache put in PostgreSQL and is still there: tables, functions, triggers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('offboarding_data_version') IS NOT NULL,"
            " to_regclass('offboarding_data_change') IS NOT NULL,"
            " to_regprocedure('offboarding_note_data_change()') IS NOT NULL,"
            " to_regprocedure('offboarding_count_data_change()') IS NOT NULL,"
            " EXISTS (SELECT FROM pg_trigger WHERE tgname = 'offboarding_count_data_change'),"
            " EXISTS (SELECT FROM pg_trigger WHERE tgname = 'offboarding_data_change')"
        )
        found = cursor.fetchone()
    names = ("version table", "change table", "note function", "count function", "counting trigger", "table triggers")
    return {name for name, present in zip(names, found, strict=True) if present}


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()


def _migrate_to_the_latest() -> None:
    # Every app's last migration, not only the drop: later migrations must be back for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()


@pytest.mark.django_db
def test_a_migrated_database_holds_nothing_of_the_page_cache() -> None:
    assert _page_cache_leftovers() == set()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_past_the_drop_and_forward_again_leaves_nothing_behind() -> None:
    try:
        _migrate(BEFORE_THE_DROP)
        # Back before the drop: the counters again (no per-table trigger), so 0005 can be unapplied too.
        assert _page_cache_leftovers() == {
            "version table",
            "change table",
            "note function",
            "count function",
            "counting trigger",
        }
    finally:
        _migrate_to_the_latest()
    assert _page_cache_leftovers() == set()
