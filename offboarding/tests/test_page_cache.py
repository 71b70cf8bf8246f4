"""The page cache: a second visit is answered from memory, and never with a page older than the data.

These tests commit (transaction=True), as the web server does: inside a test's
rolled-back transaction the cache stands aside by design.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib import auth
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.roles import MANAGERS
from offboarding.models import ChurnReason, DepartureCase
from offboarding.page_cache import csrf_placeholder, data_version, release, watched_tables
from offboarding.services.dispatch import follow_ups_dispatch
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# A page served from the cache asks for the session, the user, their roles and the data version, nothing else.
QUERIES_OF_A_CACHED_PAGE = 4


def _get(browser: BrowserClient, path: str) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path)
    assert response.status_code == 200
    return response.content, len(queries)


def _without_tokens(page: bytes) -> bytes:
    return TOKEN.sub(b"", page)


def test_a_second_visit_is_served_from_the_cache_with_the_visitors_own_csrf_token(account_manager: User) -> None:
    case = DepartureCaseFactory.create(client=ClientFactory.create(account_manager=account_manager))
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(account_manager)

    first, first_queries = _get(browser, case.get_absolute_url())
    second, second_queries = _get(browser, case.get_absolute_url())
    assert browser.get(case.get_absolute_url())["Cache-Control"] == "private, no-store"  # a cached answer too

    assert first_queries > QUERIES_OF_A_CACHED_PAGE
    assert second_queries == QUERIES_OF_A_CACHED_PAGE
    assert _without_tokens(second) == _without_tokens(first)
    assert csrf_placeholder().encode() not in first + second
    token = TOKEN.search(second)
    assert token is not None
    saved = browser.post(
        reverse("offboarding:step_save", args=[case.pk, "probe"]),
        {"csrfmiddlewaretoken": token.group(1).decode(), **_probe_post()},
    )
    assert saved.status_code == 302  # a 403 would mean the served token was not the visitor's
    case.refresh_from_db()
    assert case.probe.client_words == "Too many missed deadlines."


def _probe_post() -> dict[str, object]:
    reason = ChurnReason.objects.get(key="service-quality")
    return {"probe-primary_reason": reason.pk, "probe-client_words": "Too many missed deadlines."}


def _rename(client: Client, how: str, name: str) -> None:
    if how == "save":
        client.company_name = name
        client.save()
    elif how == "bulk update":
        Client.objects.filter(pk=client.pk).update(company_name=name)
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE clients_client SET company_name = %s WHERE id = %s", [name, client.pk])


@pytest.mark.parametrize("how", ["save", "bulk update", "plain SQL"])
def test_any_committed_change_shows_on_the_next_visit(
    how: str, am_client: BrowserClient, account_manager: User
) -> None:
    client = ClientFactory.create(company_name="Before Ltd", account_manager=account_manager)
    for path in ("/clients/", f"/clients/{client.pk}/"):
        assert b"Before Ltd" in _get(am_client, path)[0]
        assert _get(am_client, path)[1] == QUERIES_OF_A_CACHED_PAGE

    _rename(client, how, "After Ltd")

    for path in ("/clients/", f"/clients/{client.pk}/"):
        page, queries = _get(am_client, path)
        assert b"After Ltd" in page
        assert b"Before Ltd" not in page
        assert queries > QUERIES_OF_A_CACHED_PAGE


def test_a_write_that_is_rolled_back_leaves_the_version_and_one_that_commits_moves_it(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager)
    before = data_version()
    assert before is not None

    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(notes="typed, then abandoned")
        assert data_version() is None  # this transaction has written: nothing cached is to be trusted here
        transaction.set_rollback(True)
    assert data_version() == before

    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(notes="kept")
    assert data_version() not in {None, before}


def test_each_person_is_served_only_their_own_page(
    account_manager: User, other_account_manager: User, manager: User
) -> None:
    mine = ClientFactory.create(company_name="Mine Ltd", account_manager=account_manager)
    theirs = ClientFactory.create(company_name="Theirs Ltd", account_manager=other_account_manager)
    browsers = {}
    for user in (account_manager, other_account_manager, manager):
        browsers[user.username] = BrowserClient()
        browsers[user.username].force_login(user)

    for _ in range(2):  # the second round is answered from the cache
        manager_page = browsers["marta"].get("/clients/").content
        assert b"Mine Ltd" in manager_page
        assert b"Theirs Ltd" in manager_page
        my_page = browsers["amelia"].get("/clients/").content
        assert b"Mine Ltd" in my_page
        assert b"Theirs Ltd" not in my_page
        assert browsers["marta"].get(f"/clients/{theirs.pk}/").status_code == 200
        assert browsers["amelia"].get(f"/clients/{theirs.pk}/").status_code == 404
        assert browsers["jonas"].get(f"/clients/{mine.pk}/").status_code == 404
        assert browsers["amelia"].get("/feedback/").status_code == 403


def test_a_person_given_the_manager_role_sees_the_dashboard_at_once(account_manager: User) -> None:
    browser = BrowserClient()
    browser.force_login(account_manager)
    assert browser.get("/feedback/").status_code == 403
    home = browser.get("/").content

    account_manager.groups.add(Group.objects.get(name=MANAGERS))

    assert browser.get("/feedback/").status_code == 200
    assert browser.get("/").content != home  # the navigation now offers the dashboard


def test_an_account_manager_taken_out_of_the_group_is_not_served_her_cached_pages(
    account_manager: User, am_client: BrowserClient
) -> None:
    case = DepartureCaseFactory.create(
        client=ClientFactory.create(company_name="Alder Foods", account_manager=account_manager)
    )
    paths = ("/", "/clients/", case.client.get_absolute_url(), case.get_absolute_url())
    for path in paths:
        assert b"Alder Foods" in _get(am_client, path)[0]
        assert _get(am_client, path)[1] == QUERIES_OF_A_CACHED_PAGE

    account_manager.groups.clear()

    for path in paths:
        response = am_client.get(path)
        assert response.status_code in {403, 404}, path
        assert b"Alder Foods" not in response.content


def test_a_message_is_shown_once_and_the_page_is_cached_after_it(
    am_client: BrowserClient, account_manager: User
) -> None:
    case = DepartureCaseFactory.create(client=ClientFactory.create(account_manager=account_manager))
    _get(am_client, case.get_absolute_url())

    saved = am_client.post(reverse("offboarding:step_save", args=[case.pk, "probe"]), _probe_post(), follow=True)
    assert b"Probe: saved." in saved.content

    again, _ = _get(am_client, case.get_absolute_url())
    assert b"Probe: saved." not in again
    assert b"Too many missed deadlines." in again
    assert _get(am_client, case.get_absolute_url())[1] == QUERIES_OF_A_CACHED_PAGE


def test_a_page_is_filed_under_the_day_so_a_passed_leave_date_shows_as_overdue(
    account_manager: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 60 * 60 * 24 * 365  # still signed in six weeks later
    am_client = BrowserClient()
    am_client.force_login(account_manager)
    with time_machine.travel("2026-11-20 23:30Z", tick=False):
        DepartureCaseFactory.create(
            client=ClientFactory.create(company_name="Leaving Ltd", account_manager=account_manager),
            notice_received_on=date(2026, 11, 1),
            planned_leave_date=date(2026, 12, 31),
        )
        for _ in range(2):
            assert b"table-danger" not in _get(am_client, "/")[0]
    # Nothing was written since: only the day moved on.
    with time_machine.travel("2027-01-01 09:00Z", tick=False):
        assert b"table-danger" in _get(am_client, "/")[0]


def test_every_table_a_page_can_read_moves_the_data_version() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'offboarding_data_change'")
        watched = {name for (name,) in cursor.fetchall()}
    assert watched == set(watched_tables())
    for table in (
        "auth_user",
        "auth_user_groups",
        "clients_client",
        "offboarding_departurecase",
        "offboarding_followup",
        "feedback_surveyanswer",
    ):
        assert table in watched
    assert "django_session" not in watched


def test_the_every_minute_dispatcher_with_nothing_to_send_leaves_cached_pages_in_place(
    am_client: BrowserClient, account_manager: User
) -> None:
    case = DepartureCaseFactory.create(client=ClientFactory.create(account_manager=account_manager))
    _get(am_client, case.get_absolute_url())
    before = data_version()

    follow_ups_dispatch()  # what beat starts every minute: no lease to recover, nothing due

    assert data_version() == before
    assert _get(am_client, case.get_absolute_url())[1] == QUERIES_OF_A_CACHED_PAGE


def test_the_cache_stands_aside_inside_a_transaction_that_wrote(
    am_client: BrowserClient, account_manager: User
) -> None:
    case = DepartureCaseFactory.create(client=ClientFactory.create(account_manager=account_manager))
    _get(am_client, case.get_absolute_url())
    with transaction.atomic():
        DepartureCase.objects.filter(pk=case.pk).update(first_notes="Seen only inside this transaction")
        page, queries = _get(am_client, case.get_absolute_url())
        assert b"Seen only inside this transaction" in page
        assert queries > QUERIES_OF_A_CACHED_PAGE
        transaction.set_rollback(True)
    assert b"Seen only inside this transaction" not in _get(am_client, case.get_absolute_url())[0]


def test_a_deploy_files_pages_afresh_wherever_the_static_files_are_collected(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path  # production collects outside the code's folder
    release.cache_clear()
    try:
        before = release()
        (tmp_path / "staticfiles.json").write_text('{"paths": {"css/app.css": "css/app.0123.css"}}')
        release.cache_clear()
        assert release() != before
    finally:
        release.cache_clear()


def test_rights_taken_away_while_a_page_is_built_are_not_served_afterwards(
    manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A superuser loses the right just after their row was read for a request that is still being answered."""
    User.objects.filter(pk=manager.pk).update(is_superuser=True)
    manager.groups.clear()  # only superuser status makes this person a manager now
    browser = BrowserClient()
    browser.force_login(manager)
    real_get_user = auth.get_user

    def get_user_then_demotion(request: Any) -> Any:
        user = real_get_user(request)
        User.objects.filter(pk=manager.pk).update(is_superuser=False)  # commits at once (autocommit)
        return user

    monkeypatch.setattr(auth, "get_user", get_user_then_demotion)
    browser.get("/feedback/")  # in flight during the change: built with the rights it started with
    monkeypatch.setattr(auth, "get_user", real_get_user)

    assert browser.get("/feedback/").status_code == 403
