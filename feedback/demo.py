"""Demo survey answers and recorded feedback for `manage.py seed_demo` (filled in by the feedback feature)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User


def seed_feedback(users: dict[str, User], today: date) -> int:
    return 0
