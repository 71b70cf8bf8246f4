"""Sending due follow-ups: claim, send, record the outcome. Safe with any number of dispatchers.

A claim moves rows to `sending` under `FOR UPDATE SKIP LOCKED`, so two
dispatchers never claim the same row, and stamps a lease. The attempt number
taken with the claim is the row's compare-and-set token: an outcome is written
only `WHERE status='sending' AND attempts=<ours>`, so a slow dispatcher whose
lease ran out (and whose row was taken over) cannot overwrite the newer outcome.
Erasing a client moves its rows out of `sending` for the same reason: the
dispatcher still talking to the mail server then writes nothing into them.
"""

from __future__ import annotations

import logging
import random
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from clients.validators import undeliverable_address_reason
from offboarding.models import DispatcherRun, FollowUp, MessageText, Suppression
from offboarding.outbox.business_hours import client_zone, next_business_time, zones_in_business_time
from offboarding.outbox.emails import RenderedEmail, follow_up_message, render_follow_up
from offboarding.outbox.services import (
    CLIENT_ERASED,
    address_hash,
    follow_up_record_not_sent,
    follow_up_refusal,
)
from offboarding.outbox.webhooks.events import webhook_follow_up_failed
from offboarding.outbox.wording import saved_wordings

logger = logging.getLogger(__name__)
Status = FollowUp.Status
Wordings = dict[tuple[str, str], MessageText]


class TemporaryFailure(Exception):
    """4xx, a timeout or a refused connection: try again later."""


class PermanentFailure(Exception):
    """5xx: the server will never take this message."""


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


LEASE_EXPIRED_TOO_OFTEN = "The sender stopped before finishing, too many times."


@transaction.atomic
def _fail_spent_leases(expired: QuerySet[FollowUp], now: datetime) -> int:
    """Rows whose dispatchers died on every attempt: failed, each with its follow_up.failed event."""
    spent = expired.filter(attempts__gte=settings.FOLLOW_UP_MAX_ATTEMPTS).select_for_update(
        skip_locked=True, of=("self",)
    )
    failed = 0
    for follow_up in spent.select_related("client"):
        if _record_outcome(follow_up, Status.FAILED, last_error=LEASE_EXPIRED_TOO_OFTEN):
            follow_up.last_error = LEASE_EXPIRED_TOO_OFTEN
            webhook_follow_up_failed(follow_up=follow_up, now=now)
            failed += 1
    return failed


def follow_ups_recover_expired_leases(*, now: datetime) -> int:
    """Rows left in `sending` by a dispatcher that died: back to retry_wait, same Message-ID."""
    expired = FollowUp.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    failed = _fail_spent_leases(expired, now)
    recovered = expired.update(
        status=Status.RETRY_WAIT,
        next_attempt_at=now,
        lease_expires_at=None,
        last_error="The sender stopped before finishing (lease expired); sending again.",
    )
    return int(failed + recovered)


def _mailable_now(now: datetime) -> Q:
    """Staff digests at any hour; client mail only where it is business time in the client's own zone."""
    client_mail = Q(kind__in=FollowUp.CLIENT_FACING_KINDS, client__time_zone__in=zones_in_business_time(now))
    return Q(kind=FollowUp.Kind.STAFF_DIGEST) | client_mail


@transaction.atomic
def follow_ups_claim(*, now: datetime, limit: int) -> list[FollowUp]:
    # One conditional query: the zones in business hours are worked out first (business_hours.py),
    # and only the follow-up rows are locked (of=self), never the clients joined for their zone.
    due = (
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_mailable_now(now), status__in=FollowUp.PENDING_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
    )
    ids = list(due.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    lease = now + timedelta(seconds=settings.FOLLOW_UP_LEASE_SECONDS)
    FollowUp.objects.filter(pk__in=ids).update(
        status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=lease, updated_at=now
    )
    return list(
        FollowUp.objects.filter(pk__in=ids)
        .select_related(
            "client__account_manager",
            "case__thanks",
            "case__keep_in_touch",
            "recipient_user",
            "improvement_note__improvement",
        )
        .order_by("next_attempt_at", "id")
    )


@transaction.atomic
def _record_outcome(follow_up: FollowUp, status: str, **changes: Any) -> bool:
    """Compare-and-set: only the dispatcher holding this attempt may write its outcome."""
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=Status.SENDING, attempts=follow_up.attempts).update(
        status=status, lease_expires_at=None, updated_at=timezone.now(), **changes
    )
    if not updated:
        logger.warning("Follow-up %s was taken over before its outcome %s was recorded", follow_up.pk, status)
    return bool(updated)


def backoff_with_jitter(attempts: int, *, base_seconds: int, max_seconds: int) -> timedelta:
    """Exponential backoff with jitter, so a crowd of failures does not retry in step (follow-ups and webhooks)."""
    ceiling = min(max_seconds, base_seconds * 2 ** (attempts - 1))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)


def retry_delay(attempts: int) -> timedelta:
    return backoff_with_jitter(
        attempts, base_seconds=settings.FOLLOW_UP_RETRY_BASE_SECONDS, max_seconds=settings.FOLLOW_UP_RETRY_MAX_SECONDS
    )


def _record_failure(follow_up: FollowUp, error: Exception) -> str:
    message = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PermanentFailure) or follow_up.attempts >= settings.FOLLOW_UP_MAX_ATTEMPTS:
        with transaction.atomic():
            if _record_outcome(follow_up, Status.FAILED, last_error=message):
                follow_up.last_error = message
                webhook_follow_up_failed(follow_up=follow_up, now=timezone.now())
        logger.error("Follow-up %s failed for good: %s", follow_up.pk, message)
        return Status.FAILED
    next_attempt = timezone.now() + retry_delay(follow_up.attempts)
    if follow_up.is_client_facing:
        next_attempt = next_business_time(next_attempt, client_zone(follow_up.client))
    _record_outcome(follow_up, Status.RETRY_WAIT, last_error=message, next_attempt_at=next_attempt)
    return Status.RETRY_WAIT


