from __future__ import annotations

from django.db.models import QuerySet

from offboarding.models import DepartureCase, FollowUp


def follow_ups_for_case(case: DepartureCase) -> QuerySet[FollowUp]:
    return case.follow_ups.select_related("recipient_user").order_by("due_at", "id")
