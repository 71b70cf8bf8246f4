"""The "we changed it" note: once an improvement is done, a manager tells the former clients who asked for it.

It reaches only those who agreed to keep in touch and have not unsubscribed, once each, in business
hours, through a real SMTP server on loopback.
"""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import UTC, date, datetime
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp, Improvement, ImprovementNote
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.services import suppression_add
from offboarding.services import improvements as services
from offboarding.services.consent import client_keep_in_touch_update
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory, improvement_for
from offboarding.tests.outbox_fixtures import SmtpSink, always_open, departed_case, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db
LEFT_ON = date(2026, 1, 30)


@pytest.fixture
def real_smtp(smtp_sink: SmtpSink, settings: Any) -> SmtpSink:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    return smtp_sink


def former_client_case(account_manager: User, name: str, *, consent: bool | None) -> DepartureCase:
    client = ClientFactory.create(
        company_name=name, contact_email=f"{name.lower()}@example.com", account_manager=account_manager
    )
    case = departed_case(client=client, leave_date=LEFT_ON, consent=consent)
    Client.objects.filter(pk=client.pk).update(status=Client.Status.DEPARTED)
    return DepartureCase.objects.select_related("client").get(pk=case.pk)


def done_improvement(cases: list[DepartureCase], owner: User) -> Improvement:
    improvement = improvement_for(
        cases[0],
        owner,
        title="Replies within one working day",
        what_changes="Every email now has an answer within one working day, and we check it each week.",
    )
    for case in cases[1:]:
        services.improvement_attach_case(improvement=improvement, case=case, actor=owner)
    return services.improvement_set_status(improvement=improvement, status="done", actor=owner)


def subject_of(message: Message) -> str:
    # Unfolded: a long subject reaches the server on two lines.
    return str(make_header(decode_header(str(message["Subject"]).replace("\r\n", ""))))


def text_of(message: Message) -> str:
    [text] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return bytes(text.get_payload(decode=True)).decode().replace("\r\n", "\n")


@pytest.mark.usefixtures("always_open")
def test_the_note_reaches_only_consenting_unsuppressed_former_clients_and_only_once(
    account_manager: User, manager: User, manager_client: BrowserClient, real_smtp: SmtpSink
) -> None:
    agreed = former_client_case(account_manager, "Agreed", consent=True)
    declined = former_client_case(account_manager, "Declined", consent=False)
    never_asked = former_client_case(account_manager, "Unasked", consent=None)
    unsubscribed = former_client_case(account_manager, "Unsubscribed", consent=True)
    suppression_add(email=unsubscribed.client.contact_email, reason="unsubscribed")
    came_back = former_client_case(account_manager, "Returned", consent=True)
    Client.objects.filter(pk=came_back.client_id).update(status=Client.Status.RETURNED)
    still_leaving = DepartureCaseFactory.create(client__account_manager=account_manager)
    Client.objects.filter(pk=still_leaving.client_id).update(keep_in_touch="yes")
    improvement = done_improvement([agreed, declined, never_asked, unsubscribed, came_back, still_leaving], manager)

    page = manager_client.get(improvement.get_absolute_url()).content.decode()
    assert "It would reach 1 former client now." in page
    response = manager_client.post(reverse("improvements:notes_send", args=[improvement.pk]), follow=True)
    assert "on its way to 1 former client(s)" in response.content.decode()
    assert follow_ups_dispatch_batch().outcomes == {FollowUp.Status.SENT: 1}

    [message] = real_smtp.messages
    assert message["To"] == "agreed@example.com"
    assert subject_of(message) == "You told us, and we changed it: Replies within one working day"
    text = text_of(message)
    assert "Replies within one working day\nEvery email now has an answer within one working day" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] == account_manager.email

    again = manager_client.post(reverse("improvements:notes_send", args=[improvement.pk]), follow=True)
    assert "No one is left to tell" in again.content.decode()
    follow_ups_dispatch_batch()
    assert len(real_smtp.messages) == 1
    assert ImprovementNote.objects.filter(improvement=improvement).count() == 1


def test_the_database_keeps_a_note_to_one_client_about_one_improvement_at_most_once(
    account_manager: User, manager: User
) -> None:
    case = former_client_case(account_manager, "Agreed", consent=True)
    improvement = done_improvement([case], manager)
    assert services.improvement_notes_send(improvement=improvement, actor=manager) == 1
    second = FollowUp.objects.create(
        key="written-past-the-service",
        kind=FollowUp.Kind.WE_CHANGED_IT,
        client=case.client,
        recipient_email=case.client.contact_email,
        due_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImprovementNote.objects.create(improvement=improvement, client=case.client, follow_up=second)


def test_the_note_waits_for_the_client_s_business_hours(
    account_manager: User, manager: User, real_smtp: SmtpSink, settings: Any
) -> None:
    settings.FOLLOW_UP_BUSINESS_HOURS, settings.FOLLOW_UP_BUSINESS_WEEKDAYS = (9, 17), (1, 5)
    case = former_client_case(account_manager, "Agreed", consent=True)
    improvement = done_improvement([case], manager)
    saturday_night = datetime(2026, 3, 7, 22, 0, tzinfo=UTC)
    with time_machine.travel(saturday_night, tick=False):
        services.improvement_notes_send(improvement=improvement, actor=manager)
        assert follow_ups_dispatch_batch().claimed == 0
    note = FollowUp.objects.get(kind=FollowUp.Kind.WE_CHANGED_IT)
    local = timezone.localtime(note.due_at, case.client.local_zone)
    assert (local.isoweekday(), local.hour) == (1, 9), "Monday morning, the client's time"
    assert real_smtp.messages == []


def test_a_client_who_withdraws_consent_before_it_leaves_does_not_get_the_note(
    account_manager: User, manager: User
) -> None:
    case = former_client_case(account_manager, "Agreed", consent=True)
    improvement = done_improvement([case], manager)
    services.improvement_notes_send(improvement=improvement, actor=manager)
    client_keep_in_touch_update(client=case.client, answer="no", actor=account_manager, now=timezone.now())
    note = FollowUp.objects.get(kind=FollowUp.Kind.WE_CHANGED_IT)
    assert note.status == FollowUp.Status.CANCELLED


def test_only_a_manager_sends_the_note_and_only_once_the_improvement_is_done(
    account_manager: User, manager: User, am_client: BrowserClient
) -> None:
    case = former_client_case(account_manager, "Agreed", consent=True)
    improvement = done_improvement([case], account_manager)
    assert am_client.post(reverse("improvements:notes_send", args=[improvement.pk])).status_code == 403
    services.improvement_set_status(improvement=improvement, status="in_progress", actor=account_manager)
    with pytest.raises(ValidationError, match="Mark the improvement as done"):
        services.improvement_notes_send(improvement=improvement, actor=manager)
    assert not FollowUp.objects.filter(kind=FollowUp.Kind.WE_CHANGED_IT).exists()


def test_managers_word_the_note_like_every_message_with_its_own_placeholders(
    manager_client: BrowserClient, account_manager: User
) -> None:
    former_client_case(account_manager, "Agreed", consent=True)
    listing = manager_client.get(reverse("outbox:messages")).content.decode()
    assert "“We changed it” note" in listing

    page = manager_client.get(reverse("outbox:message_edit", args=["we_changed_it", "fr"])).content.decode()

    assert "{improvement}" in page
    assert "{what_changed}" in page
    # The shipped French wording, its placeholders filled with what they stand for in the preview.
    assert "Vous nous l&#x27;avez dit, et nous l&#x27;avons changé : [" in page
