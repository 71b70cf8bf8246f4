"""Thin Celery tasks: the work is in offboarding.outbox.dispatch and .digests."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.dispatch import follow_ups_dispatch
from offboarding.outbox.webhooks.delivery import webhook_deliveries_dispatch


@shared_task(name="offboarding.tasks.dispatch_follow_ups")
def dispatch_follow_ups() -> int:
    """Beat publishes this every minute; any number may run at once (the claim makes that safe)."""
    return follow_ups_dispatch()


@shared_task(name="offboarding.tasks.plan_staff_digests")
def plan_staff_digests() -> int:
    planned = staff_digests_plan(now=timezone.now())
    follow_ups_dispatch()
    return planned


@shared_task(name="offboarding.tasks.dispatch_webhooks")
def dispatch_webhooks() -> int:
    """Beat publishes this every minute, a change nudges it; any number may run at once (the claim makes that safe)."""
    return webhook_deliveries_dispatch()
