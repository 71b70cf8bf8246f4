"""Win-backs by what brought the client back, for the dashboard: one aggregate query over the filter's cases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from feedback.selectors.filters import WON_BACK, DashboardFilter, cases_for
from offboarding.models import ReturnCause


@dataclass(frozen=True)
class ReturnCauseRow:
    cause: str  # a ReturnCause, or "" where none was recorded (returns before causes were)
    label: str
    win_backs: int
    revenue: Decimal  # the monthly value the returning clients had when they left


def returns_by_cause(dashboard: DashboardFilter) -> list[ReturnCauseRow]:
    """The filter's win-backs and their monthly revenue, by the cause recorded with "Client came back"."""
    rows = (
        cases_for(dashboard)
        .filter(WON_BACK)
        .values("return_cause__cause")
        .annotate(win_backs=Count("pk"), revenue=Sum("monthly_value", default=Decimal(0)))
        .order_by()
    )
    counted = {row["return_cause__cause"] or "": row for row in rows}
    found = [
        ReturnCauseRow(cause, str(label), counted[cause]["win_backs"], counted[cause]["revenue"])
        for cause, label in ReturnCause.choices
        if cause in counted
    ]
    if "" in counted:
        found.append(ReturnCauseRow("", _("Not recorded"), counted[""]["win_backs"], counted[""]["revenue"]))
    return found
