from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client as BrowserClient
from django.utils import timezone

from offboarding.outbox.dispatch import follow_ups_dispatch


def lines(response: Any) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in response.content.decode().splitlines())


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A port that accepts connections and never answers, as a Redis stuck on a full disk would."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture
def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


@pytest.mark.django_db
def test_healthz_answers_200_without_signing_in_and_names_each_part(client: BrowserClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert lines(response) == {
        "database": "ok",
        "cache": "not configured (each process keeps its own)",
        "broker": "ok",
        "dispatcher": "never ran",
    }


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_fails(client: BrowserClient) -> None:
    with mock.patch("offboarding.views.health.connection.cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.startswith(b"database: failing")


@pytest.mark.django_db
def test_a_broker_that_is_down_is_reported_but_keeps_the_node_in_service(
    client: BrowserClient, settings: Any, closed_port: str
) -> None:
    settings.CELERY_BROKER_URL = closed_port
    response = client.get("/healthz")
    assert response.status_code == 200
    assert lines(response)["broker"] == "failing (ConnectionError)"


@pytest.mark.django_db
def test_a_hung_shared_cache_fails_the_check_within_a_second(
    client: BrowserClient, settings: Any, hung_redis: str
) -> None:
    settings.CACHE_URL = hung_redis
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert lines(response)["cache"] == "failing (TimeoutError)"


@pytest.mark.django_db
def test_healthz_tells_whether_the_dispatcher_has_run_lately(client: BrowserClient, settings: Any) -> None:
    follow_ups_dispatch()
    assert lines(client.get("/healthz"))["dispatcher"] in {"ok (last run 0 s ago)", "ok (last run 1 s ago)"}

    later = timezone.now() + timedelta(seconds=settings.DISPATCHER_STALE_AFTER_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert lines(response)["dispatcher"].startswith("stale (last run 66")
