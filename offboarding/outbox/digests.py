"""The daily staff digest: one email per account manager with the reminders due today and overdue."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from clients.formatting import display_name
from offboarding.models import FollowUp
from offboarding.outbox.emails import render_kind
from offboarding.outbox.services import message_id_for


def _open_reminders(end_of_today: datetime) -> dict[User, list[FollowUp]]:
    reminders = (
        FollowUp.objects.filter(
            kind=FollowUp.Kind.STAFF_REMINDER, status=FollowUp.Status.SCHEDULED, due_at__lt=end_of_today
        )
        .exclude(recipient_user=None)
        .select_related("recipient_user", "client", "case")
        .order_by("due_at", "id")
    )
    by_manager: dict[User, list[FollowUp]] = defaultdict(list)
    for reminder in reminders:
        assert reminder.recipient_user is not None
        by_manager[reminder.recipient_user].append(reminder)
    return by_manager


def _digest_row(manager: User, reminders: list[FollowUp], start_of_today: datetime, now: datetime) -> FollowUp:
    day = timezone.localdate(now)
    rendered = render_kind(
        FollowUp.Kind.STAFF_DIGEST,
        {
            "manager": manager,
            "manager_name": display_name(manager),
            "day": day,
            "due_today": [reminder for reminder in reminders if reminder.due_at >= start_of_today],
            "overdue": [reminder for reminder in reminders if reminder.due_at < start_of_today],
            "business_name": settings.BUSINESS_NAME,
            "site_url": settings.SITE_URL,
        },
    )
    key = f"digest:{manager.pk}:{day.isoformat()}"
    return FollowUp(
        key=key,
        kind=FollowUp.Kind.STAFF_DIGEST,
        client=None,
        recipient_email=manager.email,
        recipient_user=manager,
        note=f"Digest for {day:%d %b %Y}: {len(reminders)} reminders",
        due_at=now,
        next_attempt_at=now,
        message_id=message_id_for(key),
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
    )


@transaction.atomic
def staff_digests_plan(*, now: datetime) -> int:
    """Queue today's digest for every account manager with something due; a second run adds nothing."""
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    end_of_today = start_of_today + timedelta(days=1)
    digests = [
        _digest_row(manager, reminders, start_of_today, now)
        for manager, reminders in _open_reminders(end_of_today).items()
        if manager.email
    ]
    existing = set(FollowUp.objects.filter(key__in=[row.key for row in digests]).values_list("key", flat=True))
    new_digests = [row for row in digests if row.key not in existing]
    # ignore_conflicts: two beats at once both pass the check above; the key keeps one.
    FollowUp.objects.bulk_create(new_digests, ignore_conflicts=True)
    return len(new_digests)
