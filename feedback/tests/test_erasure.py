# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.roles import MANAGERS
from clients.tests.factories import UserFactory
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.services import feedback_record
from feedback.services_erasure import client_erase
from offboarding.models import (
    CaseEvent,
    DepartureCase,
    FollowUp,
    HandoverItem,
    Improvement,
    ProbeStep,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.dispatch import SmtpSession, _deliver, follow_ups_claim, follow_ups_dispatch_batch
from offboarding.outbox.services import address_hash, follow_up_retry, is_suppressed
from offboarding.outbox.webhooks.models import EventType
from offboarding.services.cases import case_mark_departed, handover_item_add, step_complete, step_skip
from offboarding.services.improvements import improvement_notes_send, improvement_set_status
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory, improvement_for, step_values
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    CeleryProcesses,
    DisposableRedis,
    SinkHandler,
    SmtpSink,
    always_open,
    depart_through_case_services,
    digest_time,
    disposable_redis,
    planned_case,
    wait_for,
)

COMPANY = "Larkspur Haberdashery"
NAME = "Wren Quillfeather"
EMAIL = "wren.quill@larkspur-erase.example"
PHONE = "+44 7700 900461"
PHRASE = "zephyr marmalade"
PERSONAL = (COMPANY, NAME, EMAIL, PHONE, PHRASE)


def _erase_url(client: Client) -> str:
    return reverse("feedback:client_erase", args=[client.pk])


def _departed_client_with_everything(owner: User) -> Client:
    """A departed client whose data sits everywhere erasure must reach, entered through the real services."""
    # Every event about the client is kept for this endpoint, names and all, until it is delivered.
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", events=list(EventType.values))
    client = ClientFactory.create(
        company_name=COMPANY,
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
        notes=f"Prefers calls; {PHRASE} in every meeting.",
        account_manager=owner,
    )
    case = DepartureCaseFactory.create(client=client, first_notes=f"{NAME} rang about {PHRASE}.")
    texts = {
        "probe": {"client_words": f"{NAME}: {PHRASE}", "competitor": f"{PHRASE} Ltd", "worth_saving_why": PHRASE},
        "apology": {"what_we_said": PHRASE, "what_will_change": PHRASE},
        "offer": {"details": f"{PHRASE} discount"},
        "thanks": {"personal_note": f"Dear {NAME}, {PHRASE}."},
        "keep_in_touch": {},
    }
    for step, values in texts.items():
        step_complete(case=case, step=step, actor=owner, values={**step_values(step), **values})
    # A second save records the before/after of the client's words in the timeline.
    step_complete(case=case, step="probe", actor=owner, values={**step_values("probe"), **texts["probe"]})
    step_skip(case=case, step="transition", actor=owner, reason=f"{NAME} handles it: {PHRASE}")
    handover_item_add(case=case, actor=owner, title=f"Send {PHRASE} files to {EMAIL}", days_from_leave_date=0)
    case_mark_departed(case=case, actor=owner)
    feedback_record(
        case=case,
        recorded_by=owner,
        heard_on=timezone.localdate(),
        channel="call",
        what_they_said=f"{NAME} said {PHRASE}",
        could_do_better=PHRASE,
        did_well=PHRASE,
        satisfaction=3,
    )
    # The apology's promise became an improvement; once done, the "we changed it" note was planned for them.
    improvement = improvement_for(case, owner)
    improvement_set_status(improvement=improvement, status=Improvement.Status.DONE, actor=owner)
    notes_sender = UserFactory.create(username="erasure-story-manager", role=MANAGERS)
    assert improvement_notes_send(improvement=improvement, actor=notes_sender) == 1
    survey = FollowUp.objects.get(case=case, kind=FollowUp.Kind.SURVEY)
    SurveyAnswer.objects.create(
        client=client,
        case=case,
        follow_up=survey,
        month=timezone.localdate().replace(day=1),
        segment=client.segment,
        satisfaction=2,
        likelihood_to_return=6,
        could_do_better=f"{PHRASE} sooner",
        did_well=f"Signed, {NAME}",
        submitted_at=timezone.now(),
    )
    # The thank-you as it is kept in the outbox once sent: the rendered email with name and address.
    FollowUp.objects.filter(case=case, kind=FollowUp.Kind.THANK_YOU).update(
        status=FollowUp.Status.SENT,
        sent_at=timezone.now(),
        subject=f"Thank you, {NAME}",
        body_text=f"Dear {NAME} at {COMPANY} ({EMAIL}), {PHRASE}.",
        body_html=f"<p>Dear {NAME} at {COMPANY} ({EMAIL}), {PHRASE}.</p>",
        last_error=f"451 {EMAIL} greylisted",
    )
    # The account manager's daily digest names the client of each reminder.
    assert staff_digests_plan(now=digest_time(timezone.now() + timedelta(days=120))) == 1
    assert COMPANY in FollowUp.objects.get(kind=FollowUp.Kind.STAFF_DIGEST).body_text
    return client


