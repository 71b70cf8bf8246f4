# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client as BrowserClient

from clients.models import Client
from offboarding.models import CaseEvent, FollowUp, Suppression
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.emails import unsubscribe_token
from offboarding.outbox.services import address_hash
from offboarding.tests.outbox_fixtures import former_client, planned_case  # noqa: F401

LONDON = ZoneInfo("Europe/London")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)


def unsubscribe_path(client: Client) -> str:
    return f"/outbox/unsubscribe/{unsubscribe_token(client_id=client.pk, email=client.contact_email)}/"


@pytest.mark.django_db
def test_the_link_shows_a_confirmation_and_unsubscribes_nothing_by_itself(former_client: Client) -> None:
    response = BrowserClient().get(unsubscribe_path(former_client))
    assert response.status_code == 200
    assert b"rosa@birch.example" in response.content
    assert b"Unsubscribe" in response.content
    assert not Suppression.objects.exists()


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_one_click_post_without_cookies_unsubscribes_at_once(former_client: Client) -> None:
    planned = planned_case(former_client, date(2026, 3, 11), MONDAY_10, consent=True)
    browser = BrowserClient(enforce_csrf_checks=True)
    response = browser.post(unsubscribe_path(former_client), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert Suppression.objects.filter(address_hash=address_hash("rosa@birch.example")).exists()
    statuses = {row.kind: FollowUp.objects.get(pk=row.pk).status for row in planned}
    assert statuses[FollowUp.Kind.THANK_YOU] == FollowUp.Status.CANCELLED
    assert statuses[FollowUp.Kind.CHECK_IN] == FollowUp.Status.CANCELLED
    assert statuses[FollowUp.Kind.STAFF_REMINDER] == FollowUp.Status.SCHEDULED
    event = CaseEvent.objects.get(client=former_client, verb="client_unsubscribed")
    assert "Unsubscribed" in event.summary
    former_client.refresh_from_db()
    assert (former_client.keep_in_touch, former_client.keep_in_touch_changed_by) == ("no", "unsubscribe")


@pytest.mark.django_db
@time_machine.travel(MONDAY_10, tick=False)
def test_an_unsubscribed_client_gets_nothing_more(former_client: Client) -> None:
    planned_case(former_client, date(2026, 2, 20), MONDAY_10, consent=True)
    BrowserClient().post(unsubscribe_path(former_client))
    follow_ups_dispatch_batch(limit=100)
    assert mail.outbox == []


@pytest.mark.django_db
def test_unsubscribing_twice_records_it_once(former_client: Client) -> None:
    browser = BrowserClient()
    browser.post(unsubscribe_path(former_client))
    browser.post(unsubscribe_path(former_client))
    assert CaseEvent.objects.filter(verb="client_unsubscribed").count() == 1
    assert Suppression.objects.count() == 1


@pytest.mark.django_db
def test_a_tampered_link_changes_nothing(former_client: Client) -> None:
    response = BrowserClient().post(unsubscribe_path(former_client)[:-6] + "xxxxx/")
    assert response.status_code == 404
    assert b"did not recognise" in response.content
    assert not Suppression.objects.exists()
