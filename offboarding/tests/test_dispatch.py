# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from clients.models import Client
from offboarding.models import CaseEvent, FollowUp
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.services import follow_up_retry, message_id_for, suppression_add
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    FailingBackend,
    SmtpSink,
    always_open,
    by_kind,
    failing_mail,
    former_client,
    planned_case,
    smtp_sink,
)

LONDON = ZoneInfo("Europe/London")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
Status = FollowUp.Status
Kind = FollowUp.Kind


def thank_you_due_now(client: Client) -> FollowUp:
    """A departure logged after the leave date: the thank-you is due at once."""
    return by_kind(planned_case(client, date(2026, 2, 20), MONDAY_10))[Kind.THANK_YOU][0]


def due_check_ins(client: Client, count: int) -> list[FollowUp]:
    """Check-ins due at MONDAY_10 for a client who agreed to keep in touch."""
    Client.objects.filter(pk=client.pk).update(keep_in_touch="yes")
    rows = [
        FollowUp(
            key=f"claim:{client.pk}:{number}",
            kind=Kind.CHECK_IN,
            client=client,
            recipient_email=f"guest{number}@birch.example",
            due_at=MONDAY_10 - timedelta(minutes=count - number),
            next_attempt_at=MONDAY_10 - timedelta(minutes=count - number),
            message_id=message_id_for(f"claim:{client.pk}:{number}"),
        )
        for number in range(count)
    ]
    return FollowUp.objects.bulk_create(rows)


def fresh(follow_up: FollowUp) -> FollowUp:
    return FollowUp.objects.get(pk=follow_up.pk)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_a_due_follow_up_is_claimed_sent_once_and_kept_as_sent(former_client: Client, clock) -> None:
    thank_you = thank_you_due_now(former_client)
    report = follow_ups_dispatch_batch()
    assert report.outcomes == {Status.SENT: 1}
    assert len(mail.outbox) == 1
    sent = fresh(thank_you)
    assert sent.status == Status.SENT
    assert sent.attempts == 1
    assert sent.sent_at == MONDAY_10
    assert sent.subject == mail.outbox[0].subject
    assert "no reactivation fee" in sent.body_text
    follow_ups_dispatch_batch()
    assert len(mail.outbox) == 1, "a second dispatch sends nothing again"


@pytest.mark.django_db
def test_follow_ups_not_yet_due_stay_scheduled(former_client: Client, clock) -> None:
    planned = planned_case(former_client, date(2026, 3, 20), MONDAY_10)
    follow_ups_dispatch_batch()
    assert mail.outbox == []
    assert {fresh(row).status for row in planned} == {Status.SCHEDULED}


@pytest.mark.django_db
def test_client_mail_waits_for_business_hours_but_staff_mail_does_not(former_client: Client, clock) -> None:
    thank_you = thank_you_due_now(former_client)
    clock.move_to(datetime(2026, 3, 2, 21, 0, tzinfo=LONDON))
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.SCHEDULED
    clock.move_to(datetime(2026, 3, 3, 9, 1, tzinfo=LONDON))
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.SENT


@pytest.mark.django_db
def test_a_temporary_failure_waits_with_backoff_and_jitter_then_sends(
    former_client: Client, clock, failing_mail: type[FailingBackend]
) -> None:
    thank_you = thank_you_due_now(former_client)
    failing_mail.error = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
    follow_ups_dispatch_batch()
    waiting = fresh(thank_you)
    assert waiting.status == Status.RETRY_WAIT
    assert waiting.attempts == 1
    assert "451" in waiting.last_error
    base = timedelta(seconds=settings.FOLLOW_UP_RETRY_BASE_SECONDS)
    assert waiting.next_attempt_at is not None
    assert MONDAY_10 + base / 2 <= waiting.next_attempt_at <= MONDAY_10 + base
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.RETRY_WAIT, "not retried before its time"

    clock.shift(base)
    follow_ups_dispatch_batch()
    waiting = fresh(thank_you)
    assert waiting.attempts == 2
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at - timezone.now() >= base, "the second wait is longer"

    failing_mail.error = None
    clock.shift(base * 2)
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.SENT
    assert len(failing_mail.sent) == 1


@pytest.mark.django_db
def test_a_refused_connection_is_a_temporary_failure(former_client: Client, clock, failing_mail) -> None:
    thank_you = thank_you_due_now(former_client)
    failing_mail.error = ConnectionRefusedError(111, "Connection refused")
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.RETRY_WAIT


