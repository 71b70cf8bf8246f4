"""The after-commit nudge to the dispatcher: a hung Redis costs the request at most the nudge's bound.

A refused connection fails at once; a Redis that accepts the connection and then
answers nothing (paused with SIGSTOP) is what a bound must be proved against.
"""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery import Celery
from django.conf import settings
from django.test import Client as BrowserClient
from django.utils import timezone

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp
from offboarding.outbox import nudge
from offboarding.tests.factories import DepartureCaseFactory, ready_to_depart
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    DisposableRedis,
    always_open,
    disposable_redis,
    former_client,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("always_open")]
# Room for the machine's load on top of the bound; far below the 5 s the socket timeout used to allow.
SLACK_SECONDS = 0.4


@pytest.fixture
def hung_redis(disposable_redis: DisposableRedis, monkeypatch: pytest.MonkeyPatch) -> Iterator[DisposableRedis]:
    """The web app's broker is a Redis of our own, paused: it accepts connections and answers nothing."""
    monkeypatch.setenv("CELERY_BROKER_URL", disposable_redis.url)  # Celery prefers it over the settings
    web_app = Celery("offboarding")
    web_app.config_from_object("django.conf:settings", namespace="CELERY")
    monkeypatch.setattr(nudge, "app", web_app)
    assert disposable_redis.process is not None
    os.kill(disposable_redis.process.pid, signal.SIGSTOP)
    try:
        yield disposable_redis
    finally:
        os.kill(disposable_redis.process.pid, signal.SIGCONT)


def _seconds(action: Callable[[], Any]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def test_a_hung_redis_makes_the_nudge_give_up_within_its_bound(
    hung_redis: DisposableRedis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="offboarding.outbox.nudge"):
        elapsed = _seconds(nudge.publish_dispatch_nudge)
    assert elapsed < settings.FOLLOW_UP_NUDGE_TIMEOUT_SECONDS + SLACK_SECONDS
    assert "Could not nudge the follow-up dispatcher" in caplog.text


@pytest.mark.django_db(transaction=True)  # the nudge runs after commit, inside the request, as in production
def test_marking_a_case_departed_with_redis_hung_answers_within_the_bound_and_plans_the_mail(
    hung_redis: DisposableRedis,
    former_client: Client,
    am_client: BrowserClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    today = timezone.localdate()
    case = DepartureCaseFactory.create(
        client=former_client,
        notice_received_on=today - timedelta(days=20),
        planned_leave_date=today - timedelta(days=1),
    )
    ready_to_depart(case)  # the leave date has passed: the thank-you is due at once, so the request nudges

    with caplog.at_level(logging.WARNING, logger="offboarding.outbox.nudge"):
        elapsed = _seconds(lambda: am_client.post(f"/cases/{case.pk}/depart/"))

    assert "Could not nudge the follow-up dispatcher" in caplog.text
    assert elapsed < settings.FOLLOW_UP_NUDGE_TIMEOUT_SECONDS + 1.0
    case.refresh_from_db()
    assert case.status == DepartureCase.Status.DEPARTED
    assert FollowUp.objects.get(case=case, kind=FollowUp.Kind.THANK_YOU).status == FollowUp.Status.SCHEDULED
