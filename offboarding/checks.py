"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache_check(**kwargs: Any) -> list[CheckMessage]:
    """gunicorn runs several processes per node: a cache kept in each process is not shared by them."""
    if settings.CACHE_URL:
        return []
    return [
        Warning(
            "CACHE_URL is not set: each web process keeps its own cache, so whatever is counted or cached "
            "(throttles among them) differs from one request to the next.",
            hint="Set CACHE_URL to a Redis database shared by every web process and node (README, Running in "
            "production).",
            id="offboarding.W001",
        )
    ]