@pytest.mark.django_db
def test_a_permanent_failure_ends_failed_and_a_manager_can_retry_it(
    former_client: Client, clock, failing_mail, manager
) -> None:
    thank_you = thank_you_due_now(former_client)
    failing_mail.error = smtplib.SMTPRecipientsRefused({"rosa@birch.example": (550, b"5.1.1 No such mailbox")})
    follow_ups_dispatch_batch()
    failed = fresh(thank_you)
    assert failed.status == Status.FAILED
    assert "550" in failed.last_error

    failing_mail.error = None
    follow_up_retry(follow_up=failed, actor=manager, now=timezone.now())
    follow_ups_dispatch_batch()
    sent = fresh(thank_you)
    assert sent.status == Status.SENT
    assert failing_mail.sent[0].extra_headers["Message-ID"] == thank_you.message_id


@pytest.mark.django_db
def test_too_many_temporary_failures_end_failed(former_client: Client, clock, failing_mail, settings) -> None:
    settings.FOLLOW_UP_MAX_ATTEMPTS = 2
    thank_you = thank_you_due_now(former_client)
    failing_mail.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    follow_ups_dispatch_batch()
    clock.shift(timedelta(days=1))
    follow_ups_dispatch_batch()
    failed = fresh(thank_you)
    assert (failed.status, failed.attempts) == (Status.FAILED, 2)


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_sent_after_its_lease_runs_out(former_client: Client, clock) -> None:
    thank_you = thank_you_due_now(former_client)
    lease = MONDAY_10 + timedelta(seconds=settings.FOLLOW_UP_LEASE_SECONDS)
    FollowUp.objects.filter(pk=thank_you.pk).update(status=Status.SENDING, attempts=1, lease_expires_at=lease)
    follow_ups_dispatch_batch()
    assert fresh(thank_you).status == Status.SENDING, "still leased to the first worker"

    clock.move_to(lease + timedelta(seconds=1))
    follow_ups_dispatch_batch()
    sent = fresh(thank_you)
    assert (sent.status, sent.attempts) == (Status.SENT, 2)
    assert mail.outbox[0].extra_headers["Message-ID"] == thank_you.message_id


@pytest.mark.django_db
def test_recovery_alone_moves_an_expired_lease_to_retry_wait(former_client: Client, clock) -> None:
    from offboarding.outbox.dispatch import follow_ups_recover_expired_leases

    thank_you = thank_you_due_now(former_client)
    FollowUp.objects.filter(pk=thank_you.pk).update(
        status=Status.SENDING, attempts=1, lease_expires_at=MONDAY_10 - timedelta(seconds=1)
    )
    assert follow_ups_recover_expired_leases(now=MONDAY_10) == 1
    recovered = fresh(thank_you)
    assert (recovered.status, recovered.message_id) == (Status.RETRY_WAIT, thank_you.message_id)


@pytest.mark.django_db
def test_an_outcome_is_not_written_over_a_newer_claim(former_client: Client, clock) -> None:
    from offboarding.outbox.dispatch import _record_outcome, follow_ups_claim

    thank_you_due_now(former_client)
    [stale] = follow_ups_claim(now=MONDAY_10, limit=10)
    # The lease ran out and another dispatcher claimed and sent it.
    FollowUp.objects.filter(pk=stale.pk).update(attempts=2, status=Status.SENT)
    assert _record_outcome(stale, Status.FAILED, last_error="late") is False
    assert fresh(stale).status == Status.SENT


@pytest.mark.django_db
def test_an_outcome_is_not_written_over_a_newer_claim_still_sending(former_client: Client, clock) -> None:
    from offboarding.outbox.dispatch import _record_outcome, follow_ups_claim, follow_ups_recover_expired_leases

    thank_you_due_now(former_client)
    [stale] = follow_ups_claim(now=MONDAY_10, limit=10)
    # The first dispatcher stalls past its lease; another recovers the row and claims it again.
    later = MONDAY_10 + timedelta(seconds=settings.FOLLOW_UP_LEASE_SECONDS + 1)
    follow_ups_recover_expired_leases(now=later)
    [newer] = follow_ups_claim(now=later, limit=10)
    assert (newer.pk, newer.status, newer.attempts) == (stale.pk, Status.SENDING, 2)

    assert _record_outcome(stale, Status.FAILED, last_error="late") is False
    row = fresh(stale)
    assert (row.status, row.attempts) == (Status.SENDING, 2)
    assert row.last_error != "late"


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_a_due_row_another_dispatcher_has_locked_instead_of_waiting_for_it(
    former_client: Client,
) -> None:
    from offboarding.outbox.dispatch import follow_ups_claim

    locked, *others = due_check_ins(former_client, 3)
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        # A second dispatcher, mid-claim: it holds the row lock until it commits.
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM offboarding_followup WHERE id = %s FOR UPDATE", [locked.pk])
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Were the claim to wait for the lock, it would fail here instead of hanging the test.
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            claimed = follow_ups_claim(now=MONDAY_10, limit=10)
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert sorted(row.pk for row in claimed) == sorted(row.pk for row in others)
    assert waited < 1, "the claim went past the locked row at once"
    assert fresh(locked).status == Status.SCHEDULED, "left for the dispatcher that holds it"


