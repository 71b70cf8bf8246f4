"""Managers' writes on webhook endpoints: register, change, rotate the secret, send a delivery again."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from offboarding.outbox.nudge import WEBHOOKS_TASK, nudge_dispatcher_on_commit
from offboarding.outbox.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret
from offboarding.outbox.webhooks.signing import new_secret


def _validated_save(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.full_clean(exclude=["created_by"])
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_create(
    *,
    created_by: User,
    kind: str,
    url: str,
    events: list[str],
    description: str = "",
    value_threshold: Decimal | None = None,
    is_active: bool = True,
    now: datetime,
) -> WebhookEndpoint:
    """A new endpoint with its first signing secret; its address is checked (addresses.py) before it is kept."""
    endpoint = WebhookEndpoint(
        created_by=created_by,
        kind=kind,
        url=url,
        events=list(events),
        description=description,
        value_threshold=value_threshold,
        is_active=is_active,
    )
    _validated_save(endpoint)
    WebhookSecret.objects.create(endpoint=endpoint, secret=new_secret(), created_at=now)
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    kind: str,
    url: str,
    events: list[str],
    description: str = "",
    value_threshold: Decimal | None = None,
    is_active: bool = True,
) -> WebhookEndpoint:
    """Change an endpoint; a changed address is checked again. Deliveries already written keep going to it."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.kind, endpoint.url, endpoint.events = kind, url, list(events)
    endpoint.description, endpoint.value_threshold, endpoint.is_active = description, value_threshold, is_active
    return _validated_save(endpoint)


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, now: datetime) -> WebhookSecret:
    """A new signing secret; the ones in use keep signing beside it for WEBHOOK_SECRET_OVERLAP_HOURS.

    Within that overlap every delivery carries both signatures, so the receiver can change its
    secret at any moment of it without refusing one delivery.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    overlap_ends = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=overlap_ends)).update(expires_at=overlap_ends)
    endpoint.secrets.filter(expires_at__lte=now).delete()
    return WebhookSecret.objects.create(endpoint=endpoint, secret=new_secret(), created_at=now)


@transaction.atomic
def webhook_delivery_send_again(*, delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    """Queue a failed (or delivered) delivery again: a fresh set of attempts, the same webhook-id."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if not delivery.can_be_sent_again:
        raise ValidationError(
            _("Only a failed or delivered webhook can be sent again; this one is %(status)s.")
            % {"status": delivery.get_status_display().lower()}
        )
    delivery.status = WebhookDelivery.Status.SCHEDULED
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    nudge_dispatcher_on_commit(WEBHOOKS_TASK)
    return delivery
