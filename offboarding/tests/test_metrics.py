"""/metrics: Prometheus figures of the outbox and of the requests, only for the holder of the token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from offboarding.models import FollowUp
from offboarding.outbox.dispatch import follow_ups_dispatch
from offboarding.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789abcdef"
Status = FollowUp.Status
Kind = FollowUp.Kind


@pytest.fixture
def token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: BrowserClient, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_without_a_token_configured_production_refuses_to_show_metrics(client: BrowserClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content


def test_a_missing_or_wrong_token_is_refused(client: BrowserClient, token: str) -> None:
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_outbox_shows_rows_per_status_and_kind_the_oldest_due_age_and_recent_failures(
    client: BrowserClient, token: str, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    FollowUpFactory.create(kind=Kind.THANK_YOU, due_at=now - timedelta(minutes=10))
    FollowUpFactory.create(kind=Kind.THANK_YOU, due_at=now - timedelta(minutes=2))
    FollowUpFactory.create(kind=Kind.THANK_YOU, due_at=now + timedelta(days=3))
    FollowUpFactory.create(kind=Kind.SURVEY, status=Status.FAILED, attempts=1)
    FollowUpFactory.create(kind=Kind.SURVEY, status=Status.SENT, attempts=1)
    # A to-do for the account manager, never mailed on its own: it stays scheduled until done.
    FollowUpFactory.create(kind=Kind.STAFF_REMINDER, due_at=now - timedelta(days=30))

    with django_assert_max_num_queries(2):
        figures = scrape(client, token)

    rows = "offboarding_outbox_follow_ups"
    assert figures[(rows, (("kind", "thank_you"), ("status", "scheduled")))] == 3
    assert figures[(rows, (("kind", "survey"), ("status", "failed")))] == 1
    assert figures[(rows, (("kind", "survey"), ("status", "sent")))] == 1
    oldest = figures[("offboarding_outbox_oldest_due_age_seconds", (("kind", "thank_you"),))]
    assert 600 <= oldest < 660
    assert figures[("offboarding_outbox_oldest_due_age_seconds", (("kind", "survey"),))] == 0
    assert figures[(rows, (("kind", "staff_reminder"), ("status", "scheduled")))] == 1
    assert ("offboarding_outbox_oldest_due_age_seconds", (("kind", "staff_reminder"),)) not in figures
    assert figures[("offboarding_outbox_failures_last_hour", (("kind", "survey"), ("status", "failed")))] == 1
    assert figures[("offboarding_dispatcher_last_run_timestamp_seconds", ())] == 0


def test_the_outbox_empties_as_the_dispatcher_sends(client: BrowserClient, token: str, settings: Any) -> None:
    settings.FOLLOW_UP_BUSINESS_HOURS, settings.FOLLOW_UP_BUSINESS_WEEKDAYS = (0, 24), (1, 7)
    FollowUpFactory.create(kind=Kind.WIN_BACK, due_at=timezone.now() - timedelta(minutes=5))
    FollowUpFactory.create(kind=Kind.WIN_BACK, due_at=timezone.now() - timedelta(minutes=1))

    follow_ups_dispatch()

    figures = scrape(client, token)
    assert figures[("offboarding_outbox_follow_ups", (("kind", "win_back"), ("status", "sent")))] == 2
    assert ("offboarding_outbox_follow_ups", (("kind", "win_back"), ("status", "scheduled"))) not in figures
    assert figures[("offboarding_outbox_oldest_due_age_seconds", (("kind", "win_back"),))] == 0
    last_run = figures[("offboarding_dispatcher_last_run_timestamp_seconds", ())]
    assert abs(last_run - timezone.now().timestamp()) < 60


def test_requests_are_counted_and_timed_by_view(client: BrowserClient, token: str) -> None:
    def healthz_answers() -> float:
        key = ("offboarding_http_requests_total", (("method", "GET"), ("status", "200"), ("view", "healthz")))
        return scrape(client, token).get(key, 0.0)

    before = healthz_answers()
    client.get("/healthz")
    client.get("/healthz")
    assert healthz_answers() == before + 2
    figures = scrape(client, token)
    count = ("offboarding_http_request_duration_seconds_count", (("method", "GET"), ("view", "healthz")))
    assert figures[count] >= 2
