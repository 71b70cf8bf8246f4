"""Offers on the dashboard: made, accepted and kept by offer type, and what the kept saves cost.

Counted over the offers of the filter's cases (each offer of the history, not only the last). An
offer is kept when it was accepted and its save is kept after the watch period. What a kept offer
gave away (SaveOffer.concession_cost) is set against the monthly revenue it kept: the case's
monthly value with the offer's effect on it (a 300 discount on 1,000 a month keeps 700).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.selectors.filters import NOT_RECORDED, DashboardFilter, cases_for
from offboarding.models import OfferStep, SaveOffer
from offboarding.models.cases import SaveWatchConditions

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)
ACCEPTED = Q(answer=OfferStep.Answer.ACCEPTED)


@dataclass(frozen=True)
class OfferTypeRow:
    label: str
    offer_type: str
    made: int
    accepted: int
    kept: int
    given_away: Decimal  # by the kept offers
    revenue_kept: Decimal  # monthly, by the kept offers

    @property
    def cost_per_revenue_kept(self) -> Decimal | None:
        """What was given away for each unit of monthly revenue kept; None when nothing was kept."""
        return self.given_away / self.revenue_kept if self.revenue_kept else None


def _kept() -> Q:
    return ACCEPTED & SaveWatchConditions.on(timezone.localdate(), through="case__").kept


def offers_by_type(dashboard: DashboardFilter) -> list[OfferTypeRow]:
    """One row per offer type, most offers first, from one query."""
    kept = _kept()
    given_away = ExpressionWrapper(F("one_off_cost") + F("monthly_concession") * F("concession_months"), MONEY)
    revenue = ExpressionWrapper(F("case__monthly_value") + Coalesce("monthly_value_effect", Value(Decimal(0))), MONEY)
    rows = (
        SaveOffer.objects.filter(case__in=cases_for(dashboard))
        .values("offer_type")
        .annotate(
            made=Count("pk"),
            accepted=Count("pk", filter=ACCEPTED),
            kept=Count("pk", filter=kept),
            given_away=Sum(given_away, filter=kept, default=Decimal(0)),
            revenue_kept=Sum(revenue, filter=kept, default=Decimal(0)),
        )
        .order_by("-made", "offer_type")
    )
    labels = dict(OfferStep.OfferType.choices)
    return [OfferTypeRow(label=str(labels.get(row["offer_type"], NOT_RECORDED)), **row) for row in rows]


def offers_total(rows: list[OfferTypeRow]) -> OfferTypeRow:
    """The rows added up: the concession cost per unit of monthly revenue kept over every kept save."""
    return OfferTypeRow(
        label="",
        offer_type="",
        made=sum(row.made for row in rows),
        accepted=sum(row.accepted for row in rows),
        kept=sum(row.kept for row in rows),
        given_away=sum((row.given_away for row in rows), Decimal(0)),
        revenue_kept=sum((row.revenue_kept for row in rows), Decimal(0)),
    )
