"""Asking a worker to dispatch now instead of at beat's next tick, without ever depending on the broker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from offboarding.celery import app

logger = logging.getLogger(__name__)


FOLLOW_UPS_TASK = "offboarding.tasks.dispatch_follow_ups"
WEBHOOKS_TASK = "offboarding.tasks.dispatch_webhooks"
DISPATCHER_NAMES = {FOLLOW_UPS_TASK: "follow-up", WEBHOOKS_TASK: "webhook"}


def publish_dispatch_nudge(task: str = FOLLOW_UPS_TASK) -> None:
    """Publish one dispatch task (follow-ups or webhooks), giving up after FOLLOW_UP_NUDGE_TIMEOUT_SECONDS.

    A connection of its own rather than the pool's: a hung Redis accepts the
    connection and then answers nothing, and only the socket timeout ends the
    wait. The worker's connections keep the longer timeouts of the settings.
    """
    bound = settings.FOLLOW_UP_NUDGE_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": bound, "socket_timeout": bound}
    try:
        with app.connection_for_write(connect_timeout=bound, transport_options=options) as connection:
            app.send_task(task, retry=False, connection=connection)
    except Exception:
        # Only a nudge: beat dispatches within a minute anyway, so a broker
        # outage must never fail the request that planned the mail.
        logger.warning(
            "Could not nudge the %s dispatcher; beat will send what is due", DISPATCHER_NAMES[task], exc_info=True
        )


def nudge_dispatcher_on_commit(task: str = FOLLOW_UPS_TASK) -> None:
    """Publish once the rows the worker should send are committed (it could not see them before)."""
    transaction.on_commit(lambda: publish_dispatch_nudge(task))
