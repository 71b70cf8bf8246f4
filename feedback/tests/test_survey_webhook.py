"""survey.answered: a named answer is announced with its scores; an anonymous one sends nothing at all."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import timezone

from feedback.tests.factories import survey_invitation
from feedback.tests.test_survey import answers, survey_url
from offboarding.models import WebhookEvent
from offboarding.outbox.webhooks.services import webhook_endpoint_create
from offboarding.tests.factories import DepartureCaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(manager: User) -> None:
    webhook_endpoint_create(
        created_by=manager,
        kind="standard",
        url="http://127.0.0.1:9/hook",
        events=["survey.answered"],
        now=timezone.now(),
    )


def test_a_named_answer_is_announced_with_its_scores(
    client: BrowserClient, account_manager: User, subscribed: None
) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager, client__company_name="Alder Ltd")

    client.post(survey_url(survey_invitation(case)), answers())

    event = WebhookEvent.objects.get()
    assert event.type == "survey.answered"
    assert event.client == case.client
    assert event.payload["answer"]["satisfaction"] == 4
    assert event.payload["answer"]["could_do_better"] == "Answer the phone faster."
    assert event.payload["answer"]["reasons"] == ["price-cheaper-elsewhere"]
    assert event.payload["case"]["id"] == case.pk
    assert event.payload["client"]["company_name"] == "Alder Ltd"


def test_an_anonymous_answer_sends_no_event_that_could_point_to_who_gave_it(
    client: BrowserClient, account_manager: User, subscribed: None
) -> None:
    case = DepartureCaseFactory.create(client__account_manager=account_manager)

    response = client.post(survey_url(survey_invitation(case)), answers(anonymous="on"))

    assert response.status_code == 302
    assert not WebhookEvent.objects.exists()
