"""The client page: profile, cases, timeline, "Client is leaving" and "Client came back"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from offboarding.forms.improvements import ClientReturnForm
from offboarding.models import DepartureCase
from offboarding.services.cases import case_mark_departed, case_mark_saved, step_complete, step_skip
from offboarding.services.returns import return_cause_offer
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart, step_values

pytestmark = pytest.mark.django_db


def _departed(case: DepartureCase) -> DepartureCase:
    return case_mark_departed(case=ready_to_depart(case), actor=case.client.account_manager)


@pytest.fixture
def left_in_spring(own_client: Client) -> DepartureCase:
    """A case of amelia's client that closed as departed months ago."""
    today = timezone.localdate()
    case = DepartureCaseFactory.create(
        client=own_client,
        notice_received_on=today - timedelta(days=200),
        planned_leave_date=today - timedelta(days=170),
    )
    return _departed(case)


def test_the_client_page_shows_profile_contract_cases_and_timeline(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    text = am_client.get(own_case.client.get_absolute_url()).content.decode()
    assert "Alder Foods" in text
    assert own_case.client.contact_email in text
    assert "1,500.00 EUR" in text
    assert reverse("clients:edit", args=[own_case.client.pk]) in text
    assert "31 Dec 2026" in text
    assert own_case.get_absolute_url() in text
    assert "Departure logged" in text
    assert "Client is leaving" not in text


def test_the_client_page_counts_the_closed_steps_of_each_case(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    step_skip(case=own_case, step="apology", actor=account_manager, reason="They asked us not to.")
    row = re.search(
        r"<tr>.*?</tr>", am_client.get(own_case.client.get_absolute_url()).content.decode().split("<tbody>")[1], re.S
    )
    assert row is not None
    assert "2 of 6" in row.group(0)


def test_the_client_page_shows_the_clients_status_once(am_client: BrowserClient, own_client: Client) -> None:
    text = am_client.get(own_client.get_absolute_url()).content.decode()
    assert text.count(">Active</span>") == 1


def test_each_case_on_the_client_page_shows_its_status_as_a_coloured_badge(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    case_mark_saved(case=own_case, actor=account_manager)
    DepartureCaseFactory.create(client=own_case.client)  # they gave notice again
    rows = am_client.get(own_case.client.get_absolute_url()).content.decode().split("<tbody>")[1]
    assert sorted(re.findall(r'<span class="badge (text-bg-\w+)">([^<]+)</span>', rows)) == [
        ("text-bg-success", "Saved"),
        ("text-bg-warning", "Open"),
    ]


def test_a_client_without_a_case_offers_client_is_leaving(am_client: BrowserClient, own_client: Client) -> None:
    text = am_client.get(own_client.get_absolute_url()).content.decode()
    assert reverse("offboarding:case_open", args=[own_client.pk]) in text
    assert "Client came back" not in text


def test_another_account_managers_client_is_a_404(
    am_client: BrowserClient, others_case: DepartureCase, other_account_manager: User
) -> None:
    client = others_case.client
    assert am_client.get(client.get_absolute_url()).status_code == 404
    _departed(others_case)
    url = reverse("offboarding:client_returned", args=[client.pk])
    assert am_client.post(url, {"returned_on": timezone.localdate().isoformat()}).status_code == 404
    client.refresh_from_db()
    assert client.status == Client.Status.DEPARTED


def test_a_manager_sees_any_client(manager_client: BrowserClient, others_case: DepartureCase) -> None:
    response = manager_client.get(others_case.client.get_absolute_url())
    assert response.status_code == 200
    assert "Juniper Legal" in response.content.decode()


def test_a_departed_client_comes_back(am_client: BrowserClient, left_in_spring: DepartureCase) -> None:
    case = left_in_spring
    page = am_client.get(case.client.get_absolute_url()).content.decode()
    assert "Client came back" in page
    assert "Client is leaving" not in page
    returned_on = case.planned_leave_date + timedelta(days=90)
    response = am_client.post(
        reverse("offboarding:client_returned", args=[case.client.pk]),
        {"returned_on": returned_on.isoformat()},
        follow=True,
    )
    text = response.content.decode()
    assert "marked as returned" in text
    assert "Won back" in text
    case.refresh_from_db()
    assert case.status == DepartureCase.Status.WON_BACK
    assert case.won_back_on == returned_on


def test_coming_back_in_the_future_is_refused(am_client: BrowserClient, left_in_spring: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:client_returned", args=[left_in_spring.client.pk]),
        {"returned_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    left_in_spring.refresh_from_db()
    assert left_in_spring.status == DepartureCase.Status.DEPARTED


def test_coming_back_before_leaving_is_refused(am_client: BrowserClient, left_in_spring: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:client_returned", args=[left_in_spring.client.pk]),
        {"returned_on": (left_in_spring.planned_leave_date - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert "cannot be before they left" in response.content.decode()


def test_a_client_who_is_not_departed_cannot_come_back(am_client: BrowserClient, own_case: DepartureCase) -> None:
    response = am_client.post(
        reverse("offboarding:client_returned", args=[own_case.client.pk]),
        {"returned_on": timezone.localdate().isoformat()},
    )
    assert "Only a departed client can come back" in am_client.get(response["Location"]).content.decode()
    own_case.client.refresh_from_db()
    assert own_case.client.status == Client.Status.DEPARTING


def test_a_departed_clients_page_says_why_no_new_case_can_be_opened(
    am_client: BrowserClient, left_in_spring: DepartureCase
) -> None:
    text = am_client.get(left_in_spring.client.get_absolute_url()).content.decode()
    assert reverse("offboarding:case_open", args=[left_in_spring.client.pk]) not in text
    assert "This client has left. If they came back, record that first" in text


def test_a_departed_client_without_a_departure_case_is_told_there_is_nothing_to_win_back(
    am_client: BrowserClient, own_client: Client
) -> None:
    Client.objects.filter(pk=own_client.pk).update(status=Client.Status.DEPARTED)  # as an old import left them
    response = am_client.post(
        reverse("offboarding:client_returned", args=[own_client.pk]),
        {"returned_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "no departure case to win back" in response.content.decode()
    own_client.refresh_from_db()
    assert own_client.status == Client.Status.DEPARTED


def test_a_saved_client_can_leave_again(am_client: BrowserClient, own_case: DepartureCase) -> None:
    case_mark_saved(case=own_case, actor=own_case.client.account_manager)
    text = am_client.get(own_case.client.get_absolute_url()).content.decode()
    assert "Client is leaving" in text
    assert "Saved" in text


def _query_count(browser: BrowserClient, client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(client.get_absolute_url()).status_code == 200
    return len(queries)


def _add_saved_cases(client: Client, count: int) -> None:
    for _ in range(count):
        case_mark_saved(case=DepartureCaseFactory.create(client=client), actor=client.account_manager)


def test_the_client_page_query_count_does_not_grow_with_cases_and_events(
    am_client: BrowserClient, own_client: Client
) -> None:
    _add_saved_cases(own_client, 3)
    few = _query_count(am_client, own_client)
    _add_saved_cases(own_client, 27)
    many = _query_count(am_client, own_client)
    assert few == many


def test_a_return_in_the_future_is_the_services_refusal_shown_next_to_the_date(
    am_client: BrowserClient, left_in_spring: DepartureCase
) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert ClientReturnForm({"returned_on": tomorrow}, offer=return_cause_offer(left_in_spring.client)).is_valid()
    response = am_client.post(
        reverse("offboarding:client_returned", args=[left_in_spring.client.pk]), {"returned_on": tomorrow}
    )
    field_error = re.search(r'id="id_returned_on_error".*?</div>', response.content.decode(), re.S)
    assert field_error is not None
    assert "The date they came back cannot be in the future." in field_error.group()


def test_a_departed_client_without_a_departure_case_is_not_offered_client_came_back(
    am_client: BrowserClient, own_client: Client
) -> None:
    Client.objects.filter(pk=own_client.pk).update(status=Client.Status.DEPARTED)  # as an old import left them
    text = am_client.get(own_client.get_absolute_url()).content.decode()
    assert reverse("offboarding:client_returned", args=[own_client.pk]) not in text
    assert reverse("offboarding:case_open", args=[own_client.pk]) in text
