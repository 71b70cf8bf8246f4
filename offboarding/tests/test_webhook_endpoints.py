"""The managers' webhook pages, and the rule that a webhook never reaches into a private network."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import timezone

from offboarding.models import WebhookDelivery, WebhookEndpoint
from offboarding.outbox.webhooks.delivery import webhook_deliveries_dispatch_batch
from offboarding.outbox.webhooks.services import webhook_endpoint_create
from offboarding.tests.db_snapshot import snapshot
from offboarding.tests.factories import DepartureCaseFactory
from offboarding.tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db

PRIVATE_ADDRESSES = [
    "http://127.0.0.1:8080/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://172.16.5.5/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
]


def _form(url: str, **changes: Any) -> dict[str, Any]:
    data = {"kind": "standard", "url": url, "description": "CRM", "events": ["case.opened"], "is_active": "on"}
    data.update(changes)
    return data


@pytest.mark.parametrize("url", PRIVATE_ADDRESSES)
def test_an_endpoint_inside_a_private_network_is_refused(
    settings: Any, manager_client: BrowserClient, url: str
) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    before = snapshot()

    page = manager_client.post("/webhooks/new/", _form(url))

    assert page.status_code == 400
    assert "which webhooks may not reach" in page.content.decode()
    assert snapshot() == before


def test_an_unknown_host_or_plain_http_to_the_internet_is_refused(manager_client: BrowserClient) -> None:
    unknown = manager_client.post("/webhooks/new/", _form("https://no-such-host.invalid/hook"))
    plain = manager_client.post("/webhooks/new/", _form("http://8.8.8.8/hook"))

    assert "No address was found for no-such-host.invalid" in unknown.content.decode()
    assert "Use https:// for an address on the internet" in plain.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_address_is_checked_again_when_the_webhook_is_delivered(
    settings: Any, manager: User, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        webhook_endpoint_create(
            created_by=manager, kind="standard", url=receiver.url, events=["case.opened"], now=timezone.now()
        )
        DepartureCaseFactory.create(client__account_manager=account_manager)
        settings.WEBHOOK_ALLOWED_NETWORKS = []  # as if the host had moved into a private network since

        report = webhook_deliveries_dispatch_batch()

    assert report.outcomes == {"failed": 1}
    assert receiver.received == []
    assert "which webhooks may not reach" in WebhookDelivery.objects.get().last_error


def test_a_manager_registers_an_endpoint_and_sees_its_secret_and_deliveries(
    manager_client: BrowserClient, account_manager: User
) -> None:
    with webhook_receiver() as receiver:
        response = manager_client.post("/webhooks/new/", _form(receiver.url, events=["case.opened", "case.saved"]))
        endpoint = WebhookEndpoint.objects.get()
        assert response["Location"] == f"/webhooks/{endpoint.pk}/"
        DepartureCaseFactory.create(client__account_manager=account_manager)
        webhook_deliveries_dispatch_batch()

    page = manager_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secrets.get().secret in page
    assert "case.opened" in page
    assert "Delivered" in page
    listing = manager_client.get("/webhooks/").content.decode()
    assert "CRM" in listing


def test_a_chat_endpoint_refuses_events_it_cannot_show(manager_client: BrowserClient) -> None:
    with webhook_receiver() as receiver:
        page = manager_client.post("/webhooks/new/", _form(receiver.url, kind="slack", events=["survey.answered"]))

    assert page.status_code == 400
    assert "This kind of endpoint cannot receive: survey.answered." in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_keeps_the_old_one_until_the_overlap_ends(manager_client: BrowserClient) -> None:
    with webhook_receiver() as receiver:
        manager_client.post("/webhooks/new/", _form(receiver.url))
    endpoint = WebhookEndpoint.objects.get()
    old = endpoint.secrets.get().secret

    manager_client.post(f"/webhooks/{endpoint.pk}/rotate/")

    page = manager_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert old in page
    assert "Previous secret, signing until" in page
    assert endpoint.secrets.filter(expires_at__isnull=True).count() == 1