@pytest.mark.django_db
def test_a_recipient_suppressed_after_planning_is_not_mailed(former_client: Client, clock) -> None:
    thank_you = thank_you_due_now(former_client)
    suppression_add(email="rosa@birch.example", reason="bounced")
    follow_ups_dispatch_batch()
    assert mail.outbox == []
    assert fresh(thank_you).status == Status.SUPPRESSED


@pytest.mark.django_db
def test_a_cancelled_follow_up_is_never_sent(former_client: Client, clock) -> None:
    thank_you = thank_you_due_now(former_client)
    FollowUp.objects.filter(pk=thank_you.pk).update(status=Status.CANCELLED)
    follow_ups_dispatch_batch()
    assert mail.outbox == []


@pytest.mark.django_db
def test_staff_reminders_are_not_mailed_one_by_one(former_client: Client, clock) -> None:
    planned_case(former_client, date(2026, 2, 20), MONDAY_10)
    clock.shift(timedelta(days=200))
    follow_ups_dispatch_batch(limit=100)
    assert all(message.to != [former_client.account_manager.email] for message in mail.outbox)
    assert FollowUp.objects.filter(kind=Kind.STAFF_REMINDER, status=Status.SCHEDULED).count() == 2


@pytest.mark.django_db
def test_a_check_in_or_win_back_due_after_consent_was_withdrawn_elsewhere_is_not_mailed(
    former_client: Client, clock
) -> None:
    planned = by_kind(planned_case(former_client, date(2026, 2, 20), MONDAY_10, consent=True))
    case = planned[Kind.THANK_YOU][0].case
    # Changed around the consent service (a data fix in the shell), so nothing was cancelled at once.
    Client.objects.filter(pk=former_client.pk).update(keep_in_touch="no")
    clock.move_to(datetime(2027, 4, 5, 10, 0, tzinfo=LONDON))  # everything planned is due by now
    report = follow_ups_dispatch_batch(limit=100)
    mailed = {message.extra_headers["Message-ID"] for message in mail.outbox}
    assert mailed == {planned[Kind.THANK_YOU][0].message_id, planned[Kind.SURVEY][0].message_id}
    assert report.outcomes == {Status.SENT: 2, Status.CANCELLED: 4}
    for follow_up in planned[Kind.CHECK_IN] + planned[Kind.WIN_BACK]:
        refused = fresh(follow_up)
        assert (refused.status, refused.sent_at) == (Status.CANCELLED, None)
        assert refused.cancelled_reason == "The client would rather we did not keep in touch"
    not_sent = CaseEvent.objects.filter(case=case, verb="follow_up_cancelled").values_list("summary", flat=True)
    assert sorted(not_sent) == [
        *["Keep-in-touch check-in not sent: the client would rather we did not keep in touch"] * 3,
        "Win-back note not sent: the client would rather we did not keep in touch",
    ]


@pytest.fixture
def real_smtp(smtp_sink: SmtpSink, settings) -> SmtpSink:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    return smtp_sink


@pytest.mark.django_db
def test_an_address_with_accents_before_the_at_fails_clearly_instead_of_going_out_mangled(
    former_client: Client, clock, real_smtp: SmtpSink
) -> None:
    # Stored before the rule, or past every form (the demo data was): the dispatcher has the last word.
    Client.objects.filter(pk=former_client.pk).update(contact_email="chloé.quayside@quayside.example")
    thank_you = thank_you_due_now(Client.objects.get(pk=former_client.pk))

    report = follow_ups_dispatch_batch()

    assert real_smtp.messages == []
    assert report.outcomes == {Status.FAILED: 1}
    failed = fresh(thank_you)
    assert (failed.status, failed.sent_at) == (Status.FAILED, None)
    assert "Mail servers cannot deliver to an address with “é” before the @." in failed.last_error


@pytest.mark.django_db
def test_an_address_with_an_international_domain_arrives_with_its_domain_in_punycode(
    former_client: Client, clock, real_smtp: SmtpSink
) -> None:
    Client.objects.filter(pk=former_client.pk).update(contact_email="rosa@bücher.example")
    thank_you = thank_you_due_now(Client.objects.get(pk=former_client.pk))

    follow_ups_dispatch_batch()

    [message] = real_smtp.messages
    assert message["To"] == "rosa@xn--bcher-kva.example"
    assert fresh(thank_you).status == Status.SENT
