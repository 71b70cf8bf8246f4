"""Demo follow-ups for `manage.py seed_demo` (filled in by the outbox feature)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User


def seed_follow_ups(users: dict[str, User], today: date) -> int:
    return 0
