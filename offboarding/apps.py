from __future__ import annotations

from django.apps import AppConfig


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = "Departure cases"