def _database_dump() -> str:
    settings = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-owner", "--dbname", settings["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [flag, str(settings[key])]
    env = {**os.environ, "PGPASSWORD": str(settings.get("PASSWORD") or "")}
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


@pytest.mark.django_db(transaction=True)
def test_after_erasure_a_full_database_dump_holds_none_of_the_clients_personal_data(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    before = _database_dump()
    assert all(value in before for value in PERSONAL), "the dump sees the data before erasure"

    response = manager_client.post(_erase_url(client), {"confirmation": COMPANY}, follow=True)

    assert response.redirect_chain == [(client.get_absolute_url(), 302)]
    page = response.content.decode()
    assert f"Erased client #{client.pk}" in page
    assert "personal data was erased" in page
    after = _database_dump().lower()
    assert [value for value in PERSONAL if value.lower() in after] == []
    assert address_hash(EMAIL) in after, "the suppression hash stays"


@pytest.mark.django_db(transaction=True)
def test_after_erasure_the_dump_holds_no_trace_of_why_no_offer_was_made(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = ClientFactory.create(company_name=COMPANY, contact_email=EMAIL, account_manager=account_manager)
    case = DepartureCaseFactory.create(client=client)
    why_not = f"{PHRASE}: the partners would never agree to a discount"
    no_offer = {"offer_made": False, "offer_type": "", "details": "", "answer": "", "no_offer_reason": why_not}
    step_complete(case=case, step="offer", actor=account_manager, values={**step_values("offer"), **no_offer})
    assert why_not in _database_dump()

    manager_client.post(_erase_url(client), {"confirmation": COMPANY})

    assert PHRASE not in _database_dump().lower()


@pytest.mark.django_db
def test_erasure_cancels_pending_follow_ups_and_keeps_the_address_suppressed(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    pending = FollowUp.objects.filter(client=client, status__in=FollowUp.PENDING_STATUSES)
    assert pending.exists()

    manager_client.post(_erase_url(client), {"confirmation": COMPANY})

    assert not pending.exists()
    assert FollowUp.objects.filter(client=client, status=FollowUp.Status.CANCELLED).exists()
    assert is_suppressed(EMAIL)
    assert set(FollowUp.objects.filter(client=client).values_list("recipient_email", flat=True)) == {
        f"erased-{client.pk}@invalid"
    }


@pytest.mark.django_db
def test_erasure_stops_every_webhook_about_the_client_and_empties_what_they_said(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    events = WebhookEvent.objects.filter(client=client)
    assert set(events.values_list("type", flat=True)) == {"case.opened", "case.departed"}
    assert COMPANY in str(events.values_list("payload", flat=True))

    manager_client.post(_erase_url(client), {"confirmation": COMPANY})

    assert list(events.values_list("payload", flat=True)) == [{}, {}]
    assert set(WebhookDelivery.objects.filter(event__client=client).values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.django_db
def test_a_later_email_to_the_erased_address_is_suppressed_at_send_time(
    manager: User, manager_client: BrowserClient, account_manager: User, always_open: None
) -> None:
    client = ClientFactory.create(company_name=COMPANY, contact_email=EMAIL, account_manager=account_manager)
    manager_client.post(_erase_url(client), {"confirmation": COMPANY})
    # The same person comes back as a new client record, and someone queues a mail by hand.
    returning = ClientFactory.create(contact_email=EMAIL.upper(), account_manager=account_manager)
    now = timezone.now()
    later = FollowUp.objects.create(
        key="later-check-in",
        kind=FollowUp.Kind.CHECK_IN,
        client=returning,
        recipient_email=EMAIL,
        due_at=now,
        next_attempt_at=now,
    )

    follow_ups_dispatch_batch(now=now)

    assert mail.outbox == []
    assert FollowUp.objects.get(pk=later.pk).status == FollowUp.Status.SUPPRESSED


@pytest.mark.django_db
def test_the_timeline_keeps_an_anonymous_record_of_the_erasure(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    verbs_before = list(CaseEvent.objects.filter(client=client).order_by("id").values_list("verb", "created_at"))

    manager_client.post(_erase_url(client), {"confirmation": COMPANY})

    events = CaseEvent.objects.filter(client=client).order_by("id")
    assert list(events.values_list("verb", "created_at"))[: len(verbs_before)] == verbs_before
    erased = events.get(verb="client_erased")
    assert (erased.summary, erased.actor) == ("Personal data erased by Marta Lindqvist", manager)
    for event in events:
        text = f"{event.summary} {event.details}"
        assert not [value for value in PERSONAL if value in text], event.verb
    page = manager_client.get(client.get_absolute_url()).content.decode()
    assert "Personal data erased by Marta Lindqvist" in page
    assert NAME not in page


@pytest.mark.django_db
def test_case_figures_stay_for_the_dashboard_without_the_texts(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)

    manager_client.post(_erase_url(client), {"confirmation": COMPANY})

    case = DepartureCase.objects.get(client=client)
    assert (case.status, case.first_notes) == (DepartureCase.Status.DEPARTED, "")
    probe = ProbeStep.objects.get(case=case)
    assert probe.primary_reason is not None
    assert probe.client_words == ""
    items = HandoverItem.objects.filter(case=case)
    assert set(items.values_list("title", flat=True)) == {f"Handover item #{item.pk}" for item in items}
    answer = SurveyAnswer.objects.get()
    assert (answer.is_anonymous, answer.client, answer.satisfaction, answer.could_do_better) == (True, None, 2, "")
    assert RecordedFeedback.objects.get(case=case).satisfaction == 3


@pytest.mark.django_db
def test_the_confirmation_page_explains_what_will_happen(manager_client: BrowserClient, account_manager: User) -> None:
    client = ClientFactory.create(company_name=COMPANY, account_manager=account_manager)
    page = manager_client.get(_erase_url(client)).content.decode()
    assert f"Erase {COMPANY}" in page
    assert "This cannot be undone" in page
    assert "Type the company name to confirm" in page


@pytest.mark.django_db
def test_a_wrong_company_name_changes_nothing(
    manager: User, manager_client: BrowserClient, account_manager: User
) -> None:
    client = _departed_client_with_everything(account_manager)
    pending = FollowUp.objects.filter(client=client, status__in=FollowUp.PENDING_STATUSES).count()

    response = manager_client.post(_erase_url(client), {"confirmation": "Larkspur"})

    assert response.status_code == 200
    assert "That is not the company name" in response.content.decode()
    client.refresh_from_db()
    assert (client.company_name, client.contact_email) == (COMPANY, EMAIL)
    assert FollowUp.objects.filter(client=client, status__in=FollowUp.PENDING_STATUSES).count() == pending
    assert not is_suppressed(EMAIL)
    assert not CaseEvent.objects.filter(verb="client_erased").exists()


@pytest.mark.django_db
def test_account_managers_cannot_erase_even_their_own_clients(am_client: BrowserClient, account_manager: User) -> None:
    client = ClientFactory.create(company_name=COMPANY, contact_email=EMAIL, account_manager=account_manager)

    assert am_client.get(_erase_url(client)).status_code == 403
    assert am_client.post(_erase_url(client), {"confirmation": COMPANY}).status_code == 403

    client.refresh_from_db()
    assert client.contact_email == EMAIL
    assert not is_suppressed(EMAIL)


@pytest.mark.django_db
def test_erasing_an_unknown_client_is_not_found(manager_client: BrowserClient) -> None:
    assert manager_client.get(reverse("feedback:client_erase", args=[999999])).status_code == 404


# --- Erasure racing a send -----------------------------------------------------------------

ERASED_WHILE_SENDING = "The client was erased while this email was being sent; it may have reached them."


def _stored_text(follow_up: FollowUp) -> str:
    row = FollowUp.objects.get(pk=follow_up.pk)
    fields = (row.recipient_email, row.subject, row.body_text, row.body_html, row.last_error, row.note)
    return " ".join((*fields, row.cancelled_reason))


def _client_leaving_yesterday(owner: User) -> Client:
    client = ClientFactory.create(
        company_name=COMPANY, contact_name=NAME, contact_email=EMAIL, contact_phone=PHONE, account_manager=owner
    )
    planned_case(client, timezone.localdate() - timedelta(days=1), timezone.now())
    return client


@pytest.mark.django_db
def test_an_erasure_while_the_thank_you_is_being_sent_leaves_nothing_personal_in_it(
    manager: User, account_manager: User, always_open: None
) -> None:
    client = _client_leaving_yesterday(account_manager)
    [thank_you] = [row for row in follow_ups_claim(now=timezone.now(), limit=10) if row.kind == FollowUp.Kind.THANK_YOU]

    client_erase(client=client, erased_by=manager, now=timezone.now())
    # The dispatcher that claimed it goes on with what it loaded before the erasure, and the server accepts it.
    _deliver(thank_you, SmtpSession(), set())

    assert mail.outbox[0].to == [EMAIL], "the mail was already on its way"
    row = FollowUp.objects.get(pk=thank_you.pk)
    assert (row.status, row.sent_at, row.subject, row.body_text) == (FollowUp.Status.CANCELLED, None, "", "")
    assert row.cancelled_reason == ERASED_WHILE_SENDING
    assert [value for value in PERSONAL if value in _stored_text(thank_you)] == []
    erased = CaseEvent.objects.get(client=client, verb="client_erased")
    assert erased.summary == (
        "Personal data erased by Marta Lindqvist; an email being sent at that moment may have reached them"
    )


@pytest.mark.django_db
def test_a_staff_digest_being_sent_during_an_erasure_keeps_the_erased_name(
    manager: User, account_manager: User, always_open: None
) -> None:
    client = _client_leaving_yesterday(account_manager)
    later = digest_time(timezone.now() + timedelta(days=120))
    assert staff_digests_plan(now=later) == 1
    [digest] = [row for row in follow_ups_claim(now=later, limit=50) if row.kind == FollowUp.Kind.STAFF_DIGEST]
    assert COMPANY in digest.body_text

    client_erase(client=client, erased_by=manager, now=later)
    _deliver(digest, SmtpSession(), set())

    row = FollowUp.objects.get(pk=digest.pk)
    assert row.status == FollowUp.Status.SENT, "the digest went to the account manager"
    assert f"Erased client #{client.pk}" in row.body_text
    assert [value for value in PERSONAL if value in _stored_text(digest)] == []


class AnswersWhenReleased(SinkHandler):
    """A slow mail server: it takes the message and answers 250 only once the test releases it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 2.0.0 Accepted"


@pytest.fixture
def slow_smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.handler = AnswersWhenReleased()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def worker_on_slow_smtp(
    disposable_redis: DisposableRedis, slow_smtp: SmtpSink, tmp_path: Path
) -> Iterator[CeleryProcesses]:
    processes = CeleryProcesses(disposable_redis, slow_smtp, tmp_path)
    processes.extra_env["EMAIL_TIMEOUT"] = "30"
    yield processes
    processes.stop_all()


@pytest.mark.django_db(transaction=True)
def test_a_client_erased_while_a_real_worker_sends_their_thank_you_is_nowhere_in_the_database(
    manager: User,
    manager_client: BrowserClient,
    account_manager: User,
    always_open: None,
    slow_smtp: SmtpSink,
    worker_on_slow_smtp: CeleryProcesses,
) -> None:
    client = ClientFactory.create(
        company_name=COMPANY,
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
        account_manager=account_manager,
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    case = DepartureCaseFactory.create(
        client=client, notice_received_on=yesterday - timedelta(days=30), planned_leave_date=yesterday
    )
    depart_through_case_services(case, account_manager)
    thank_you = FollowUp.objects.get(case=case, kind=FollowUp.Kind.THANK_YOU)
    worker_on_slow_smtp.worker()
    worker_on_slow_smtp.publish_dispatch()
    assert slow_smtp.handler.holding.wait(timeout=30), worker_on_slow_smtp.logs()
    assert FollowUp.objects.get(pk=thank_you.pk).status == FollowUp.Status.SENDING

    response = manager_client.post(_erase_url(client), {"confirmation": COMPANY})
    assert response.status_code == 302
    slow_smtp.handler.release.set()
    assert wait_for(lambda: len(slow_smtp.messages) == 1, timeout=20), worker_on_slow_smtp.logs()
    time.sleep(2)  # the worker records its outcome right after the 250

    assert slow_smtp.messages[0]["To"] == EMAIL
    row = FollowUp.objects.get(pk=thank_you.pk)
    assert (row.status, row.cancelled_reason, row.body_text) == (FollowUp.Status.CANCELLED, ERASED_WHILE_SENDING, "")
    after = _database_dump().lower()
    assert [value for value in (COMPANY, NAME, EMAIL, PHONE) if value.lower() in after] == []


@pytest.mark.django_db
def test_a_failed_email_retried_after_the_erasure_is_not_sent(
    manager: User, account_manager: User, always_open: None
) -> None:
    client = _client_leaving_yesterday(account_manager)
    thank_you = FollowUp.objects.get(client=client, kind=FollowUp.Kind.THANK_YOU)
    FollowUp.objects.filter(pk=thank_you.pk).update(status=FollowUp.Status.FAILED, attempts=6)
    client_erase(client=client, erased_by=manager, now=timezone.now())

    follow_up_retry(follow_up=thank_you, actor=manager, now=timezone.now())
    follow_ups_dispatch_batch()

    assert mail.outbox == []
    row = FollowUp.objects.get(pk=thank_you.pk)
    assert (row.status, row.cancelled_reason) == (FollowUp.Status.CANCELLED, "The client's personal data was erased")
