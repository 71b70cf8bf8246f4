"""One departure followed by its request id: the answer, the log lines, the planned rows, the worker that sent them."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from clients.models import Client
from offboarding import request_context
from offboarding.logs import logging_config
from offboarding.models import DepartureCase, FollowUp
from offboarding.tests.factories import ready_to_depart
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    CeleryProcesses,
    always_open,
    celery_processes,
    disposable_redis,
    former_client,
    planned_case,
    smtp_sink,
    wait_for,
)
from offboarding.tests.outbox_fixtures import SmtpSink as SmtpSinkType


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The project's logging, JSON, written to a buffer instead of the console."""
    buffer = io.StringIO()
    config = logging_config(as_json=True, level="INFO")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    yield buffer
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.django_db
def test_every_answer_names_a_fresh_request_id(client: BrowserClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_trusted_proxy_chooses_the_request_id_and_a_malformed_one_is_replaced(
    client: BrowserClient, settings: Any
) -> None:
    offered = {"X-Request-ID": "proxy-4f1c2a9e"}
    assert client.get("/healthz", headers=offered)["X-Request-ID"] != "proxy-4f1c2a9e", "untrusted by default"
    settings.TRUST_REQUEST_ID_HEADER = True
    assert client.get("/healthz", headers=offered)["X-Request-ID"] == "proxy-4f1c2a9e"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected="yes'})["X-Request-ID"]
    assert len(forged) == 32


@pytest.mark.django_db
def test_the_follow_ups_a_departure_plans_carry_its_request_id(
    am_client: BrowserClient, own_case: DepartureCase
) -> None:
    ready_to_depart(own_case)
    response = am_client.post(f"/cases/{own_case.pk}/depart/")
    assert response.status_code == 302
    planned = FollowUp.objects.filter(case=own_case)
    assert planned.exists()
    assert set(planned.values_list("request_id", flat=True)) == {response["X-Request-ID"]}


def test_a_log_line_is_one_json_object_with_the_request_id(log_output: io.StringIO) -> None:
    restore = request_context.bind("req-0123456789")
    try:
        logging.getLogger("offboarding.test").warning("Planned %s follow-ups", 3, extra={"case_id": 7})
    finally:
        restore()
    logging.getLogger("offboarding.test").warning("Outside any request")
    inside, outside = json_lines(log_output.getvalue())
    assert inside["message"] == "Planned 3 follow-ups"
    assert (inside["level"], inside["logger"], inside["request_id"], inside["case_id"]) == (
        "WARNING",
        "offboarding.test",
        "req-0123456789",
        7,
    )
    assert "time" in inside
    assert outside["request_id"] is None


def test_development_lines_are_plain_and_readable() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    config = logging_config(as_json=False, level="INFO")
    handler.setFormatter(config["formatters"]["line"]["()"]())
    handler.addFilter(config["filters"]["request_context"]["()"]())
    record = logging.LogRecord("offboarding.test", logging.INFO, __file__, 1, "Dispatcher ran", None, None)
    handler.handle(record)
    assert buffer.getvalue().rstrip().endswith("INFO offboarding.test [-] Dispatcher ran")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("always_open")
def test_the_worker_that_sends_the_mail_logs_the_request_id_of_the_departure(
    former_client: Client, smtp_sink: SmtpSinkType, celery_processes: CeleryProcesses
) -> None:
    celery_processes.extra_env["LOG_FORMAT"] = "json"
    restore = request_context.bind("departure-request-0001")
    try:
        # What the departure's request does: plan the rows, then nudge the dispatcher.
        [thank_you] = [
            row
            for row in planned_case(former_client, timezone.localdate() - timedelta(days=2), timezone.now())
            if row.kind == FollowUp.Kind.THANK_YOU
        ]
        celery_processes.publish_dispatch()
    finally:
        restore()
    celery_processes.worker()

    assert wait_for(lambda: len(smtp_sink.messages) == 1, timeout=30), celery_processes.logs()
    assert FollowUp.objects.get(pk=thank_you.pk).request_id == "departure-request-0001"
    assert wait_for(lambda: any("succeeded" in line["message"] for line in worker_lines(celery_processes)), timeout=10)
    lines = worker_lines(celery_processes)
    [sent] = [line for line in lines if line.get("follow_up_id") == thank_you.pk]
    assert (sent["request_id"], sent["kind"]) == ("departure-request-0001", "thank_you")
    task_lines = [line for line in lines if line.get("task_name") == "offboarding.tasks.dispatch_follow_ups"]
    assert task_lines
    assert {line["request_id"] for line in task_lines} == {"departure-request-0001"}


def worker_lines(processes: CeleryProcesses) -> list[dict[str, Any]]:
    # The fixture's worker prints Celery's banner before it logs; the log lines are the JSON ones.
    text = (processes.folder / "worker-w1.log").read_text()
    return json_lines("\n".join(line for line in text.splitlines() if line.startswith("{")))


@pytest.mark.django_db
def test_the_warning_django_logs_for_a_refused_request_carries_its_id(
    am_client: BrowserClient, log_output: io.StringIO
) -> None:
    response = am_client.get("/cases/999999/")
    assert response.status_code == 404
    [warning] = [line for line in json_lines(log_output.getvalue()) if line["logger"] == "django.request"]
    assert warning["message"] == "Not Found: /cases/999999/"
    assert warning["request_id"] == response["X-Request-ID"]
    logging.getLogger("offboarding.test").info("After the answer")
    assert json_lines(log_output.getvalue())[-1]["request_id"] is None
