"""Every writer of a client's monthly value leaves a dated entry in its history, through one service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientValueChange
from clients.services import client_create, client_update
from clients.tests.api_helpers import ApiCaller
from clients.tests.factories import ClientFactory
from clients.tests.helpers import client_row, csv_upload
from offboarding.services.cases import case_mark_departed, case_open, client_mark_returned
from offboarding.tests.factories import ready_to_depart

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


def _history(client: Client) -> list[tuple[date, Decimal, str, str]]:
    changes = ClientValueChange.objects.filter(client=client).order_by("effective_on", "recorded_at", "id")
    return [(change.effective_on, change.monthly_value, change.currency, change.source) for change in changes]


def _new_client(account_manager: User) -> Client:
    details: dict[str, Any] = {
        "company_name": "Alder Logistics",
        "contact_name": "Sofia Nowak",
        "contact_email": "sofia@alder.example",
        "monthly_value": Decimal("2400.00"),
        "currency": "USD",
    }
    return client_create(created_by=account_manager, **details)


def test_a_new_client_and_an_edit_of_its_value_are_recorded(account_manager: User) -> None:
    client = _new_client(account_manager)
    client_update(client=client, updated_by=account_manager, notes="Only a note: the value did not change")
    client_update(client=client, updated_by=account_manager, monthly_value=Decimal("2000.00"))

    assert _history(client) == [
        (TODAY, Decimal("2400.00"), "USD", "created"),
        (TODAY, Decimal("2000.00"), "USD", "edit"),
    ]


def test_the_client_form_records_the_new_value(account_manager: User, am_client: BrowserClient) -> None:
    client = _new_client(account_manager)
    form = am_client.get(reverse("clients:edit", args=[client.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    response = am_client.post(reverse("clients:edit", args=[client.pk]), {**data, "monthly_value": "1800.00"})

    assert response.status_code == 302
    assert _history(client)[-1] == (TODAY, Decimal("1800.00"), "USD", "edit")
    page = am_client.get(client.get_absolute_url()).content.decode()
    assert "Monthly value history" in page
    assert "1,800.00 USD" in page


def test_an_import_records_each_new_clients_value(manager_client: BrowserClient, account_manager: User) -> None:
    rows = [client_row("sofia@alder.example", monthly_value="900.00"), client_row("liam@bramley.example")]
    manager_client.post(reverse("clients:import"), {"file": csv_upload(rows)})

    alder = Client.objects.get(contact_email="sofia@alder.example")
    assert _history(alder) == [(TODAY, Decimal("900.00"), "EUR", "import")]
    assert ClientValueChange.objects.filter(source="import").count() == 2


def test_the_api_records_a_new_value(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, monthly_value=Decimal(1000))
    response = ApiCaller(account_manager).patch(f"/api/v1/clients/{client.pk}/", {"monthly_value": "1250.00"})

    assert response.status_code == 200, response.content
    assert _history(client) == [(TODAY, Decimal("1250.00"), "EUR", "api")]


def test_a_departure_records_zero_and_a_return_the_value_they_came_back_with(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, monthly_value=Decimal(1000))
    case = case_open(
        client=client, opened_by=account_manager, notice_received_on=date(2026, 5, 1),
        planned_leave_date=date(2026, 5, 31), how_heard="email",
    )  # fmt: skip
    case_mark_departed(case=ready_to_depart(case), actor=account_manager)
    client_mark_returned(client=client, actor=account_manager, returned_on=date(2026, 6, 10))

    assert _history(client) == [
        (date(2026, 5, 31), Decimal(0), "EUR", "departure"),
        (date(2026, 6, 10), Decimal("1000.00"), "EUR", "return"),
    ]
