"""Demo departure cases for `manage.py seed_demo` (filled in by the cases feature)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User

from clients.models import Client


def seed_cases(users: dict[str, User], clients: list[Client], today: date) -> int:
    return 0
