"""The backup routine of the README: pg_dump -Fc, pg_restore into a fresh database, and nothing lost or revived."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from clients.models import Client
from feedback.services_erasure import client_erase, erased_company_name, erased_email
from offboarding.models import FollowUp
from offboarding.outbox.services import address_hash, suppression_add
from offboarding.services.cases import case_mark_departed
from offboarding.tests.db_snapshot import all_project_tables
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory, ready_to_depart
from offboarding.tests.outbox_fixtures import worker_database_url
from offboarding.tests.test_settings import run_django

ERASED_EMAIL = "ivo.marsh@fenwick-backup.example"
ERASED_PHONE = "+44 7700 900772"
UNSUBSCRIBED = "left-the-list@elsewhere.example"


def _server_options() -> list[str]:
    params = connection.settings_dict
    options = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            options += [flag, str(params[key])]
    return options


def _run(command: list[str]) -> None:
    env = {**os.environ, "PGPASSWORD": str(connection.settings_dict.get("PASSWORD") or "")}
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)


def _connect(name: str) -> Any:
    params = connection.settings_dict
    return psycopg2.connect(
        dbname=name,
        user=params.get("USER") or "postgres",
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        options="-c timezone=UTC",
    )


def _every_row(name: str) -> dict[str, list[tuple[object, ...]]]:
    database = _connect(name)
    try:
        with database.cursor() as cursor:
            rows = {}
            for table in all_project_tables():
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names come from the models)
                rows[table] = sorted(cursor.fetchall(), key=repr)
            return rows
    finally:
        database.close()


@pytest.fixture
def restored_name() -> Iterator[str]:
    """A fresh database to restore into, dropped afterwards whatever happens."""
    name = f"{connection.settings_dict['NAME']}_restored"
    _run(["dropdb", "--if-exists", "--force", *_server_options(), name])
    _run(["createdb", *_server_options(), name])
    yield name
    _run(["dropdb", "--if-exists", "--force", *_server_options(), name])


def _departed(company: str, email: str, owner: User, phone: str = "") -> Client:
    client = ClientFactory.create(company_name=company, contact_email=email, contact_phone=phone, account_manager=owner)
    case_mark_departed(case=ready_to_depart(DepartureCaseFactory.create(client=client)), actor=owner)
    return client


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_keeps_everything_and_revives_no_erased_client(
    account_manager: User, manager: User, restored_name: str, tmp_path: Path
) -> None:
    kept = _departed("Alder Foods", "rosa@alder.example", account_manager)
    erased = _departed("Fenwick Marsh", ERASED_EMAIL, account_manager, phone=ERASED_PHONE)
    client_erase(client=erased, erased_by=manager, now=timezone.now())
    suppression_add(email=UNSUBSCRIBED, reason="unsubscribed")
    original = connection.settings_dict["NAME"]
    dump = tmp_path / "offboarding.dump"

    _run(["pg_dump", "--format=custom", "--file", str(dump), *_server_options(), original])
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored_name, *_server_options(), str(dump)])

    restored = _every_row(restored_name)
    assert restored == _every_row(original)
    assert restored["offboarding_departurecase"], "the cases came back"
    assert len(restored["offboarding_followup"]) == FollowUp.objects.count() > 0
    everything = repr(restored)
    assert ERASED_EMAIL not in everything
    assert ERASED_PHONE not in everything
    assert "Fenwick Marsh" not in everything
    database = _connect(restored_name)
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT company_name, contact_email FROM clients_client WHERE id = %s", [erased.pk])
            assert cursor.fetchone() == (erased_company_name(erased.pk), erased_email(erased.pk))
            cursor.execute("SELECT address_hash FROM offboarding_suppression")
            suppressed = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT DISTINCT status FROM offboarding_followup WHERE client_id = %s AND kind IN %s",
                [erased.pk, tuple(FollowUp.CLIENT_FACING_KINDS)],
            )
            erased_statuses = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT nextval('offboarding_followup_id_seq'), (SELECT max(id) FROM offboarding_followup)")
            next_id, highest_id = cursor.fetchone()
    finally:
        database.close()
    assert {address_hash(ERASED_EMAIL), address_hash(UNSUBSCRIBED)} <= suppressed
    assert address_hash(kept.contact_email) not in suppressed
    assert erased_statuses == {FollowUp.Status.CANCELLED}, "nothing waits to be mailed to the erased client"
    assert next_id > highest_id, "new rows after a restore do not collide with restored ones"

    migrations = run_django({"DEBUG": "1", "DATABASE_URL": _url(restored_name)}, "migrate", "--check")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr


def _url(name: str) -> str:
    return worker_database_url().rsplit("/", 1)[0] + f"/{name}"
