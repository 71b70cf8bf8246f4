"""What brought a client back: offered from what they received last, recorded with "Client came back"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from offboarding.models import CaseReturn, DepartureCase, FollowUp
from offboarding.services.returns import return_cause_offer
from offboarding.tests.factories import ClientFactory, FollowUpFactory
from offboarding.tests.outbox_fixtures import departed_case

pytestmark = pytest.mark.django_db
LEFT_ON = date(2026, 1, 30)


@pytest.fixture
def left_client(account_manager: User) -> Client:
    client = ClientFactory.create(company_name="Birch & Co", account_manager=account_manager)
    departed_case(client=client, leave_date=LEFT_ON, consent=True)
    Client.objects.filter(pk=client.pk).update(status=Client.Status.DEPARTED)
    return Client.objects.get(pk=client.pk)


def sent(client: Client, kind: str, at: datetime, status: str = FollowUp.Status.SENT) -> FollowUp:
    return FollowUpFactory.create(client=client, kind=kind, status=status, sent_at=at, due_at=at)


def at(day: int) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, 10))


def test_with_nothing_received_the_choice_is_a_referral_or_their_own_initiative(left_client: Client) -> None:
    offer = return_cause_offer(left_client)
    assert [cause for cause, _label in offer.choices] == ["referral", "own_initiative"]
    assert offer.default == "own_initiative"


def test_the_choices_follow_what_they_received_latest_first_and_the_latest_is_the_default(left_client: Client) -> None:
    sent(left_client, FollowUp.Kind.CHECK_IN, at(2))
    latest_check_in = sent(left_client, FollowUp.Kind.CHECK_IN, at(5))
    note = sent(left_client, FollowUp.Kind.WE_CHANGED_IT, at(9))
    sent(left_client, FollowUp.Kind.WIN_BACK, at(12), status=FollowUp.Status.SCHEDULED)  # not received
    sent(left_client, FollowUp.Kind.THANK_YOU, at(14))  # not a reason to come back
    sent(left_client, FollowUp.Kind.WIN_BACK, timezone.make_aware(datetime(2025, 6, 1, 10)))  # before they left

    offer = return_cause_offer(left_client)

    assert offer.choices == [
        ("we_changed_it", "A “we changed it” note"),
        ("check_in", "A keep-in-touch check-in"),
        ("referral", "A referral"),
        ("own_initiative", "Their own initiative"),
    ]
    assert offer.default == "we_changed_it"
    assert offer.credited == {"we_changed_it": note.pk, "check_in": latest_check_in.pk}


def test_client_came_back_records_the_cause_and_credits_the_message(
    am_client: BrowserClient, left_client: Client
) -> None:
    note = sent(left_client, FollowUp.Kind.WE_CHANGED_IT, at(9))
    page = am_client.get(reverse("client_detail", args=[left_client.pk])).content.decode()
    assert '<option value="we_changed_it" selected>A “we changed it” note</option>' in page

    response = am_client.post(
        reverse("offboarding:client_returned", args=[left_client.pk]),
        {"returned_on": timezone.localdate().isoformat(), "cause": "we_changed_it"},
    )

    assert response.status_code == 302
    recorded = CaseReturn.objects.get()
    assert (recorded.cause, recorded.credited_follow_up) == ("we_changed_it", note)
    assert recorded.case.status == DepartureCase.Status.WON_BACK
    event = recorded.case.events.get(verb="client_returned")
    assert event.summary.endswith("brought back by: A “we changed it” note")


def test_a_cause_they_never_received_is_refused_and_nothing_changes(
    am_client: BrowserClient, left_client: Client
) -> None:
    response = am_client.post(
        reverse("offboarding:client_returned", args=[left_client.pk]),
        {"returned_on": timezone.localdate().isoformat(), "cause": "win_back"},
    )
    assert response.status_code == 400
    assert not CaseReturn.objects.exists()
    assert Client.objects.get(pk=left_client.pk).status == Client.Status.DEPARTED


def test_a_return_without_a_cause_takes_the_offered_default(
    am_client: BrowserClient, left_client: Client, settings: Any
) -> None:
    sent(left_client, FollowUp.Kind.CHECK_IN, at(3))
    am_client.post(
        reverse("offboarding:client_returned", args=[left_client.pk]),
        {"returned_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
    )
    assert CaseReturn.objects.get().cause == "check_in"
