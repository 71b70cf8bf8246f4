from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        from feedback.aggregates import SqliteMedian

        connection.connection.create_aggregate("MEDIAN", 1, SqliteMedian)


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback and dashboard"

    def ready(self) -> None:
        # Database plumbing, not business logic: give SQLite the median the dashboard needs.
        connection_created.connect(_register_sqlite_median, dispatch_uid="feedback-sqlite-median")
