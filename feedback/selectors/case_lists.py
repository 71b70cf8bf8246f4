"""The case lists behind the dashboard's figures: a filter's cases, narrowed to one bar, row or cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from feedback.selectors.filters import OUTCOMES, DashboardFilter, cases_for
from feedback.selectors.saves import save_outcome_condition
from offboarding.models import DepartureCase


@dataclass(frozen=True)
class CaseDrilldown:
    """What a dashboard bar or row narrows the case list to; empty values mean 'any'."""

    outcome: str = ""
    reason: str = ""  # a ChurnReason id, or "none"
    category: str = ""  # a reason category, or "none" (no reason recorded)
    kind: str = ""  # a departure kind, or "none"
    competitor: str = ""
    offer_type: str = ""  # an offer type, or "none"
    month: date | None = None

    @property
    def reason_id(self) -> int | None:
        # "²" is a digit to str.isdigit() but not to int().
        return int(self.reason) if self.reason.isascii() and self.reason.isdigit() else None


def _drilldown_conditions(drilldown: CaseDrilldown) -> Q:
    condition = save_outcome_condition(drilldown.outcome) or OUTCOMES.get(drilldown.outcome, Q())
    if drilldown.reason == "none":
        condition &= Q(probe__primary_reason__isnull=True)
    elif drilldown.reason_id is not None:
        condition &= Q(probe__primary_reason_id=drilldown.reason_id)
    if drilldown.category == "none":
        condition &= Q(probe__primary_reason__isnull=True)
    elif drilldown.category:
        condition &= Q(probe__primary_reason__category=drilldown.category)
    if drilldown.kind:
        condition &= Q(probe__departure_kind="" if drilldown.kind == "none" else drilldown.kind)
    if drilldown.competitor:
        condition &= Q(probe__competitor=drilldown.competitor)
    if drilldown.offer_type:
        condition &= Q(offer__offer_type="" if drilldown.offer_type == "none" else drilldown.offer_type)
    if drilldown.month:
        condition &= Q(notice_received_on__year=drilldown.month.year, notice_received_on__month=drilldown.month.month)
    return condition


def narrowed_cases(dashboard: DashboardFilter, drilldown: CaseDrilldown) -> QuerySet[DepartureCase]:
    """The filter's cases narrowed to one bar, row or cell, unordered: for subqueries."""
    return cases_for(dashboard).filter(_drilldown_conditions(drilldown))


def case_list(dashboard: DashboardFilter, drilldown: CaseDrilldown) -> QuerySet[DepartureCase]:
    return (
        narrowed_cases(dashboard, drilldown)
        .select_related("client", "account_manager", "probe__primary_reason", "offer")
        .order_by("-notice_received_on", "-id")
    )


# What a row of the dashboard's case list shows (templates/feedback/case_list.html); the export reads every column.
_LISTED_COLUMNS = (
    "client__company_name",
    "account_manager__username",
    "account_manager__first_name",
    "account_manager__last_name",
    "segment",
    "status",
    "notice_received_on",
    "monthly_value",
    "currency",
    "probe__competitor",
    "probe__primary_reason__label",
    "offer__offer_made",
    "offer__offer_type",
    "offer__answer",
)


def case_list_page(dashboard: DashboardFilter, drilldown: CaseDrilldown) -> QuerySet[DepartureCase]:
    """The case list as its page shows it: the same rows, only the columns a row shows."""
    return case_list(dashboard, drilldown).only(*_LISTED_COLUMNS)
