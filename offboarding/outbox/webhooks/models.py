"""Webhooks: endpoints managers register, the events services record, and one delivery per event and endpoint.

A delivery is an outbox row like a follow-up, written in the transaction of the change:

scheduled --claim--> sending --2xx--> delivered
sending --no answer, or any other status, attempts < max--> retry_wait (backoff + jitter)
sending --attempts >= max, or an address refused at delivery time--> failed (a manager can send it again)
sending --lease expired (worker died)--> retry_wait, same webhook-id
scheduled/retry_wait/sending --client erased--> cancelled

Its unique (event, endpoint) is the idempotency key: an event reaches an endpoint once, and every
attempt carries the event's id as `webhook-id`, so a receiver drops an attempt it already took.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.validators import validate_no_bidi_controls
from offboarding.outbox.webhooks.addresses import validate_webhook_url


class EventType(models.TextChoices):
    CASE_OPENED = "case.opened", _("A client gave notice (a departure case was opened)")
    CASE_SAVED = "case.saved", _("A case was saved (the client accepted an offer)")
    CASE_DEPARTED = "case.departed", _("A client left (the case was marked departed)")
    CASE_WON_BACK = "case.won_back", _("A former client came back")
    CASE_RELAPSED = "case.relapsed", _("A saved client gave notice again inside the watch period (the save relapsed)")
    SURVEY_ANSWERED = "survey.answered", _("An exit survey was answered")
    FOLLOW_UP_FAILED = "follow_up.failed", _("A follow-up email failed for good")


# What a chat channel is told about: new departures (above the endpoint's threshold) and failed follow-ups.
CHAT_EVENTS = (EventType.CASE_OPENED, EventType.FOLLOW_UP_FAILED)


class WebhookEndpoint(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("Signed JSON (Standard Webhooks)")
        SLACK = "slack", _("Slack incoming webhook")
        TEAMS = "teams", _("Microsoft Teams incoming webhook")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STANDARD)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    description = models.CharField(_("description"), max_length=200, blank=True, validators=[validate_no_bidi_controls])
    events = models.JSONField(_("events"), default=list)
    value_threshold = models.DecimalField(
        _("only departures worth at least"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Monthly value in the business currency; empty for every departure (chat endpoints)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url", "id"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def is_chat(self) -> bool:
        return self.kind in (self.Kind.SLACK, self.Kind.TEAMS)

    def clean(self) -> None:
        events = self.events if isinstance(self.events, list) else None
        if not events or not all(isinstance(event, str) for event in events):
            raise ValidationError({"events": _("Choose at least one event.")})
        allowed = CHAT_EVENTS if self.is_chat else EventType.values
        unknown = [event for event in events if event not in allowed]
        if unknown:
            raise ValidationError(
                {"events": _("This kind of endpoint cannot receive: %(events)s.") % {"events": ", ".join(unknown)}}
            )


class WebhookSecret(models.Model):
    """A signing secret of an endpoint (`whsec_` and base64, as the Standard Webhooks specification has it).

    Kept as it is: signing needs the secret itself, as the receiver's check does. After a rotation
    the old secret signs beside the new one until `expires_at`, so the receiver can switch over.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"secret of endpoint {self.endpoint_id} from {self.created_at:%Y-%m-%d}"


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEvent(models.Model):
    """Something that happened, as receivers are told it; written by the service that made it happen."""

    event_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    type = models.CharField(max_length=30, choices=EventType.choices)
    # The client it is about (none for an anonymous survey answer), so an erasure finds and empties it.
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_events")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        RETRY_WAIT = "retry_wait", _("Waiting to retry")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    PENDING_STATUSES = (Status.SCHEDULED, Status.RETRY_WAIT)

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["scheduled", "retry_wait"]),
            ),
            models.Index(
                fields=["lease_expires_at"], name="webhook_delivery_lease", condition=models.Q(status="sending")
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to endpoint {self.endpoint_id} ({self.status})"

    @property
    def can_be_sent_again(self) -> bool:
        """A manager may send a failed delivery again, or a delivered one the receiver lost."""
        return self.status in (self.Status.FAILED, self.Status.DELIVERED)
