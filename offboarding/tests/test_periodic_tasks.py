"""One beat is enough, and a second one started by mistake changes nothing: every periodic task runs twice safely."""

# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail

from clients.models import Client
from offboarding.celery import app
from offboarding.models import DispatcherRun, FollowUp
from offboarding.outbox import tasks  # noqa: F401 (registers the tasks, as a worker's autodiscovery does)
from offboarding.outbox.webhooks.services import webhook_endpoint_create
from offboarding.tests.db_snapshot import snapshot
from offboarding.tests.factories import DepartureCaseFactory
from offboarding.tests.outbox_fixtures import always_open, former_client, planned_case  # noqa: F401
from offboarding.tests.webhook_receiver import webhook_receiver

# A Monday morning, four days after the client left: the thank-you and the card reminder are due.
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def without_the_run_record(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    # Every dispatcher run notes when it finished (/healthz); that is the one write a run with nothing to do makes.
    return {table: values for table, values in rows.items() if table != DispatcherRun._meta.db_table}


@pytest.mark.django_db
@pytest.mark.usefixtures("always_open")
@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_task_run_a_second_time_sends_and_changes_nothing(
    entry: str, former_client: Client, manager: User
) -> None:
    task = app.tasks[str(settings.CELERY_BEAT_SCHEDULE[entry]["task"])]
    with webhook_receiver() as receiver, time_machine.travel(MONDAY_9, tick=False):
        webhook_endpoint_create(
            created_by=manager, kind="standard", url=receiver.url, events=["case.opened"], now=MONDAY_9
        )
        DepartureCaseFactory.create(client__account_manager=former_client.account_manager)
        planned_case(former_client, MONDAY_9.date() - timedelta(days=4), MONDAY_9)
        task.apply().get()
        sent = [message.subject for message in mail.outbox] + [hook.headers["webhook-id"] for hook in receiver.received]
        after_first = snapshot()

        task.apply().get()

    assert sent, f"{entry} had something to do on its first run"
    assert [message.subject for message in mail.outbox] + [
        hook.headers["webhook-id"] for hook in receiver.received
    ] == sent
    assert without_the_run_record(snapshot()) == without_the_run_record(after_first)


@pytest.mark.django_db
@pytest.mark.usefixtures("always_open")
def test_two_digest_runs_of_the_same_morning_plan_and_mail_one_digest(former_client: Client) -> None:
    with time_machine.travel(MONDAY_9, tick=False):
        planned_case(former_client, MONDAY_9.date() - timedelta(days=4), MONDAY_9)
        app.tasks["offboarding.tasks.plan_staff_digests"].apply().get()
    with time_machine.travel(MONDAY_9 + timedelta(minutes=3), tick=False):
        app.tasks["offboarding.tasks.plan_staff_digests"].apply().get()

    assert FollowUp.objects.filter(kind=FollowUp.Kind.STAFF_DIGEST).count() == 1
    digests = [message for message in mail.outbox if message.to == [former_client.account_manager.email]]
    assert len(digests) == 1
