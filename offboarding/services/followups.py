"""The follow-up outbox: planning, cancelling and dispatching scheduled messages (issue 4)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp


def follow_ups_plan_for_departure(*, case: DepartureCase, actor: User | None, now: datetime) -> list[FollowUp]:
    """Plan the thank-you, survey, check-ins, win-back and staff reminders of a departed case.

    Called inside the transaction that marks the case departed.
    """
    return []


def follow_ups_cancel_pending(*, client: Client, reason: str, actor: User | None, now: datetime) -> int:
    """Cancel every pending client-facing follow-up of a client; returns how many."""
    return 0
