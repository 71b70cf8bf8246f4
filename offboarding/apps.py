from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import request_finished


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = "Departure cases"

    def ready(self) -> None:
        from offboarding import checks  # noqa: F401 (registers the deployment checks)
        from offboarding.request_context import forget_request_id

        # Logging context only: a request's id is dropped once its answer has gone out.
        request_finished.connect(forget_request_id, dispatch_uid="offboarding.request_context.forget_request_id")
