"""Demo follow-ups for `manage.py seed_demo`: at least one in every status of the outbox."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Client
from offboarding.emails import render_follow_up
from offboarding.models import FollowUp
from offboarding.services.followups import message_id_for

Kind = FollowUp.Kind
Status = FollowUp.Status

# (status, kind, days from today, attempts, last error or note)
DEMO_ROWS = (
    (Status.SENT, Kind.THANK_YOU, -20, 1, ""),
    (Status.SENT, Kind.SURVEY, -16, 2, ""),
    (Status.SCHEDULED, Kind.CHECK_IN, 10, 0, ""),
    (Status.SCHEDULED, Kind.WIN_BACK, 200, 0, ""),
    (Status.SENDING, Kind.CHECK_IN, 0, 1, ""),
    (Status.RETRY_WAIT, Kind.THANK_YOU, -1, 2, "SMTPResponseException: (421, b'4.7.0 Try again later')"),
    (Status.FAILED, Kind.SURVEY, -5, 1, "SMTPRecipientsRefused: 550 5.1.1 Mailbox unavailable"),
    (Status.CANCELLED, Kind.CHECK_IN, 30, 0, "The client came back"),
    (Status.SUPPRESSED, Kind.WIN_BACK, -3, 1, "The address is on the suppression list."),
    (Status.SCHEDULED, Kind.STAFF_REMINDER, 0, 0, "Send the handwritten card"),
    (Status.DONE, Kind.STAFF_REMINDER, -10, 0, "Call them: 90 days since they left"),
)


def _demo_row(index: int, client: Client, row: tuple[str, str, int, int, str], now: datetime) -> FollowUp:
    status, kind, days, attempts, detail = row
    key = f"demo:{index}:{status}:{kind}"
    to_staff = kind == Kind.STAFF_REMINDER
    due_at = now + timedelta(days=days)
    follow_up = FollowUp(
        key=key,
        kind=kind,
        client=client,
        recipient_email=client.account_manager.email if to_staff else client.contact_email,
        recipient_user=client.account_manager if to_staff else None,
        note=detail if to_staff else "",
        due_at=due_at,
        next_attempt_at=due_at + timedelta(hours=2) if status == Status.RETRY_WAIT else due_at,
        status=status,
        attempts=attempts,
        lease_expires_at=now + timedelta(minutes=10) if status == Status.SENDING else None,
        message_id=message_id_for(key),
        last_error=detail if status in (Status.RETRY_WAIT, Status.FAILED, Status.SUPPRESSED) else "",
        cancelled_reason=detail if status == Status.CANCELLED else "",
        sent_at=due_at if status in (Status.SENT, Status.DONE) else None,
    )
    if status == Status.SENT:
        rendered = render_follow_up(follow_up)
        follow_up.subject, follow_up.body_text, follow_up.body_html = rendered.subject, rendered.text, rendered.html
    return follow_up


def seed_follow_ups(users: dict[str, User], today: date) -> int:
    """Add the demo rows once (their keys make a second run a no-op); returns how many were added."""
    clients = list(Client.objects.filter(account_manager__in=users.values()).select_related("account_manager")[:4])
    if not clients:
        return 0
    now = timezone.make_aware(datetime.combine(today, time(10)))
    rows = [_demo_row(index, clients[index % len(clients)], row, now) for index, row in enumerate(DEMO_ROWS)]
    existing = set(FollowUp.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True))
    new_rows = [row for row in rows if row.key not in existing]
    FollowUp.objects.bulk_create(new_rows)
    return len(new_rows)
