"""The dashboard's offers table: offers made, accepted and kept by type, and what the kept saves cost."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clients.formatting import money
from feedback.formatting import count
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.offers import OfferTypeRow, offers_by_type, offers_total


@dataclass(frozen=True)
class OfferLine:
    """One line of the table, its numbers written out."""

    label: str
    made: str
    accepted: str
    kept: str
    given_away: str
    revenue_kept: str
    cost_per_revenue_kept: str


def cost_ratio(value: Decimal | None) -> str:
    """A cost per unit of monthly revenue, e.g. 2.57; a dash when nothing was kept."""
    return "—" if value is None else f"{value:,.2f}"


def _line(row: OfferTypeRow, currency: str) -> OfferLine:
    return OfferLine(
        label=row.label,
        made=count(row.made),
        accepted=count(row.accepted),
        kept=count(row.kept),
        given_away=money(row.given_away, currency),
        revenue_kept=money(row.revenue_kept, currency),
        cost_per_revenue_kept=cost_ratio(row.cost_per_revenue_kept),
    )


@dataclass(frozen=True)
class OffersTable:
    lines: list[OfferLine]
    total: OfferLine


def offers_table(dashboard: DashboardFilter, currency: str) -> OffersTable:
    rows = offers_by_type(dashboard)
    return OffersTable(lines=[_line(row, currency) for row in rows], total=_line(offers_total(rows), currency))
