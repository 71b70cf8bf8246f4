"""The home page "My work": open cases with the next step, overdue first; managers see everyone's."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.web import ROWS_PER_PAGE
from offboarding.models import DepartureCase
from offboarding.services.cases import case_mark_saved, step_complete
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory, step_values

pytestmark = pytest.mark.django_db


def _open_case(owner: User, name: str, notice: date, leave: date) -> DepartureCase:
    client = ClientFactory.create(company_name=name, account_manager=owner)
    return DepartureCaseFactory.create(client=client, notice_received_on=notice, planned_leave_date=leave)


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_my_work_lists_my_open_cases_with_the_next_step_overdue_first(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    later = _open_case(account_manager, "Later Ltd", date(2026, 11, 1), date(2027, 1, 31))
    _open_case(account_manager, "Overdue Ltd", date(2026, 10, 1), date(2026, 11, 15))
    _open_case(account_manager, "Sooner Ltd", date(2026, 11, 1), date(2026, 12, 20))
    _open_case(other_account_manager, "Not Mine Ltd", date(2026, 11, 1), date(2026, 12, 1))
    step_complete(case=later, step="probe", actor=account_manager, values=step_values("probe"))

    text = am_client.get("/").content.decode()
    assert text.index("Overdue Ltd") < text.index("Sooner Ltd") < text.index("Later Ltd")
    assert "leave date passed" in text
    assert "Not Mine Ltd" not in text
    # The next step links to that step's own page, named for the client ("Apologise for Later Ltd").
    step_url = reverse("offboarding:step_save", args=[later.pk, "apology"])
    assert re.search(
        rf'href="{step_url}#step-apology">Apologise<span class="visually-hidden"> for Later Ltd</span>', text
    )
    opened = am_client.get(step_url).content.decode()
    assert f'action="{step_url}#step-apology"' in opened


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_a_late_handover_item_makes_a_case_overdue(am_client: BrowserClient, account_manager: User) -> None:
    _open_case(account_manager, "Plain Ltd", date(2026, 11, 10), date(2026, 12, 10))
    late = _open_case(account_manager, "Late Item Ltd", date(2026, 11, 10), date(2026, 12, 30))
    late.handover_items.create(title="Send the contract copy", due_on=date(2026, 11, 18))
    text = am_client.get("/").content.decode()
    assert "handover overdue" in text
    assert text.index("Late Item Ltd") < text.index("Plain Ltd")


def test_closed_cases_leave_my_work(am_client: BrowserClient, own_case: DepartureCase, account_manager: User) -> None:
    case_mark_saved(case=own_case, actor=account_manager)
    text = am_client.get("/").content.decode()
    assert "Alder Foods" not in text
    assert "No open departure cases" in text


def test_a_manager_sees_everyones_cases_and_can_filter_by_account_manager(
    manager_client: BrowserClient, own_case: DepartureCase, others_case: DepartureCase, other_account_manager: User
) -> None:
    text = manager_client.get("/").content.decode()
    assert "Alder Foods" in text
    assert "Juniper Legal" in text
    assert "Jonas Berg" in text
    filtered = manager_client.get("/", {"account_manager": other_account_manager.pk}).content.decode()
    assert "Juniper Legal" in filtered
    assert "Alder Foods" not in filtered


def test_an_account_manager_gets_no_filter_and_cannot_use_one(
    am_client: BrowserClient, own_case: DepartureCase, others_case: DepartureCase, other_account_manager: User
) -> None:
    text = am_client.get("/", {"account_manager": other_account_manager.pk}).content.decode()
    assert "Alder Foods" in text
    assert "Juniper Legal" not in text
    assert 'name="account_manager"' not in text


def _query_count(browser: BrowserClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/").status_code == 200
    return len(queries)


def _add_cases(owner: User, count: int) -> None:
    for _ in range(count):
        client: Client = ClientFactory.create(account_manager=owner)
        DepartureCaseFactory.create(client=client)


@pytest.mark.parametrize("role", ["account manager", "manager"])
def test_my_work_query_count_does_not_grow_with_cases(
    am_client: BrowserClient, manager_client: BrowserClient, account_manager: User, role: str
) -> None:
    browser = am_client if role == "account manager" else manager_client
    _add_cases(account_manager, 3)
    few = _query_count(browser)
    _add_cases(account_manager, 27)
    many = _query_count(browser)
    assert few == many
    assert "Client Company" in browser.get("/").content.decode()


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_my_work_pages_long_lists_keeping_overdue_cases_on_the_first_page(
    am_client: BrowserClient, account_manager: User
) -> None:
    for number in range(ROWS_PER_PAGE + 4):
        _open_case(account_manager, f"Client {number:03} Ltd", date(2026, 11, 1), date(2027, 1, 1 + number % 28))
    _open_case(account_manager, "Overdue Ltd", date(2026, 10, 1), date(2026, 11, 15))

    first = am_client.get("/").content.decode()
    assert f"{ROWS_PER_PAGE + 5} open cases, page 1 of 2" in first
    assert first.index("Overdue Ltd") < first.index("Client 000 Ltd")
    assert first.count("<tr") == ROWS_PER_PAGE + 1  # header row plus one page of cases

    second = am_client.get("/?page=2").content.decode()
    assert "page 2 of 2" in second
    assert second.count("<tr") == 5 + 1
    assert "Overdue Ltd" not in second
    every_case = {case.get_absolute_url() for case in DepartureCase.objects.all()}
    shown = [set(re.findall(r'href="(/cases/\d+/)"', text)) for text in (first, second)]
    assert shown[0] | shown[1] == every_case
    assert not shown[0] & shown[1]
