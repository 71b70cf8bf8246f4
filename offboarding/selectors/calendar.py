"""What a person's calendar feed holds: only their own clients, whatever their role.

A manager sees every client on the pages, but their calendar is theirs: the follow-ups, leave
dates and renewals of the clients they own, as an account manager's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet

from clients.models import Client
from offboarding.models import DepartureCase, FollowUp, KeepInTouchStep

# Renewals further back than this are over: the moment to get in touch has passed.
RENEWALS_KEPT_FOR = timedelta(days=90)
CALENDAR_KINDS = (*FollowUp.CLIENT_FACING_KINDS, FollowUp.Kind.STAFF_REMINDER)


@dataclass(frozen=True)
class CalendarItems:
    follow_ups: QuerySet[FollowUp]
    leave_dates: QuerySet[DepartureCase]
    renewals: QuerySet[KeepInTouchStep]


def calendar_items(*, user: User, today: date) -> CalendarItems:
    return CalendarItems(
        follow_ups=FollowUp.objects.filter(
            client__account_manager=user, status__in=FollowUp.PENDING_STATUSES, kind__in=CALENDAR_KINDS
        )
        .select_related("client", "case")
        .defer("body_text", "body_html")
        .order_by("due_at", "id"),
        leave_dates=DepartureCase.objects.filter(client__account_manager=user, status=DepartureCase.Status.OPEN)
        .select_related("client")
        .order_by("planned_leave_date", "id"),
        renewals=KeepInTouchStep.objects.filter(
            case__client__account_manager=user,
            case__client__status=Client.Status.DEPARTED,
            case__status=DepartureCase.Status.DEPARTED,
            new_contract_renewal_on__gte=today - RENEWALS_KEPT_FOR,
        )
        .select_related("case__client")
        .order_by("new_contract_renewal_on", "id"),
    )


def feed_horizon(today: date) -> tuple[date, date]:
    """The span the feed's time-zone definition covers: a year back, five ahead."""
    return date(today.year - 1, 1, 1), date(today.year + 6, 1, 1)
