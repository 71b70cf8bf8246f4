"""Slack and Microsoft Teams channels hear of big new departures and failed follow-ups, in their own formats."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from clients.tests.factories import ClientFactory
from offboarding.models import WebhookDelivery
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.webhooks.delivery import webhook_deliveries_dispatch_batch
from offboarding.outbox.webhooks.services import webhook_endpoint_create
from offboarding.tests.factories import DepartureCaseFactory, FollowUpFactory
from offboarding.tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db


def _chat(manager: User, kind: str, url: str, threshold: str | None = "1000") -> None:
    webhook_endpoint_create(
        created_by=manager,
        kind=kind,
        url=url,
        events=["case.opened", "follow_up.failed"],
        value_threshold=Decimal(threshold) if threshold else None,
        now=timezone.now(),
    )


def _slack_text(body: bytes) -> str:
    """What Slack's incoming webhook takes: a text, and optionally blocks of mrkdwn sections."""
    message: dict[str, Any] = json.loads(body)
    assert set(message) <= {"text", "blocks"}
    assert isinstance(message["text"], str)
    for block in message["blocks"]:
        assert block["type"] == "section"
        assert block["text"]["type"] == "mrkdwn"
    return message["text"]


def _teams_text(body: bytes) -> str:
    """What a Teams workflow webhook takes: a message with one Adaptive Card attachment."""
    message: dict[str, Any] = json.loads(body)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert all(block["type"] == "TextBlock" for block in card["body"])
    assert [action["type"] for action in card.get("actions", [])] == ["Action.OpenUrl"]
    return " ".join(block["text"] for block in card["body"]) + " " + card["actions"][0]["url"]


def test_slack_hears_of_a_departure_above_the_threshold_and_not_of_a_small_one(
    manager: User, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        _chat(manager, "slack", receiver.url)
        big = DepartureCaseFactory.create(
            client__account_manager=account_manager, client__company_name="Alder Logistics", client__monthly_value=4800
        )
        DepartureCaseFactory.create(client__account_manager=account_manager, client__monthly_value=300)
        webhook_deliveries_dispatch_batch()

    [request] = receiver.received
    text = _slack_text(request.body)
    assert text.startswith("Alder Logistics is leaving: 4,800.00 EUR a month")
    assert "Amelia Hart" in text
    assert f"<http://testserver/cases/{big.pk}/|Open>" in text
    assert WebhookDelivery.objects.count() == 1


def test_teams_hears_of_a_new_departure_as_an_adaptive_card(manager: User, account_manager: User) -> None:
    with webhook_receiver() as receiver:
        _chat(manager, "teams", receiver.url, threshold=None)
        case = DepartureCaseFactory.create(
            client__account_manager=account_manager, client__company_name="Birch Legal", client__monthly_value=50
        )
        webhook_deliveries_dispatch_batch()

    [request] = receiver.received
    text = _teams_text(request.body)
    assert "Birch Legal is leaving: 50.00 EUR a month" in text
    assert text.endswith(f"http://testserver/cases/{case.pk}/")


def test_a_departure_in_another_currency_is_never_left_out_for_want_of_a_rate(
    manager: User, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        _chat(manager, "slack", receiver.url)
        client = ClientFactory.create(account_manager=account_manager, monthly_value=200, currency="GBP")
        DepartureCaseFactory.create(client=client)
        webhook_deliveries_dispatch_batch()

    assert "200.00 GBP a month" in _slack_text(receiver.received[0].body)


def test_both_channels_hear_of_a_failed_follow_up(manager: User, account_manager: User) -> None:
    monday_morning = time_machine.travel("2026-12-07 10:00 +00:00", tick=False)  # in business hours
    with webhook_receiver() as slack, webhook_receiver() as teams, monday_morning:
        _chat(manager, "slack", slack.url)
        _chat(manager, "teams", teams.url)
        client = ClientFactory.create(account_manager=account_manager, company_name="Cedar Works")
        FollowUpFactory.create(client=client, kind="survey", recipient_email="zoë@cedar.example")
        follow_ups_dispatch_batch()
        webhook_deliveries_dispatch_batch()

    assert _slack_text(slack.received[0].body).startswith(
        "Survey invitation to Cedar Works failed after 1 attempt: PermanentFailure: Mail servers"
    )
    assert "Survey invitation to Cedar Works failed" in _teams_text(teams.received[0].body)
