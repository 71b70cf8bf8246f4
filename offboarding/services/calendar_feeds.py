"""A person's private calendar address: made on request, reset on request (the old address stops at once)."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from offboarding.models import CalendarFeed


@transaction.atomic
def calendar_feed_reset(*, user: User, now: datetime) -> CalendarFeed:
    """Give the person a calendar address, or a new one in place of the old."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"secret": secrets.token_urlsafe(32), "created_at": now}
    )
    if not _created:
        feed.secret = secrets.token_urlsafe(32)
        feed.created_at = now
        feed.save(update_fields=["secret", "created_at"])
    return feed
