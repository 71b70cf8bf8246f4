"""Delivering webhooks: claim, sign, post, record the outcome. Safe with any number of dispatchers.

The same discipline as the follow-ups (offboarding/outbox/dispatch.py): a claim moves due rows to
`sending` under `FOR UPDATE SKIP LOCKED` with a lease; the attempt number taken with the claim is
the compare-and-set token of the outcome, so a dispatcher whose lease ran out cannot overwrite a
newer attempt's outcome; a row a dead dispatcher left in `sending` goes again when its lease runs
out. An event reaches an endpoint through one row (unique per event and endpoint), every attempt
with the event's id as `webhook-id`.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from offboarding.models import DispatcherRun
from offboarding.outbox.dispatch import backoff_with_jitter
from offboarding.outbox.webhooks.addresses import AddressRefused, CheckedAddress, HostNotFound, checked_address
from offboarding.outbox.webhooks.chat import chat_message
from offboarding.outbox.webhooks.models import WebhookDelivery
from offboarding.outbox.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status
USER_AGENT = "Offboarding-Webhooks/1"


@dataclass
class WebhookReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


class DeliveryFailed(Exception):
    """The receiver did not take the event this time; `status` is its HTTP status, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def event_body(delivery: WebhookDelivery) -> bytes:
    """What is posted: the same bytes on every attempt."""
    event = delivery.event
    if delivery.endpoint.is_chat:
        document = chat_message(delivery.endpoint, event)
    else:
        document = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def signing_secrets(delivery: WebhookDelivery, now: datetime) -> list[str]:
    """The endpoint's current secret first, then any older one still within its overlap period."""
    secrets = sorted(delivery.endpoint.secrets.all(), key=lambda secret: secret.created_at, reverse=True)
    return [secret.secret for secret in secrets if secret.expires_at is None or secret.expires_at > now]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever a new lookup of the host says."""

    def __init__(self, address: CheckedAddress, timeout: float) -> None:
        super().__init__(address.host, address.port, timeout=timeout)
        self.checked_ip = address.ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self.checked_ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, address: CheckedAddress, timeout: float) -> None:
        super().__init__(address.host, address.port, timeout=timeout, context=ssl.create_default_context())
        self.checked_ip = address.ip

    def connect(self) -> None:
        sock = socket.create_connection((self.checked_ip, self.port), self.timeout)
        # The certificate is checked against the host in the URL.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(address: CheckedAddress, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the HTTP status on a 2xx, DeliveryFailed otherwise. Redirects are not followed."""
    connection_class = _PinnedHTTPSConnection if address.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request("POST", address.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(2000).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"HTTP {response.status}: {answer[:500]}", status=response.status)
    return response.status


def webhook_deliveries_recover_expired_leases(*, now: datetime) -> int:
    """Rows a dead dispatcher left `sending`: back to retry_wait, or failed when their attempts are spent."""
    expired = WebhookDelivery.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    failed = expired.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS).update(
        status=Status.FAILED, lease_expires_at=None, last_error="The sender stopped before finishing, too many times."
    )
    recovered = expired.update(
        status=Status.RETRY_WAIT,
        next_attempt_at=now,
        lease_expires_at=None,
        last_error="The sender stopped before finishing (lease expired); sending again.",
    )
    return int(failed + recovered)


@transaction.atomic
def webhook_deliveries_claim(*, now: datetime, limit: int) -> list[WebhookDelivery]:
    due = (
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(status__in=WebhookDelivery.PENDING_STATUSES, next_attempt_at__lte=now, endpoint__is_active=True)
        .order_by("next_attempt_at", "id")
    )
    ids = list(due.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    lease = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=lease, updated_at=now
    )
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("event", "endpoint")
        .prefetch_related("endpoint__secrets")
        .order_by("next_attempt_at", "id")
    )


def _record_outcome(delivery: WebhookDelivery, status: str, **changes: object) -> bool:
    """Compare-and-set: only the dispatcher holding this attempt may write its outcome."""
    updated = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts).update(
        status=status, lease_expires_at=None, updated_at=timezone.now(), **changes
    )
    if not updated:
        logger.warning("Webhook delivery %s was taken over before its outcome %s was recorded", delivery.pk, status)
    return bool(updated)


def _record_failure(delivery: WebhookDelivery, error: Exception, *, permanent: bool = False) -> str:
    message = str(error)[:2000]
    response_status = getattr(error, "status", None)
    if permanent or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _record_outcome(delivery, Status.FAILED, last_error=message, response_status=response_status)
        logger.error("Webhook delivery %s failed for good: %s", delivery.pk, message)
        return Status.FAILED
    delay = backoff_with_jitter(
        delivery.attempts,
        base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
        max_seconds=settings.WEBHOOK_RETRY_MAX_SECONDS,
    )
    _record_outcome(
        delivery,
        Status.RETRY_WAIT,
        last_error=message,
        response_status=response_status,
        next_attempt_at=timezone.now() + delay,
    )
    return Status.RETRY_WAIT


def webhook_deliver(delivery: WebhookDelivery) -> str:
    """One attempt of one delivery; returns the status it ended in."""
    try:
        address = checked_address(delivery.endpoint.url)
    except HostNotFound as failure:
        return _record_failure(delivery, failure)  # a lookup can fail for a while: try again later
    except AddressRefused as refusal:
        return _record_failure(delivery, refusal, permanent=True)
    now = timezone.now()
    body = event_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(
            signing_secrets(delivery, now),
            webhook_id=delivery.event.event_id,
            timestamp=int(now.timestamp()),
            body=body,
        ),
    }
    try:
        status = post(address, body, headers)
    except DeliveryFailed as failure:
        return _record_failure(delivery, failure)
    _record_outcome(delivery, Status.DELIVERED, response_status=status, delivered_at=timezone.now(), last_error="")
    return Status.DELIVERED


def webhook_deliveries_dispatch_batch(*, now: datetime | None = None, limit: int | None = None) -> WebhookReport:
    now = now or timezone.now()
    webhook_deliveries_recover_expired_leases(now=now)
    claimed = webhook_deliveries_claim(now=now, limit=limit or settings.WEBHOOK_DISPATCH_BATCH)
    report = WebhookReport(claimed=len(claimed))
    for delivery in claimed:
        report.count(webhook_deliver(delivery))
    return report


def webhook_deliveries_dispatch(*, time_budget: float = 200.0) -> int:
    """Deliver batches until nothing is due or the time budget (below the task time limit) is spent."""
    started = timezone.now()
    delivered = 0
    while (timezone.now() - started).total_seconds() < time_budget:
        report = webhook_deliveries_dispatch_batch()
        delivered += report.outcomes.get(Status.DELIVERED, 0)
        if not report.claimed:
            break
    DispatcherRun.objects.bulk_create(
        [DispatcherRun(name=DispatcherRun.WEBHOOKS, finished_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["finished_at"],
    )
    return delivered
