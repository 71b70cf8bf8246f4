"""What the offboarding migrations leave in the database, forwards and backwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

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


BEFORE_ONE_CONSENT = [
    ("offboarding", "0015_leave_date_rule_carries_its_message"),
    ("clients", "0006_client_rules_carry_their_messages"),
]
STEP_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _old_client(apps: Any, owner: Any, name: str, consent: bool, *step_answers: bool | None) -> int:
    """A client as the two fields kept them: their own bool, and a keep-in-touch step per case, oldest first."""
    client = apps.get_model("clients", "Client").objects.create(
        company_name=name,
        contact_name=name,
        contact_email=f"{name}@example.com",
        account_manager=owner,
        keep_in_touch_consent=consent,
    )
    for number, answer in enumerate(step_answers):
        case = apps.get_model("offboarding", "DepartureCase").objects.create(
            client=client,
            status="open" if number == len(step_answers) - 1 else "won_back",
            notice_received_on=date(2026, 1, 1),
            planned_leave_date=date(2026, 2, 1),
            how_heard="email",
            account_manager=owner,
            monthly_value=0,
            currency="EUR",
            opened_by=owner,
            opened_at=STEP_AT + timedelta(days=number),
        )
        done = {"status": "done", "completed_at": STEP_AT + timedelta(days=number), "completed_by": owner}
        apps.get_model("offboarding", "KeepInTouchStep").objects.create(
            case=case, consent=answer, **(done if answer is not None else {})
        )
    return int(client.pk)


@pytest.mark.django_db(transaction=True)
def test_consent_kept_in_two_places_becomes_one_answer_and_goes_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ONE_CONSENT)
    apps = executor.loader.project_state(BEFORE_ONE_CONSENT).apps
    try:
        owner = apps.get_model("auth", "User").objects.create(username="old-owner")
        ids = {
            "no at the step": _old_client(apps, owner, "a", True, False),
            "yes at the step and on the client": _old_client(apps, owner, "b", True, True),
            "yes at the step, withdrawn on the client": _old_client(apps, owner, "c", False, True),
            "yes on the client only": _old_client(apps, owner, "d", True, None),
            "never asked": _old_client(apps, owner, "e", False),
            "no at an old case, yes at the latest": _old_client(apps, owner, "f", True, False, True),
        }
        _migrate_to_the_latest()
        from clients.models import Client

        rows = {name: Client.objects.get(pk=pk) for name, pk in ids.items()}
        answers = {
            name: (row.keep_in_touch, row.keep_in_touch_changed_by, row.keep_in_touch_changed_at)
            for name, row in rows.items()
        }
        assert answers == {
            "no at the step": ("no", "step", STEP_AT),
            "yes at the step and on the client": ("yes", "step", STEP_AT),
            "yes at the step, withdrawn on the client": ("no", "client_form", None),
            "yes on the client only": ("yes", "client_form", None),
            "never asked": ("not_asked", "client_form", None),
            "no at an old case, yes at the latest": ("yes", "step", STEP_AT + timedelta(days=1)),
        }
        assert rows["no at the step"].keep_in_touch_changed_by_user_id == owner.pk

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE_ONE_CONSENT)
        apps = executor.loader.project_state(BEFORE_ONE_CONSENT).apps
        old_clients = apps.get_model("clients", "Client").objects
        steps = apps.get_model("offboarding", "KeepInTouchStep").objects
        back = {
            name: (
                old_clients.get(pk=pk).keep_in_touch_consent,
                list(steps.filter(case__client_id=pk).order_by("case__opened_at").values_list("consent", flat=True)),
            )
            for name, pk in ids.items()
        }
        # The two fields again say what the old follow-up rules read from them: every done step holds the
        # client's answer (so a withdrawal comes back as a no at the step, an old case's no as the latest yes).
        assert back == {
            "no at the step": (False, [False]),
            "yes at the step and on the client": (True, [True]),
            "yes at the step, withdrawn on the client": (False, [False]),
            "yes on the client only": (True, [None]),
            "never asked": (False, []),
            "no at an old case, yes at the latest": (True, [True, True]),
        }
    finally:
        _migrate_to_the_latest()


BEFORE_THE_VALUE_HISTORY = [("offboarding", "0024_partial_departures")]


@pytest.mark.django_db(transaction=True)
def test_the_value_history_begins_with_each_clients_value_departures_and_returns() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_VALUE_HISTORY)
    apps = executor.loader.project_state(BEFORE_THE_VALUE_HISTORY).apps
    try:
        owner = apps.get_model("auth", "User").objects.create(username="old-owner")
        client = apps.get_model("clients", "Client").objects.create(
            company_name="Old", contact_name="Old", contact_email="old@example.com", account_manager=owner,
            monthly_value=1200, currency="GBP", contract_start=date(2024, 3, 1),
        )  # fmt: skip
        apps.get_model("offboarding", "DepartureCase").objects.create(
            client=client, status="won_back", notice_received_on=date(2025, 1, 1), planned_leave_date=date(2025, 2, 1),
            departed_on=date(2025, 2, 1), won_back_on=date(2025, 9, 1), how_heard="email", account_manager=owner,
            monthly_value=1000, currency="GBP", opened_by=owner,
        )  # fmt: skip
        _migrate_to_the_latest()
        from clients.models import ClientValueChange

        history = ClientValueChange.objects.filter(client_id=client.pk).order_by("effective_on")
        assert [(c.effective_on, c.monthly_value, c.currency, c.source) for c in history] == [
            (date(2024, 3, 1), 1200, "GBP", "backfill"),
            (date(2025, 2, 1), 0, "GBP", "departure"),
            (date(2025, 9, 1), 1000, "GBP", "return"),
        ]
    finally:
        _migrate_to_the_latest()
