from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.models.signals import post_migrate


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = "Departure cases"

    def ready(self) -> None:
        from offboarding import checks  # noqa: F401 (registers the deployment checks)
        from offboarding.page_cache import install_triggers
        from offboarding.request_context import forget_request_id

        # After every migrate (and every test flush): new tables get the data version's trigger too.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="offboarding.page_cache.install_triggers")
        # Logging context only: a request's id is dropped once its answer has gone out.
        request_finished.connect(forget_request_id, dispatch_uid="offboarding.request_context.forget_request_id")
