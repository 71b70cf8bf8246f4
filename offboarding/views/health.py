"""/healthz for load balancers and uptime checks: one line per part, 503 when a required part fails.

Required: the database, and the shared cache when CACHE_URL is set (the web
nodes keep what they share there). Reported only: the broker, since web
requests never depend on it (mail waits in the outbox until it is back), and
whether the dispatcher has finished a run lately (a stopped worker is no reason
to take web nodes out of service; alert on it from this line or /metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from offboarding.models import DispatcherRun

# A hung Redis must not hang the health check (nor the load balancer's view of every node).
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class PartHealth:
    name: str
    state: str  # "ok", "failing", or a word that is neither good nor bad ("stale", "not configured")
    detail: str = ""
    required: bool = False

    @property
    def fails_the_check(self) -> bool:
        return self.required and self.state != "ok"

    def line(self) -> str:
        return f"{self.name}: {self.state}" + (f" ({self.detail})" if self.detail else "")


def _database() -> PartHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return PartHealth("database", "failing", exc.__class__.__name__, required=True)
    return PartHealth("database", "ok", required=True)


def _redis(name: str, url: str, *, required: bool) -> PartHealth:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return PartHealth(name, "failing", exc.__class__.__name__, required=required)
    finally:
        client.close()
    return PartHealth(name, "ok", required=required)


def _cache() -> PartHealth:
    if not settings.CACHE_URL:
        return PartHealth("cache", "not configured", "each process keeps its own")
    return _redis("cache", settings.CACHE_URL, required=True)


def _broker() -> PartHealth:
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return PartHealth("broker", "not Redis", settings.CELERY_BROKER_URL.split(":", 1)[0])
    return _redis("broker", settings.CELERY_BROKER_URL, required=False)


def _dispatcher() -> PartHealth:
    try:
        finished_at = (
            DispatcherRun.objects.filter(name=DispatcherRun.FOLLOW_UPS).values_list("finished_at", flat=True).first()
        )
    except DatabaseError:
        return PartHealth("dispatcher", "unknown", "the database is failing")
    if finished_at is None:
        return PartHealth("dispatcher", "never ran")
    age = timezone.now() - finished_at
    detail = f"last run {age.total_seconds():.0f} s ago"
    stale = age > timedelta(seconds=settings.DISPATCHER_STALE_AFTER_SECONDS)
    return PartHealth("dispatcher", "stale" if stale else "ok", detail)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    parts = [_database(), _cache(), _broker(), _dispatcher()]
    status = 503 if any(part.fails_the_check for part in parts) else 200
    body = "".join(f"{part.line()}\n" for part in parts)
    return HttpResponse(body, status=status, content_type="text/plain")
