"""Webhooks reach a real receiver on loopback: signed as the Standard Webhooks specification says, once, retried.

The receiver checks each signature with its own implementation of the specification (verify below,
the few lines the README shows), not with the sender's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from clients.tests.factories import ClientFactory
from offboarding.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.webhooks.delivery import webhook_deliveries_dispatch_batch
from offboarding.outbox.webhooks.services import webhook_endpoint_create, webhook_secret_rotate
from offboarding.services.cases import case_open
from offboarding.tests.factories import DepartureCaseFactory, FollowUpFactory
from offboarding.tests.webhook_receiver import webhook_receiver

TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> dict[str, Any]:
    """A receiver's check, written from the specification: id, timestamp and body, HMAC-SHA256, base64."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidSignature("too old or from the future")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.{body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise InvalidSignature("no signature matches")


def _endpoint(manager: User, url: str, events: list[str] | None = None, **fields: Any) -> WebhookEndpoint:
    return webhook_endpoint_create(
        created_by=manager, kind="standard", url=url, events=events or ["case.opened"], now=timezone.now(), **fields
    )


def _secret(endpoint: WebhookEndpoint) -> str:
    return endpoint.secrets.get(expires_at__isnull=True).secret


@pytest.mark.django_db
def test_a_new_departure_reaches_the_receiver_signed_as_the_specification_says(
    manager: User, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        endpoint = _endpoint(manager, receiver.url)
        case = DepartureCaseFactory.create(client__account_manager=account_manager, client__company_name="Alder Ltd")

        report = webhook_deliveries_dispatch_batch()

    assert report.outcomes == {"delivered": 1}
    [request] = receiver.received
    assert request.path == "/hooks/offboarding"
    assert request.headers["content-type"] == "application/json"
    event = verify(_secret(endpoint), request.headers, request.body)
    assert event["type"] == "case.opened"
    assert event["data"]["case"]["id"] == case.pk
    assert event["data"]["client"]["company_name"] == "Alder Ltd"
    assert event["data"]["account_manager"]["name"] == "Amelia Hart"
    assert request.headers["webhook-id"] == WebhookEvent.objects.get().event_id
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


@pytest.mark.django_db
def test_a_tampered_body_fails_the_receivers_check(manager: User, account_manager: User) -> None:
    with webhook_receiver() as receiver:
        endpoint = _endpoint(manager, receiver.url)
        DepartureCaseFactory.create(client__account_manager=account_manager)
        webhook_deliveries_dispatch_batch()

    [request] = receiver.received
    with pytest.raises(InvalidSignature):
        verify(_secret(endpoint), request.headers, request.body.replace(b"Amelia", b"Amelie"))
    with pytest.raises(InvalidSignature):
        verify(_secret(endpoint), request.headers, request.body, now=time.time() + 3600)


@pytest.mark.django_db
def test_a_receiver_that_answers_500_gets_the_event_again_later_with_the_same_id(
    manager: User, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        endpoint = _endpoint(manager, receiver.url)
        receiver.answers = [500]
        DepartureCaseFactory.create(client__account_manager=account_manager)

        first = webhook_deliveries_dispatch_batch()
        delivery = WebhookDelivery.objects.get()
        assert first.outcomes == {"retry_wait": 1}
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("retry_wait", 1, 500)
        assert "HTTP 500: receiver trouble" in delivery.last_error
        assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)
        assert webhook_deliveries_dispatch_batch().claimed == 0  # not before its time

        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
            second = webhook_deliveries_dispatch_batch(now=timezone.now())

    assert second.outcomes == {"delivered": 1}
    assert len(receiver.received) == 2
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    for request in receiver.received:
        verify(_secret(endpoint), request.headers, request.body, now=int(request.headers["webhook-timestamp"]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 2, 200)


@pytest.mark.django_db
def test_a_delivery_that_keeps_failing_ends_failed_and_a_manager_sends_it_again(
    settings: Any, manager: User, manager_client: Any, account_manager: User
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with webhook_receiver() as receiver:
        endpoint = _endpoint(manager, receiver.url)
        receiver.answers = [503, 503]
        DepartureCaseFactory.create(client__account_manager=account_manager)
        webhook_deliveries_dispatch_batch()
        delivery = WebhookDelivery.objects.get()
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
            webhook_deliveries_dispatch_batch(now=timezone.now())
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 2, 503)
        page = manager_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
        assert "Failed" in page
        assert "503" in page
        assert "Send again" in page

        manager_client.post(f"/webhooks/deliveries/{delivery.pk}/send-again/")
        webhook_deliveries_dispatch_batch()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.received) == 3


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_deliver_every_event_exactly_once(manager: User, account_manager: User) -> None:
    with webhook_receiver() as receiver:
        _endpoint(manager, receiver.url)
        receiver.delay = 0.05
        for number in range(8):
            client = ClientFactory.create(account_manager=account_manager, contact_email=f"c{number}@x.example")
            case_open(
                client=client,
                opened_by=account_manager,
                notice_received_on=timezone.localdate(),
                planned_leave_date=timezone.localdate() + timedelta(days=30),
                how_heard="email",
            )
        start = threading.Barrier(2)

        def dispatcher() -> None:
            try:
                start.wait()
                while webhook_deliveries_dispatch_batch(limit=2).claimed:
                    pass
            finally:
                connection.close()

        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 8
    assert len(set(ids)) == 8
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_sign_and_afterwards_only_the_new_one(
    settings: Any, manager: User, account_manager: User
) -> None:
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    with webhook_receiver() as receiver:
        endpoint = _endpoint(manager, receiver.url, events=["case.opened", "case.saved"])
        old = _secret(endpoint)
        new = webhook_secret_rotate(endpoint=endpoint, now=timezone.now()).secret
        DepartureCaseFactory.create(client__account_manager=account_manager)
        webhook_deliveries_dispatch_batch()
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            DepartureCaseFactory.create(client__account_manager=account_manager)
            webhook_deliveries_dispatch_batch(now=timezone.now())

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, during.headers, during.body) == verify(new, during.headers, during.body)
    now = int(after.headers["webhook-timestamp"])
    verify(new, after.headers, after.body, now=now)
    with pytest.raises(InvalidSignature):
        verify(old, after.headers, after.body, now=now)


