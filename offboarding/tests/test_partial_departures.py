"""A partial departure: the client drops a service line or cuts scope, and stays a client with the rest.

Alder Foods pays 1,500.00 EUR a month (the client factory's value); payroll, 500.00 EUR of it, leaves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client, ClientValueChange
from clients.tests.api_helpers import ApiCaller
from offboarding.models import DepartureCase, FollowUp
from offboarding.outbox.webhooks.events import case_payload
from offboarding.services.cases import case_mark_departed, case_open, client_return_refusal, step_complete
from offboarding.tests.factories import step_values

pytestmark = pytest.mark.django_db

NOTICE = {"notice_received_on": "2026-05-04", "planned_leave_date": "2026-05-31", "how_heard": "call"}


def _open_partial(am_client: BrowserClient, client: Client, **typed: str) -> Any:
    data = {**NOTICE, "scope": "partial", "part_leaving": "Payroll", "value_leaving": "500.00", **typed}
    return am_client.post(reverse("offboarding:case_open", args=[client.pk]), data, follow=True)


def test_a_partial_departure_is_recorded_with_what_leaves_and_what_stays(
    am_client: BrowserClient, own_client: Client
) -> None:
    response = _open_partial(am_client, own_client)

    case = DepartureCase.objects.get(client=own_client)
    assert (case.scope, case.value_leaving, case.value_staying) == ("partial", Decimal("500.00"), Decimal("1000.00"))
    assert "Partial departure: Payroll, 500.00 EUR a month leaves, 1,000.00 EUR stays" in response.content.decode()
    own_client.refresh_from_db()
    assert own_client.status == Client.Status.ACTIVE  # they stay a client while the part is handed over


@pytest.mark.parametrize("value", ["1500.00", "0", ""])
def test_a_partial_departure_needs_a_value_leaving_below_the_clients(
    am_client: BrowserClient, own_client: Client, value: str
) -> None:
    response = _open_partial(am_client, own_client, value_leaving=value)

    assert "needs the monthly value that leaves" in response.content.decode()
    assert not DepartureCase.objects.exists()


def _walk_partial_steps(case: DepartureCase) -> DepartureCase:
    actor = case.client.account_manager
    for step in ("probe", "transition", "thanks"):
        step_complete(case=case, step=step, actor=actor, values=step_values(step))
    return case


def test_completing_it_leaves_the_client_active_with_the_value_that_stays(
    am_client: BrowserClient, own_client: Client
) -> None:
    _open_partial(am_client, own_client)
    case = _walk_partial_steps(DepartureCase.objects.get(client=own_client))

    response = am_client.post(reverse("offboarding:case_depart", args=[case.pk]), follow=True)

    own_client.refresh_from_db()
    assert (own_client.status, own_client.monthly_value) == (Client.Status.ACTIVE, Decimal("1000.00"))
    change = ClientValueChange.objects.get(client=own_client)
    assert (change.effective_on, change.monthly_value, change.source) == (
        date(2026, 5, 31),
        Decimal("1000.00"),
        "partial_departure",
    )
    case.refresh_from_db()
    assert case.status == DepartureCase.Status.DEPARTED
    assert case.keep_in_touch.status == "skipped"
    assert "dropped part of the service and stays" in response.content.decode()
    # No thank-you, survey, check-in or win-back note for a client who has not gone.
    assert not FollowUp.objects.filter(client=own_client).exists()
    # A client who never left cannot "come back", and a new case can be opened for them.
    assert client_return_refusal(own_client) != ""
    page = am_client.get(own_client.get_absolute_url()).content.decode()
    assert "Partial departure: Payroll" in page
    assert "partial departure" in page  # the value history names what changed it


def test_a_full_departure_still_needs_the_keep_in_touch_step(own_client: Client) -> None:
    case = case_open(
        client=own_client, opened_by=own_client.account_manager, notice_received_on=date(2026, 5, 4),
        planned_leave_date=date(2026, 5, 31), how_heard="call",
    )  # fmt: skip
    _walk_partial_steps(case)

    with pytest.raises(ValidationError, match="Keep in touch"):
        case_mark_departed(case=case, actor=own_client.account_manager)


def test_the_api_opens_a_partial_departure_and_refuses_one_worth_the_whole_client(own_client: Client) -> None:
    api = ApiCaller(own_client.account_manager)
    body = {**NOTICE, "client": own_client.pk, "scope": "partial", "part_leaving": "Payroll"}

    refused = api.post("/api/v1/cases/", {**body, "value_leaving": "1500.00"})
    assert refused.status_code == 400
    assert "needs the monthly value that leaves" in refused.content.decode()
    assert not DepartureCase.objects.exists()

    opened = api.post("/api/v1/cases/", {**body, "value_leaving": "500.00"})
    assert opened.status_code == 201, opened.content
    assert (opened.json()["scope"], opened.json()["value_leaving"]) == ("partial", "500.00")


def test_a_webhook_receiver_can_tell_a_partial_departure_from_a_full_one(
    am_client: BrowserClient, own_client: Client
) -> None:
    _open_partial(am_client, own_client)

    case = case_payload(DepartureCase.objects.get(client=own_client))["case"]

    assert (case["scope"], case["value_leaving"], case["monthly_value"]) == ("partial", "500.00", "1500.00")


def test_completing_takes_the_part_off_the_clients_value_as_it_is_now(
    am_client: BrowserClient, own_client: Client
) -> None:
    _open_partial(am_client, own_client)
    case = _walk_partial_steps(DepartureCase.objects.get(client=own_client))
    Client.objects.filter(pk=own_client.pk).update(monthly_value=Decimal("1800.00"))  # a price rise since the notice

    case_mark_departed(case=case, actor=own_client.account_manager)

    own_client.refresh_from_db()
    assert own_client.monthly_value == Decimal("1300.00")


def test_a_value_now_below_the_part_leaving_refuses_the_completion_and_changes_nothing(
    am_client: BrowserClient, own_client: Client
) -> None:
    _open_partial(am_client, own_client)
    case = _walk_partial_steps(DepartureCase.objects.get(client=own_client))
    Client.objects.filter(pk=own_client.pk).update(monthly_value=Decimal("400.00"))

    response = am_client.post(reverse("offboarding:case_depart", args=[case.pk]), follow=True)

    assert "less than the part leaving" in response.content.decode()
    case.refresh_from_db()
    own_client.refresh_from_db()
    assert (case.status, own_client.monthly_value) == (DepartureCase.Status.OPEN, Decimal("400.00"))
    assert not ClientValueChange.objects.exists()
