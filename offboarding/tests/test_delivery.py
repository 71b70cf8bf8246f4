"""Delivery through real processes: Celery workers and beats, a Redis of our own, an SMTP server on loopback.

The worker subprocesses read the test database, so these tests commit their
rows (transaction=True); every wait is bounded.
"""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)

from __future__ import annotations

import json
import os
import signal
import time
from datetime import timedelta
from typing import Any

import pytest
import redis
from celery import Celery
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import timezone

from clients.models import Client
from offboarding.models import FollowUp
from offboarding.outbox import nudge
from offboarding.outbox.emails import unsubscribe_token
from offboarding.outbox.services import message_id_for
from offboarding.services.cases import step_skip
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    CeleryProcesses,
    DisposableRedis,
    SmtpSink,
    always_open,
    by_kind,
    celery_processes,
    disposable_redis,
    former_client,
    planned_case,
    smtp_sink,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("always_open")]
Status = FollowUp.Status


def due_check_ins(client: Client, count: int) -> list[FollowUp]:
    """Check-ins due now for a client who agreed to keep in touch (the dispatcher mails them to no one else)."""
    Client.objects.filter(pk=client.pk).update(keep_in_touch="yes")
    now = timezone.now()
    rows = []
    for number in range(count):
        key = f"delivery:{client.pk}:{number}"
        rows.append(
            FollowUp(
                key=key,
                kind=FollowUp.Kind.CHECK_IN,
                client=client,
                recipient_email=f"guest{number}@birch.example",
                due_at=now,
                next_attempt_at=now,
                message_id=message_id_for(key),
            )
        )
    return FollowUp.objects.bulk_create(rows)


def statuses(follow_ups: list[FollowUp]) -> set[str]:
    return set(FollowUp.objects.filter(pk__in=[row.pk for row in follow_ups]).values_list("status", flat=True))


def assert_delivered_once(sink: SmtpSink, expected: int, processes: CeleryProcesses, timeout: float = 30) -> None:
    assert wait_for(lambda: len(sink.messages) >= expected, timeout=timeout), processes.logs()
    time.sleep(1.5)  # long enough for a duplicate to show up if there were one
    ids = sink.message_ids()
    assert len(ids) == expected
    assert len(set(ids)) == expected