@pytest.mark.django_db
def test_an_endpoint_gets_only_the_events_it_chose_and_a_paused_one_none(manager: User, account_manager: User) -> None:
    with webhook_receiver() as receiver:
        _endpoint(manager, receiver.url, events=["case.departed"])
        _endpoint(manager, receiver.url + "/paused", is_active=False)
        DepartureCaseFactory.create(client__account_manager=account_manager)
        webhook_deliveries_dispatch_batch()

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_follow_up_given_up_on_is_announced(manager: User, account_manager: User) -> None:
    with webhook_receiver() as receiver, time_machine.travel("2026-12-07 10:00 +00:00", tick=False):  # a Monday
        endpoint = _endpoint(manager, receiver.url, events=["follow_up.failed"])
        client = ClientFactory.create(account_manager=account_manager, company_name="Birch Legal")
        # An address a mail server cannot deliver to fails for good at once, without an SMTP server.
        follow_up = FollowUpFactory.create(client=client, kind="thank_you", recipient_email="chloé@birch.example")
        follow_ups_dispatch_batch()
        webhook_deliveries_dispatch_batch()

    follow_up.refresh_from_db()
    assert follow_up.status == "failed"
    [request] = receiver.received
    event = verify(_secret(endpoint), request.headers, request.body, now=int(request.headers["webhook-timestamp"]))
    assert event["type"] == "follow_up.failed"
    assert event["data"]["follow_up"]["id"] == follow_up.pk
    assert event["data"]["client"]["company_name"] == "Birch Legal"
    assert "Mail servers cannot deliver" in event["data"]["follow_up"]["last_error"]
