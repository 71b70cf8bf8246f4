"""Prometheus metrics: request counts and latency, and the outbox's state, at /metrics behind a token.

Request figures are counted in each web process; under gunicorn the processes
share them through files in PROMETHEUS_MULTIPROC_DIR (set up by gunicorn.conf.py),
so a scrape of a node, whichever process answers it, sees the whole node. The
outbox figures are read from PostgreSQL at each scrape, in two aggregate
queries, and are the same on every node.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from offboarding.models import DispatcherRun, FollowUp

if TYPE_CHECKING:
    from prometheus_client import Metric

REQUESTS = Counter(
    "offboarding_http_requests", "Web requests answered, by view and status.", ["method", "view", "status"]
)
LATENCY = Histogram(
    "offboarding_http_request_duration_seconds", "Time to answer a web request, by view.", ["method", "view"]
)
FAILURE_STATUSES = (FollowUp.Status.FAILED, FollowUp.Status.RETRY_WAIT)


class RequestMetricsMiddleware:
    """Counts and times every request by its URL name (never by path: ids would explode the series)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        view = (match.view_name or "unnamed") if match is not None else "unresolved"
        LATENCY.labels(request.method, view).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        return response


class OutboxCollector(Collector):
    """The follow-up outbox as it is at the moment of the scrape."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        rows = GaugeMetricFamily(
            "offboarding_outbox_follow_ups", "Follow-ups by status and kind.", labels=["status", "kind"]
        )
        oldest = GaugeMetricFamily(
            "offboarding_outbox_oldest_due_age_seconds",
            "Age of the oldest mail waiting to be sent that is due now (0 when none), by kind. Client mail"
            " waits for business hours, so it grows overnight and at weekends.",
            labels=["kind"],
        )
        failures = GaugeMetricFamily(
            "offboarding_outbox_failures_last_hour",
            "Follow-ups whose last attempt in the past hour failed, by kind and status (failed or retry_wait).",
            labels=["kind", "status"],
        )
        oldest_due: dict[str, float] = dict.fromkeys(FollowUp.MAILED_KINDS, 0.0)
        for group in _outbox_groups(now):
            rows.add_metric([group.status, group.kind], group.rows)
            if group.oldest_due is not None:
                oldest_due[group.kind] = max(oldest_due[group.kind], (now - group.oldest_due).total_seconds())
            if group.status in FAILURE_STATUSES:
                failures.add_metric([group.kind, group.status], group.changed_last_hour)
        for kind, age in oldest_due.items():
            oldest.add_metric([kind], age)
        yield from (rows, oldest, failures, _dispatcher_last_run())


@dataclass(frozen=True)
class OutboxGroup:
    status: str
    kind: str
    rows: int
    oldest_due: datetime | None  # of the mail waiting to be sent and due now
    changed_last_hour: int


def _outbox_groups(now: datetime) -> list[OutboxGroup]:
    """One query: per status and kind, the rows, the oldest due pending one, and those changed in the hour."""
    # Staff reminders are to-dos that stay scheduled until done; only mail waits to be sent.
    pending_and_due = Q(status__in=FollowUp.PENDING_STATUSES, next_attempt_at__lte=now, kind__in=FollowUp.MAILED_KINDS)
    groups = (
        FollowUp.objects.order_by()
        .values("status", "kind")
        .annotate(
            rows=Count("pk"),
            oldest_due=Min("next_attempt_at", filter=pending_and_due),
            changed_last_hour=Count("pk", filter=Q(updated_at__gte=now - timedelta(hours=1))),
        )
    )
    return [OutboxGroup(**group) for group in groups]


def _dispatcher_last_run() -> GaugeMetricFamily:
    last_run = GaugeMetricFamily(
        "offboarding_dispatcher_last_run_timestamp_seconds",
        "When the follow-up dispatcher last finished a run (Unix time; 0 when it never has).",
    )
    finished_at = (
        DispatcherRun.objects.filter(name=DispatcherRun.FOLLOW_UPS).values_list("finished_at", flat=True).first()
    )
    last_run.add_metric([], finished_at.timestamp() if finished_at else 0.0)
    return last_run


def _registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Under gunicorn: add up the figures every process of this node wrote.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessFigures())
    registry.register(OutboxCollector())
    return registry


class _ProcessFigures(Collector):
    """The single process's own figures (development server, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _authorised(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}"
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode())


@login_not_required
@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus: refused without the token, and without any token at all outside development."""
    if not settings.METRICS_TOKEN and not settings.DEBUG:
        return HttpResponse("Metrics are off: set METRICS_TOKEN.\n", status=403, content_type="text/plain")
    if settings.METRICS_TOKEN and not _authorised(request):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
