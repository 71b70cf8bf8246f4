"""Recording what happened for the webhook endpoints: called by the services that make it happen.

Each function writes the event and one delivery per endpoint that wants it, in the caller's
transaction: the event exists exactly when the change does. After commit a worker is nudged; if
the broker is down the beat's next dispatch delivers it. No Django signal carries an event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from clients.formatting import display_name
from clients.models import Client
from offboarding.models.cases import DepartureCase
from offboarding.outbox.models import FollowUp
from offboarding.outbox.nudge import WEBHOOKS_TASK, nudge_dispatcher_on_commit
from offboarding.outbox.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def webhook_event_record(
    *,
    event_type: str,
    client: Client | None,
    payload: dict[str, Any],
    now: datetime,
    wanted: Callable[[WebhookEndpoint], bool] = lambda endpoint: True,
) -> WebhookEvent | None:
    """The event and its deliveries, to every active endpoint subscribed to it (and wanting it); None if none is."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if event_type in endpoint.events and wanted(endpoint)
    ]
    if not endpoints:
        return None
    event = WebhookEvent.objects.create(type=event_type, client=client, payload=payload, created_at=now)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now) for endpoint in endpoints
    )
    nudge_dispatcher_on_commit(WEBHOOKS_TASK)
    return event


def _client_part(client: Client) -> dict[str, Any]:
    return {"id": client.pk, "company_name": client.company_name, "url": _site_url(client.get_absolute_url())}


def case_payload(case: DepartureCase) -> dict[str, Any]:
    """What every case event says: the case, its client and their account manager."""
    manager = case.account_manager
    return {
        "case": {
            "id": case.pk,
            "status": case.status,
            "notice_received_on": case.notice_received_on.isoformat(),
            "planned_leave_date": case.planned_leave_date.isoformat(),
            "departed_on": case.departed_on.isoformat() if case.departed_on else None,
            "saved_on": case.saved_on.isoformat() if case.saved_on else None,
            "won_back_on": case.won_back_on.isoformat() if case.won_back_on else None,
            "how_heard": case.how_heard,
            "segment": case.segment,
            "monthly_value": str(case.monthly_value),
            "currency": case.currency,
            # "partial": the client drops a part worth value_leaving a month and stays.
            "scope": case.scope,
            "value_leaving": None if case.value_leaving is None else str(case.value_leaving),
            "url": _site_url(case.get_absolute_url()),
            "api_url": _site_url(reverse("api:case-detail", args=[case.pk])),
        },
        "client": _client_part(case.client),
        "account_manager": {"id": manager.pk, "name": display_name(manager)},
    }


def departure_worth_an_alert(endpoint: WebhookEndpoint, case: DepartureCase) -> bool:
    """Whether a chat endpoint is told of this new departure: at or above its threshold.

    The threshold is in the business currency. A case in another currency is compared only when it
    is in that currency too; otherwise it is sent, since no rate is kept to convert it and a
    message too many is better than a large departure missed.
    """
    if not endpoint.is_chat or endpoint.value_threshold is None:
        return True
    if case.currency != settings.BUSINESS_CURRENCY:
        return True
    return case.monthly_value >= endpoint.value_threshold


def webhook_case_event(*, case: DepartureCase, event_type: EventType, now: datetime) -> None:
    """A case was opened, saved, marked departed or won back."""

    def wanted(endpoint: WebhookEndpoint) -> bool:
        return event_type != EventType.CASE_OPENED or departure_worth_an_alert(endpoint, case)

    webhook_event_record(event_type=event_type, client=case.client, payload=case_payload(case), now=now, wanted=wanted)


def webhook_case_relapsed(*, saved: DepartureCase, relapse: DepartureCase, now: datetime) -> None:
    """A saved client gave notice again inside the watch period: the saved case, and the new one it led to."""
    payload = case_payload(saved)
    payload["case"]["relapsed_on"] = saved.relapsed_on.isoformat() if saved.relapsed_on else None
    payload["case"]["days_kept"] = saved.days_kept
    payload["relapse"] = {
        "id": relapse.pk,
        "notice_received_on": relapse.notice_received_on.isoformat(),
        "url": _site_url(relapse.get_absolute_url()),
        "api_url": _site_url(reverse("api:case-detail", args=[relapse.pk])),
    }
    webhook_event_record(event_type=EventType.CASE_RELAPSED, client=saved.client, payload=payload, now=now)


def webhook_follow_up_failed(*, follow_up: FollowUp, now: datetime) -> None:
    """A follow-up was given up on: the dispatcher will not try it again unless a manager retries it."""
    payload: dict[str, Any] = {
        "follow_up": {
            "id": follow_up.pk,
            "kind": follow_up.kind,
            "kind_label": str(follow_up.get_kind_display()),
            "due_at": follow_up.due_at.isoformat(),
            "attempts": follow_up.attempts,
            "last_error": follow_up.last_error[:500],
            "url": _site_url(reverse("outbox:detail", args=[follow_up.pk])),
        },
        "client": _client_part(follow_up.client) if follow_up.client else None,
        "case": {"id": follow_up.case_id} if follow_up.case_id else None,
    }
    webhook_event_record(event_type=EventType.FOLLOW_UP_FAILED, client=follow_up.client, payload=payload, now=now)


def webhook_deliveries_forget_client(*, client: Client, now: datetime) -> int:
    """Before a client is erased: nothing more about them leaves, not even what is being sent at this moment.

    The erasure then empties the events' payloads (they hang from the client). A dispatcher in the
    middle of a delivery writes its outcome only to a row still `sending`, so it writes nothing here.
    """
    pending = (*WebhookDelivery.PENDING_STATUSES, WebhookDelivery.Status.SENDING)
    return int(
        WebhookDelivery.objects.filter(event__client=client, status__in=pending).update(
            status=WebhookDelivery.Status.CANCELLED,
            lease_expires_at=None,
            last_error=gettext("The client's personal data was erased."),
            updated_at=now,
        )
    )
