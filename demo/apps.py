from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` and the benchmarks, made through the product's own services.

    The top of the layering (clients <- offboarding <- feedback <- demo): it may use every app,
    and no product app imports it.
    """

    name = "demo"
    verbose_name = "Demo data"
