"""Reads of the follow-up outbox for the case page, the client page and the managers' outbox."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp


def follow_ups_for_case(case: DepartureCase) -> QuerySet[FollowUp]:
    return case.follow_ups.select_related("recipient_user").order_by("due_at", "id")


def follow_ups_for_client(client: Client) -> QuerySet[FollowUp]:
    """Every follow-up of the client, each case's included, soonest first (the client page)."""
    return client.follow_ups.select_related("case", "recipient_user").order_by("due_at", "id")


def outbox_follow_ups(*, status: str = "", kind: str = "") -> QuerySet[FollowUp]:
    """The managers' outbox, newest due first, optionally narrowed by status and kind."""
    follow_ups = FollowUp.objects.select_related("client", "case", "recipient_user").defer("body_text", "body_html")
    if status:
        follow_ups = follow_ups.filter(status=status)
    if kind:
        follow_ups = follow_ups.filter(kind=kind)
    return follow_ups.order_by("-due_at", "-id")


def outbox_status_counts() -> dict[str, int]:
    counts = FollowUp.objects.values("status").annotate(total=Count("id")).order_by()
    return {row["status"]: row["total"] for row in counts}


def follow_ups_listed(
    *, follow_ups: QuerySet[FollowUp], status: str = "", kind: str = "", case_id: int | None = None
) -> QuerySet[FollowUp]:
    """Follow-ups soonest first (the API's list), optionally narrowed; their bodies are not read."""
    if status:
        follow_ups = follow_ups.filter(status=status)
    if kind:
        follow_ups = follow_ups.filter(kind=kind)
    if case_id is not None:
        follow_ups = follow_ups.filter(case_id=case_id)
    return follow_ups.defer("body_text", "body_html").order_by("due_at", "id")
