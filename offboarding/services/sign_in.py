"""Limits on what a visitor who is not signed in can make the app do: password-reset mails."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from offboarding.models import RateLimit

PASSWORD_RESET_WINDOW = timedelta(hours=1)


@transaction.atomic
def rate_limit_take(*, action: str, subject: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one use of the action by the subject, unless `limit` uses fall in the window already; whether it may go."""
    # The lock makes concurrent requests, in any process, count one after another.
    row, _ = RateLimit.objects.select_for_update().get_or_create(
        action=action, subject=subject, defaults={"last_used_at": now}
    )
    recent = [used for used in row.uses if datetime.fromisoformat(used) > now - window]
    allowed = len(recent) < limit
    if allowed:
        row.uses = [*recent, now.isoformat()]
        row.last_used_at = now
        row.save(update_fields=["uses", "last_used_at"])
    # Rows with no use inside the window count nothing any more: they keep no address for long.
    RateLimit.objects.filter(action=action, last_used_at__lte=now - window).delete()
    return allowed


def password_reset_allowed_from(*, address: str | None, now: datetime) -> bool:
    """Whether this address may ask for another reset link now (whether or not the account exists)."""
    return rate_limit_take(
        action="password-reset-address",
        subject=address or "unknown",
        limit=settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS,
        window=PASSWORD_RESET_WINDOW,
        now=now,
    )


def password_reset_allowed_for(*, user: User, now: datetime) -> bool:
    """Whether this account may be sent another reset link now."""
    return rate_limit_take(
        action="password-reset-account",
        subject=str(user.pk),
        limit=settings.PASSWORD_RESET_MAILS_PER_ACCOUNT,
        window=PASSWORD_RESET_WINDOW,
        now=now,
    )