def _classify(error: Exception) -> Exception:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return PermanentFailure(str(error)) if codes and min(codes) >= 500 else TemporaryFailure(str(error))
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(error, smtplib.SMTPConnectError):
        return PermanentFailure(str(error)) if error.smtp_code >= 500 else TemporaryFailure(str(error))
    return TemporaryFailure(str(error) or type(error).__name__)


class SmtpSession:
    """One SMTP connection for a batch, reopened after an error; a server that is down fails the rest fast."""

    def __init__(self) -> None:
        self.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        self.unreachable: Exception | None = None

    def send(self, message: Any) -> None:
        if self.unreachable is not None:
            raise TemporaryFailure(f"Mail server unreachable: {self.unreachable}")
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException) as error:
            self.unreachable = error
            raise TemporaryFailure(f"Mail server unreachable: {error}") from error
        try:
            self.connection.send_messages([message])
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise _classify(error) from error

    def close(self) -> None:
        try:
            self.connection.close()
        except (OSError, smtplib.SMTPException):
            logger.info("Closing the SMTP connection failed; it is gone anyway", exc_info=True)


def _refusal(follow_up: FollowUp) -> str:
    # A last guard: every change of consent goes through consent.client_keep_in_touch_set, which
    # cancels at once, but a row may come back after it (a manager's retry of a failed email) or
    # the answer may change around it (a data fix in the shell). The claim loaded the client.
    if follow_up.client is None:
        return ""
    if follow_up.client.is_erased:
        # Whatever queued it after the erasure (a manager's retry of a failed email, a case closed later).
        return str(CLIENT_ERASED)
    return follow_up_refusal(follow_up.kind, client=follow_up.client)


def _deliver(follow_up: FollowUp, session: SmtpSession, suppressed: set[str], wordings: Wordings | None = None) -> str:
    if follow_up.is_client_facing and address_hash(follow_up.recipient_email) in suppressed:
        _record_outcome(follow_up, Status.SUPPRESSED, last_error="The address is on the suppression list.")
        return Status.SUPPRESSED
    refusal = _refusal(follow_up)
    if refusal:
        with transaction.atomic():
            if _record_outcome(follow_up, Status.CANCELLED, cancelled_reason=refusal):
                follow_up_record_not_sent(follow_up=follow_up, reason=refusal)
        return Status.CANCELLED
    undeliverable = undeliverable_address_reason(follow_up.recipient_email)
    if undeliverable:
        # Sent anyway, it would go out to a mangled address and count as sent.
        return _record_failure(follow_up, PermanentFailure(undeliverable))
    rendered = render_follow_up(follow_up, saved=wordings)
    try:
        session.send(follow_up_message(follow_up, rendered))
    except (TemporaryFailure, PermanentFailure) as error:
        return _record_failure(follow_up, error)
    _record_outcome(
        follow_up, Status.SENT, sent_at=timezone.now(), last_error="", **_message_to_keep(follow_up, rendered)
    )
    _log_sent(follow_up)
    return Status.SENT


def _message_to_keep(follow_up: FollowUp, rendered: RenderedEmail) -> dict[str, str]:
    """The sent message as the outbox keeps it, unless the row held it already (a staff digest).

    Written back, the copy loaded at the claim would undo what changed the row since: an
    erasure that replaced a client's name in the digest while it was being sent.
    """
    if follow_up.subject:
        return {}
    return {"subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html}


def _log_sent(follow_up: FollowUp) -> None:
    # Named after the request that planned the mail, which may be long gone (a later beat-triggered run).
    logger.info(
        "Follow-up %s (%s) sent",
        follow_up.pk,
        follow_up.kind,
        extra={"follow_up_id": follow_up.pk, "kind": follow_up.kind, "request_id": follow_up.request_id},
    )


def follow_ups_dispatch_batch(*, now: datetime | None = None, limit: int | None = None) -> DispatchReport:
    """Recover dead leases, claim one batch of due follow-ups and send it."""
    now = now or timezone.now()
    follow_ups_recover_expired_leases(now=now)
    claimed = follow_ups_claim(now=now, limit=limit or settings.FOLLOW_UP_DISPATCH_BATCH)
    report = DispatchReport(claimed=len(claimed))
    if not claimed:
        return report
    hashes = {address_hash(follow_up.recipient_email) for follow_up in claimed}
    suppressed = set(Suppression.objects.filter(address_hash__in=hashes).values_list("address_hash", flat=True))
    wordings = saved_wordings()
    session = SmtpSession()
    try:
        for follow_up in claimed:
            report.count(_deliver(follow_up, session, suppressed, wordings))
    finally:
        session.close()
    return report


def follow_ups_dispatch(*, time_budget: float = 200.0) -> int:
    """Send batches until nothing is due or the time budget (below the task time limit) is spent."""
    started = timezone.now()
    sent = 0
    while (timezone.now() - started).total_seconds() < time_budget:
        report = follow_ups_dispatch_batch()
        sent += report.outcomes.get(Status.SENT, 0)
        if not report.claimed:
            break
    _record_run(finished_at=timezone.now())
    return sent


def _record_run(*, finished_at: datetime) -> None:
    """One upsert a run, so that /healthz and /metrics can tell whether the dispatcher is alive."""
    DispatcherRun.objects.bulk_create(
        [DispatcherRun(name=DispatcherRun.FOLLOW_UPS, finished_at=finished_at)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["finished_at"],
    )
