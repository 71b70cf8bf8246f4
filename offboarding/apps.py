from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = "Departure cases"

    def ready(self) -> None:
        from offboarding.page_cache import install_triggers

        # After every migrate (and every test flush): new tables get the data version's trigger too.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="offboarding.page_cache.install_triggers")
