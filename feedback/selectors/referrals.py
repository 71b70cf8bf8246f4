"""Referrals for the dashboard: the clients others referred to us, and their monthly revenue, by referrer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from clients.models import Client
from feedback.selectors.filters import DashboardFilter

REFERRERS_SHOWN = 20


@dataclass(frozen=True)
class ReferrerRow:
    referrer_id: int
    referrer: str
    referred: int  # clients added in the period who name this referrer
    revenue: Decimal  # their monthly value, of those still with us (not departed), in `currency`
    currency: str


def referrals_by_referrer(dashboard: DashboardFilter) -> list[ReferrerRow]:
    """Clients added in the period with a referrer, by referrer and currency, most referred first.

    A client's account manager and segment are today's, as the client list shows them: a referred
    client is a new one, with no departure case to take a snapshot from. Each currency is a row of
    its own: the values are never added across currencies.
    """
    tz = timezone.get_current_timezone()
    clients = Client.objects.filter(
        referred_by__isnull=False,
        created_at__gte=datetime.combine(dashboard.start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(dashboard.end + timedelta(days=1), time.min, tzinfo=tz),
    )
    if dashboard.account_manager_id:
        clients = clients.filter(account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        clients = clients.filter(segment=dashboard.segment)
    rows = (
        clients.values("referred_by", "referred_by__company_name", "currency")
        .annotate(
            referred=Count("pk"),
            revenue=Sum("monthly_value", filter=~Q(status=Client.Status.DEPARTED), default=Decimal(0)),
        )
        .order_by("-referred", "referred_by__company_name", "referred_by", "currency")
    )
    return [
        ReferrerRow(
            referrer_id=row["referred_by"],
            referrer=row["referred_by__company_name"],
            referred=row["referred"],
            revenue=row["revenue"],
            currency=row["currency"],
        )
        for row in rows[:REFERRERS_SHOWN]
    ]
