"""Signing in: Django's ModelBackend, loading each person's own settings with them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User


class StaffBackend(ModelBackend):
    """Every signed-in request reads the person's language and time zone (offboarding.middleware):
    fetched in the same query as the person, they cost no query of their own."""

    def get_user(self, user_id: Any) -> User | None:
        user = User._default_manager.select_related("staff_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