def test_due_follow_ups_arrive_once_with_both_parts_and_the_headers(
    former_client: Client, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    follow_ups = by_kind(planned_case(former_client, timezone.localdate() - timedelta(days=2), timezone.now()))
    thank_you = follow_ups[FollowUp.Kind.THANK_YOU][0]
    celery_processes.worker()
    celery_processes.publish_dispatch()
    assert_delivered_once(smtp_sink, 1, celery_processes)
    celery_processes.publish_dispatch()
    celery_processes.publish_dispatch()
    time.sleep(2)
    [message] = smtp_sink.messages
    assert message["Message-ID"] == thank_you.message_id
    assert message["To"] == "rosa@birch.example"
    assert message["Reply-To"] == former_client.account_manager.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/outbox/unsubscribe/" in message["List-Unsubscribe"]
    assert "mailto:" in message["List-Unsubscribe"]
    parts = {
        part.get_content_type(): bytes(part.get_payload(decode=True)).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "no reactivation fee" in parts["text/plain"]
    assert "no reactivation fee" in parts["text/html"]
    assert "12 Harbour Street" in parts["text/html"]
    assert FollowUp.objects.get(pk=thank_you.pk).status == Status.SENT


def test_two_workers_and_two_beats_racing_over_200_due_rows_deliver_exactly_200(
    former_client: Client, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    follow_ups = due_check_ins(former_client, 200)
    celery_processes.extra_env["FOLLOW_UP_DISPATCH_BATCH"] = "20"
    for name in ("w1", "w2"):
        celery_processes.worker(name)
    for name in ("b1", "b2"):
        celery_processes.beat(name)
    assert_delivered_once(smtp_sink, 200, celery_processes, timeout=60)
    assert statuses(follow_ups) == {Status.SENT}
    assert len(sorted(smtp_sink.message_ids())) == 200


def test_the_smtp_server_down_then_back_loses_nothing_and_doubles_nothing(
    former_client: Client, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    smtp_sink.stop()
    follow_ups = due_check_ins(former_client, 5)
    celery_processes.extra_env |= {"FOLLOW_UP_RETRY_BASE_SECONDS": "1", "FOLLOW_UP_MAX_ATTEMPTS": "20"}
    celery_processes.worker()
    celery_processes.beat()
    assert wait_for(lambda: statuses(follow_ups) == {Status.RETRY_WAIT}, timeout=20), celery_processes.logs()
    assert "Connection refused" in FollowUp.objects.get(pk=follow_ups[0].pk).last_error
    smtp_sink.start()
    assert_delivered_once(smtp_sink, 5, celery_processes)
    assert statuses(follow_ups) == {Status.SENT}


def test_a_worker_killed_in_the_middle_of_sending_loses_nothing(
    former_client: Client, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    [follow_up] = due_check_ins(former_client, 1)
    celery_processes.extra_env["FOLLOW_UP_LEASE_SECONDS"] = "3"
    smtp_sink.handler.hold.set()
    first = celery_processes.worker("w1")
    celery_processes.publish_dispatch()
    assert smtp_sink.handler.holding.wait(timeout=20), celery_processes.logs()
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    smtp_sink.handler.hold.clear()
    smtp_sink.handler.release.set()
    assert FollowUp.objects.get(pk=follow_up.pk).status == Status.SENDING

    celery_processes.worker("w2")
    celery_processes.beat()
    assert_delivered_once(smtp_sink, 1, celery_processes)
    sent = FollowUp.objects.get(pk=follow_up.pk)
    assert (sent.status, sent.attempts) == (Status.SENT, 2)
    assert smtp_sink.messages[0]["Message-ID"] == follow_up.message_id


def test_a_beat_stopped_while_its_send_waits_on_redis_exits_cleanly(
    disposable_redis: DisposableRedis, celery_processes: CeleryProcesses
) -> None:
    """A deploy stops beat with SIGTERM at any moment, also while a send waits for Redis's answer."""
    celery_processes.extra_env |= {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    beat = celery_processes.beat()
    log = celery_processes.folder / "beat-b1.log"

    def sends() -> int:  # every entry's: a digest plan or cleanup may fall due during the test
        return log.read_text(errors="replace").count("Scheduler: Sending due task")

    broker = redis.Redis.from_url(disposable_redis.url)

    def queued() -> int:  # the tasks that reached Redis (no worker takes them)
        return int(broker.llen("celery"))

    assert wait_for(lambda: queued() >= 1, timeout=30), celery_processes.logs()
    broker.execute_command("CLIENT", "PAUSE", 10_000, "WRITE")  # beat's next send waits for Redis's answer
    try:
        # Beat logs a send before it publishes: one logged and not queued is waiting on Redis.
        assert wait_for(lambda: sends() > queued(), timeout=10), celery_processes.logs()
        time.sleep(0.3)
        beat.send_signal(signal.SIGTERM)
        time.sleep(0.5)
    finally:
        broker.execute_command("CLIENT", "UNPAUSE")

    assert beat.wait(timeout=20) == 0, celery_processes.logs()
    text = log.read_text()
    assert "Traceback" not in text, text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]  # not Celery's banner
    assert [record["message"] for record in records if record["level"] not in ("DEBUG", "INFO")] == []


def test_redis_stopped_while_a_departure_is_logged_the_request_succeeds_and_the_mail_follows(
    former_client: Client,
    account_manager: User,
    am_client: BrowserClient,
    smtp_sink: SmtpSink,
    disposable_redis: DisposableRedis,
    celery_processes: CeleryProcesses,
    monkeypatch: Any,
) -> None:
    today = timezone.localdate()
    case = DepartureCaseFactory.create(
        client=former_client,
        notice_received_on=today - timedelta(days=20),
        planned_leave_date=today - timedelta(days=1),
    )
    for step in ("probe", "transition", "thanks", "keep_in_touch"):
        step_skip(case=case, step=step, actor=account_manager, reason="Not needed for this test")
    monkeypatch.setenv("CELERY_BROKER_URL", disposable_redis.url)
    web_app = Celery()
    web_app.conf.broker_transport_options = {"socket_connect_timeout": 2, "socket_timeout": 5}
    monkeypatch.setattr(nudge, "app", web_app)
    celery_processes.worker()
    celery_processes.beat()

    disposable_redis.stop()
    started = time.monotonic()
    response = am_client.post(f"/cases/{case.pk}/depart/", follow=True)
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    thank_you = FollowUp.objects.get(case=case, kind=FollowUp.Kind.THANK_YOU)
    assert thank_you.status == Status.SCHEDULED
    time.sleep(1)
    assert smtp_sink.messages == []

    disposable_redis.start()
    assert_delivered_once(smtp_sink, 1, celery_processes, timeout=45)
    assert smtp_sink.messages[0]["Message-ID"] == thank_you.message_id


def test_an_unsubscribed_client_gets_nothing_more(
    former_client: Client, account_manager: User, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    other = ClientFactory.create(contact_email="kim@elm.example", account_manager=account_manager)
    yesterday = timezone.localdate() - timedelta(days=1)
    planned_case(former_client, yesterday, timezone.now(), consent=True)
    planned_case(other, yesterday, timezone.now())
    token = unsubscribe_token(client_id=former_client.pk, email=former_client.contact_email)
    assert BrowserClient(enforce_csrf_checks=True).post(f"/outbox/unsubscribe/{token}/").status_code == 200
    celery_processes.worker()
    celery_processes.publish_dispatch()
    assert_delivered_once(smtp_sink, 1, celery_processes)
    assert smtp_sink.messages[0]["To"] == "kim@elm.example"
    pending = FollowUp.objects.filter(client=former_client, kind__in=FollowUp.CLIENT_FACING_KINDS)
    assert set(pending.values_list("status", flat=True)) == {Status.CANCELLED}
