"""Asking a worker to dispatch now instead of at beat's next tick, without ever depending on the broker."""

from __future__ import annotations

import logging

from django.db import transaction

from offboarding.celery import app

logger = logging.getLogger(__name__)


def _publish() -> None:
    try:
        app.send_task("offboarding.tasks.dispatch_follow_ups", retry=False)
    except Exception:
        # Only a nudge: beat dispatches within a minute anyway, so a broker
        # outage must never fail the request that planned the mail.
        logger.warning("Could not nudge the follow-up dispatcher; beat will send the mail", exc_info=True)


def nudge_dispatcher_on_commit() -> None:
    """Publish once the rows the worker should send are committed (it could not see them before)."""
    transaction.on_commit(_publish)
