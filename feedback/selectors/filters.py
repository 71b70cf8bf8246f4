"""The dashboard's filter, and what every figure and case list counts by.

A filter picks the dashboard's cohort: the cases whose notice arrived in the
period, optionally of one account manager and one segment. The outcomes say
which of those cases departed, were saved, won back, and so on, for the
figures and for the case lists behind them alike.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clients.formatting import display_name
from clients.selectors import account_manager_filter_choices, distinct_values
from offboarding.models import STEP_MODELS, CaseStep, ChurnReason, DepartureCase, ProbeStep

# The label of a row whose reason, kind, offer type or segment was never recorded.
NOT_RECORDED = _("Not recorded")

DEPARTED = Q(status__in=(DepartureCase.Status.DEPARTED, DepartureCase.Status.WON_BACK))
OFFER_MADE = Q(offer__offer_made=True)
SAVED = Q(status=DepartureCase.Status.SAVED)
WON_BACK = Q(status=DepartureCase.Status.WON_BACK, won_back_on__isnull=False, departed_on__isnull=False)
CLOSED = ~Q(status=DepartureCase.Status.OPEN)
# Every step of the checklist is done or skipped: no step of the case is still to do. Opening a case
# creates all six steps, so this asks only the few steps still to do, each table's partial index of
# them, rather than joining every case of the period to its six steps. Six lists, each hashed on its
# own: one UNION ALL of them was too big to hash at 1,000,000 cases and was scanned once a case.
EVERY_STEP_CLOSED = ~reduce(
    operator.or_,
    (Q(pk__in=step.objects.filter(status=CaseStep.Status.PENDING).values("case")) for step in STEP_MODELS),
)


# The outcomes a link from the dashboard can narrow its case list to.
OUTCOMES = {
    "departed": DEPARTED,
    "saved": SAVED,
    "won_back": WON_BACK,
    "offer_made": OFFER_MADE,
    "saved_after_offer": OFFER_MADE & SAVED,
    "closed": CLOSED,
}


@dataclass(frozen=True)
class DashboardFilter:
    start: date
    end: date
    account_manager_id: int | None = None
    segment: str = ""


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    months_back = today.year * 12 + today.month - 1 - 11
    return date(months_back // 12, months_back % 12 + 1, 1), today


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def cases_for(dashboard: DashboardFilter) -> QuerySet[DepartureCase]:
    cases = DepartureCase.objects.filter(notice_received_on__range=(dashboard.start, dashboard.end))
    if dashboard.account_manager_id:
        cases = cases.filter(account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        cases = cases.filter(segment=dashboard.segment)
    return cases


def share(part: int, whole: int) -> float | None:
    """`part` as a share of `whole`, or None when there is no whole to share (a rate of nothing)."""
    return part / whole if whole else None


def account_manager_choices() -> list[tuple[int, str]]:
    """(id, display name) of the account managers and everyone else who owned a departure case.

    Plain pairs rather than users: a ModelChoiceField reads its users through a server-side
    cursor (DECLARE, FETCH, CLOSE) on every rendering, several round trips for a dozen names.
    """
    people = account_manager_filter_choices(owning=DepartureCase)
    return [(person.pk, display_name(person)) for person in people.only("pk", "first_name", "last_name", "username")]


def case_segments() -> list[str]:
    """The segments departure cases were logged in (read from the case's segment index)."""
    return distinct_values(DepartureCase, "segment")


def reason_choices() -> list[tuple[int, str]]:
    """(id, label) of every reason in the list's order, retired ones too: old cases keep theirs."""
    return list(ChurnReason.objects.values_list("pk", "label"))


def competitor_choices() -> list[str]:
    """The competitors departing clients named, as they were typed (read from the probe's competitor index)."""
    return distinct_values(ProbeStep, "competitor")
