"""Money figures across clients, in the business currency: revenue lost to full and partial departures,
and net revenue retention over the period.

Each amount is converted in SQL at the rate valid on the date it is about (clients.currencies): a
case's revenue lost and an offer's effect at the notice date, a return at its date, the monthly
recurring revenue at the start of the period at that day's rates. An amount with no rate is left out
of its sum and named in the retention's `missing`, so no figure is a silent sum of unlike money. Each figure is one
query, so the count stays fixed as the data grows; the revenue lost and the offers' effect are aggregates
of the period's cases, asked in the headline figures' own pass over them (revenue_aggregates).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce

from clients.currencies import Converted, MissingRate, converted, missing_rates
from clients.models import Client, ClientValueChange
from feedback.formatting import percent
from feedback.selectors.filters import DEPARTED, OFFER_MADE, SAVED, DashboardFilter, cases_for
from offboarding.models import DepartureCase

PARTIAL = Q(scope=DepartureCase.Scope.PARTIAL)
FULL = ~PARTIAL
ZERO = Decimal(0)

# What a departed case takes away each month, in the business currency at the notice date.
REVENUE_LOST = converted(
    Case(When(PARTIAL, then=F("value_leaving")), default=F("monthly_value")), "currency", "notice_received_on"
)
OFFER_EFFECT = converted(Coalesce("offer__monthly_value_effect", ZERO), "currency", "notice_received_on")


@dataclass(frozen=True)
class RevenueFigures:
    full_departures: int
    full_revenue_lost: Decimal
    partial_departures: int
    partial_revenue_lost: Decimal
    offer_effects: Decimal  # the accepted offers' change of monthly value (a discount is negative)

    @property
    def revenue_lost(self) -> Decimal:
        return self.full_revenue_lost + self.partial_revenue_lost


def revenue_aggregates() -> dict[str, Aggregate]:
    """The revenue figures as aggregates of the period's cases: headline_figures asks them in its own pass."""
    return {
        "full_departures": Count("pk", filter=DEPARTED & FULL),
        "full_revenue_lost": Sum(REVENUE_LOST, filter=DEPARTED & FULL, default=ZERO),
        "partial_departures": Count("pk", filter=DEPARTED & PARTIAL),
        "partial_revenue_lost": Sum(REVENUE_LOST, filter=DEPARTED & PARTIAL, default=ZERO),
        "offer_effects": Sum(OFFER_EFFECT, filter=SAVED & OFFER_MADE, default=ZERO),
    }


def revenue_figures(row: dict[str, Any]) -> RevenueFigures:
    """The revenue figures of `row`: the period's aggregates, revenue_aggregates among them."""
    return RevenueFigures(**{figure.name: row[figure.name] for figure in fields(RevenueFigures)})


def _clients_for(dashboard: DashboardFilter) -> QuerySet[Client]:
    # The recurring revenue is the clients' own: their current owner and segment, not a case's snapshot.
    clients = Client.objects.all()
    if dashboard.account_manager_id:
        clients = clients.filter(account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        clients = clients.filter(segment=dashboard.segment)
    return clients


def _value_at_start(dashboard: DashboardFilter, column: str) -> Subquery:
    latest = ClientValueChange.objects.filter(client=OuterRef("pk"), effective_on__lte=dashboard.start)
    return Subquery(latest.order_by("-effective_on", "-recorded_at", "-id").values(column)[:1])


@dataclass(frozen=True)
class NetRevenueRetention:
    start_revenue: Decimal  # monthly recurring revenue on the first day of the period
    lost: Decimal  # to full and partial departures
    returned: Decimal  # the monthly value of clients who came back in the period
    offer_effects: Decimal  # the accepted offers' change of monthly value
    missing: list[MissingRate] = field(default_factory=list)

    @property
    def end_revenue(self) -> Decimal:
        return self.start_revenue - self.lost + self.returned + self.offer_effects

    @property
    def rate(self) -> float | None:
        return float(self.end_revenue / self.start_revenue) if self.start_revenue else None


def _start_values(dashboard: DashboardFilter) -> QuerySet[Client]:
    return _clients_for(dashboard).annotate(
        start_value=_value_at_start(dashboard, "monthly_value"), start_currency=_value_at_start(dashboard, "currency")
    )


def _start_revenue(dashboard: DashboardFilter) -> Decimal:
    converted_value = converted("start_value", "start_currency", dashboard.start)
    return _start_values(dashboard).aggregate(total=Sum(converted_value, default=ZERO))["total"]


def _returns(dashboard: DashboardFilter) -> QuerySet[ClientValueChange]:
    returns = ClientValueChange.objects.filter(
        source=ClientValueChange.Source.RETURN, effective_on__range=(dashboard.start, dashboard.end)
    )
    if dashboard.account_manager_id:
        returns = returns.filter(client__account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        returns = returns.filter(client__segment=dashboard.segment)
    return returns


def _returned(dashboard: DashboardFilter) -> Decimal:
    converted_value = converted("monthly_value", "currency", "effective_on")
    return _returns(dashboard).aggregate(total=Sum(converted_value, default=ZERO))["total"]


def _missing(dashboard: DashboardFilter) -> list[MissingRate]:
    """The months and currencies no rate converts, of every amount the money figures add up."""
    return missing_rates(
        Converted(cases_for(dashboard).filter(DEPARTED | (SAVED & OFFER_MADE)), "currency", "notice_received_on"),
        Converted(_start_values(dashboard).filter(Q(start_value__gt=0)), "start_currency", dashboard.start),
        Converted(_returns(dashboard), "currency", "effective_on"),
    )


def net_revenue_retention(dashboard: DashboardFilter, revenue: RevenueFigures) -> NetRevenueRetention:
    """MRR at the start, less what left, plus what returned and the accepted offers' effect, over the start."""
    return NetRevenueRetention(
        start_revenue=_start_revenue(dashboard),
        lost=revenue.revenue_lost,
        returned=_returned(dashboard),
        offer_effects=revenue.offer_effects,
        missing=_missing(dashboard),
    )


def revenue_context(dashboard: DashboardFilter, revenue: RevenueFigures) -> dict[str, Any]:
    retention = net_revenue_retention(dashboard, revenue)
    return {"revenue": revenue, "retention": retention, "retention_percent": percent(retention.rate)}
