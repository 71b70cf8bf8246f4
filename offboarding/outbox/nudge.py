"""Asking a worker to dispatch now instead of at beat's next tick, without ever depending on the broker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from offboarding.celery import app

logger = logging.getLogger(__name__)


def publish_dispatch_nudge() -> None:
    """Publish one dispatch task, giving up after FOLLOW_UP_NUDGE_TIMEOUT_SECONDS.

    A connection of its own rather than the pool's: a hung Redis accepts the
    connection and then answers nothing, and only the socket timeout ends the
    wait. The worker's connections keep the longer timeouts of the settings.
    """
    bound = settings.FOLLOW_UP_NUDGE_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": bound, "socket_timeout": bound}
    try:
        with app.connection_for_write(connect_timeout=bound, transport_options=options) as connection:
            app.send_task("offboarding.tasks.dispatch_follow_ups", retry=False, connection=connection)
    except Exception:
        # Only a nudge: beat dispatches within a minute anyway, so a broker
        # outage must never fail the request that planned the mail.
        logger.warning("Could not nudge the follow-up dispatcher; beat will send the mail", exc_info=True)


def nudge_dispatcher_on_commit() -> None:
    """Publish once the rows the worker should send are committed (it could not see them before)."""
    transaction.on_commit(publish_dispatch_nudge)
