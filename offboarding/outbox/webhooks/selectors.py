"""Reads for the managers' webhook pages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from offboarding.outbox.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret


def endpoints_with_counts() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with how many of its deliveries failed and how many wait, in one query."""
    return WebhookEndpoint.objects.annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status__in=WebhookDelivery.PENDING_STATUSES)),
    ).order_by("url", "id")


def deliveries_of(endpoint: WebhookEndpoint, *, status: str = "") -> QuerySet[WebhookDelivery]:
    deliveries = endpoint.deliveries.select_related("event").defer("event__payload")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def secrets_in_use(endpoint: WebhookEndpoint, *, now: datetime) -> list[WebhookSecret]:
    """The current secret first, then any old one still within its overlap period."""
    return [secret for secret in endpoint.secrets.all() if secret.expires_at is None or secret.expires_at > now]
