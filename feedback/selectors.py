"""Reads for the managers' dashboard, its case lists and the case page's feedback.

Every figure is one aggregate query over the cases whose notice arrived in the
chosen period (the dashboard's cohort), so the number of queries never grows
with the data and PostgreSQL does the counting. The dashboard's queries are
`CompiledQuery`s: built and compiled once per combination of filters set, then
run with each request's values (feedback.compiled_queries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from clients.roles import ACCOUNT_MANAGERS
from feedback.aggregates import Median
from feedback.compiled_queries import CompiledQuery, totals
from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.models import ChurnReason, DepartureCase, FollowUp, OfferStep, ProbeStep

# Anonymous answers are shown only in groups at least this big, so no one can
# work out a single person's answer from a small breakdown.
ANONYMITY_THRESHOLD = 5

DEPARTED_STATUSES = (DepartureCase.Status.DEPARTED, DepartureCase.Status.WON_BACK)
DEPARTED = Q(status__in=DEPARTED_STATUSES)
OFFER_MADE = Q(offer__offer_made=True)
SAVED = Q(status=DepartureCase.Status.SAVED)
WON_BACK = Q(status=DepartureCase.Status.WON_BACK, won_back_on__isnull=False, departed_on__isnull=False)
CLOSED = ~Q(status=DepartureCase.Status.OPEN)
STEP_CLOSED = ("done", "skipped")  # the model forbids skipping without a reason
EVERY_STEP_CLOSED = Q(
    probe__status__in=STEP_CLOSED,
    apology__status__in=STEP_CLOSED,
    offer__status__in=STEP_CLOSED,
    transition__status__in=STEP_CLOSED,
    thanks__status__in=STEP_CLOSED,
    keep_in_touch__status__in=STEP_CLOSED,
)

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

    def as_params(self) -> dict[str, Any]:
        """The values of COHORT's placeholders."""
        return {
            "start": self.start,
            "end": self.end,
            "account_manager_id": self.account_manager_id,
            "segment": self.segment,
        }


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


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    months_back = today.year * 12 + today.month - 1 - 11
    return date(months_back // 12, months_back % 12 + 1, 1), today


def cases_for(dashboard: DashboardFilter) -> QuerySet[DepartureCase]:
    cases = DepartureCase.objects.filter(notice_received_on__range=(dashboard.start, dashboard.end))
    if dashboard.account_manager_id:
        cases = cases.filter(account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        cases = cases.filter(segment=dashboard.segment)
    return cases


# The placeholders of a query over cases_for(DashboardFilter(...)): see DashboardFilter.as_params.
COHORT: dict[str, Field[Any, Any]] = {
    "start": DateField(),
    "end": DateField(),
    "account_manager_id": IntegerField(),
    "segment": CharField(),
}


def _cohort_query(narrow: Callable[[QuerySet[DepartureCase]], QuerySet[Any, Any]]) -> CompiledQuery:
    """A compiled query: `narrow` applied to the cases of a DashboardFilter built from COHORT's placeholders."""
    return CompiledQuery(lambda **params: narrow(cases_for(DashboardFilter(**params))), **COHORT)


def _drilldown_conditions(drilldown: CaseDrilldown) -> Q:
    condition = OUTCOMES.get(drilldown.outcome, Q())
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


def case_list(dashboard: DashboardFilter, drilldown: CaseDrilldown) -> QuerySet[DepartureCase]:
    return (
        cases_for(dashboard)
        .filter(_drilldown_conditions(drilldown))
        .select_related("client", "account_manager", "probe__primary_reason", "offer")
        .order_by("-notice_received_on", "-id")
    )


def account_managers_with_cases() -> QuerySet[User]:
    """Everyone in the account managers' group, plus anyone else who has owned a departing client."""
    in_group = Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__name=ACCOUNT_MANAGERS))
    owned_cases = Q(pk__in=RawSQL(_distinct_case_values("account_manager_id"), []))  # noqa: S611 (no input)
    return User.objects.filter(in_group | owned_cases).order_by("first_name", "last_name", "username")


ACCOUNT_MANAGER_NAMES = CompiledQuery(
    lambda: account_managers_with_cases().values_list("pk", "first_name", "last_name", "username")
)


def account_manager_choices() -> list[tuple[int, str]]:
    """(id, name) of account_managers_with_cases(), for the filters' choice list.

    Plain values rather than users: a ModelChoiceField reads its users through a server-side
    cursor (DECLARE, FETCH, CLOSE) on every rendering, several round trips for a dozen names.
    """
    return [
        (row["pk"], f"{row['first_name']} {row['last_name']}".strip() or row["username"])
        for row in ACCOUNT_MANAGER_NAMES.rows({})
    ]


def case_segments() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_distinct_case_values("segment"))
        return sorted(segment for (segment,) in cursor.fetchall() if segment)


DISTINCT_VALUES = (
    "WITH RECURSIVE found(value) AS (SELECT MIN({column}) FROM {table} UNION ALL "
    "SELECT (SELECT MIN(c.{column}) FROM {table} c WHERE c.{column} > found.value) "
    "FROM found WHERE found.value IS NOT NULL) SELECT value FROM found WHERE value IS NOT NULL"
)


def _distinct_case_values(column: str) -> str:
    """SQL for the distinct values of an indexed column of the cases, one index probe per value.

    SELECT DISTINCT (or an EXISTS per user, for someone without cases) reads every case, years of
    history included; stepping from each value to the next one in the index costs a probe per value.
    """
    table = connection.ops.quote_name(DepartureCase._meta.db_table)
    return DISTINCT_VALUES.format(column=column, table=table)  # names from the model and the callers, no input


# --- the headline figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigures:
    cases: int
    departures: int
    revenue_lost: Decimal
    offers_made: int
    saved_after_offer: int
    win_backs: int
    median_days_to_return: float | None
    closed: int
    closed_with_every_step: int
    median_days_to_close: float | None

    @property
    def save_rate(self) -> float | None:
        return _share(self.saved_after_offer, self.offers_made)

    @property
    def checklist_adherence(self) -> float | None:
        return _share(self.closed_with_every_step, self.closed)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _days(interval: timedelta | None) -> float | None:
    return None if interval is None else interval.total_seconds() / 86400


HEADLINE = _cohort_query(
    lambda cases: totals(
        cases,
        cases=Count("pk"),
        departures=Count("pk", filter=DEPARTED),
        revenue_lost=Sum("monthly_value", filter=DEPARTED, default=Decimal(0)),
        offers_made=Count("pk", filter=OFFER_MADE),
        saved_after_offer=Count("pk", filter=OFFER_MADE & SAVED),
        win_backs=Count("pk", filter=WON_BACK),
        return_interval=Median(F("won_back_on") - F("departed_on"), filter=WON_BACK),
        closed=Count("pk", filter=CLOSED),
        closed_with_every_step=Count("pk", filter=CLOSED & EVERY_STEP_CLOSED),
        close_interval=Median(TruncDate("closed_at") - F("notice_received_on"), filter=Q(closed_at__isnull=False)),
    )
)


def headline_figures(dashboard: DashboardFilter) -> HeadlineFigures:
    (row,) = HEADLINE.rows(dashboard.as_params())
    return HeadlineFigures(
        cases=row["cases"],
        departures=row["departures"],
        revenue_lost=row["revenue_lost"],
        offers_made=row["offers_made"],
        saved_after_offer=row["saved_after_offer"],
        win_backs=row["win_backs"],
        median_days_to_return=_days(row["return_interval"]),
        closed=row["closed"],
        closed_with_every_step=row["closed_with_every_step"],
        median_days_to_close=_days(row["close_interval"]),
    )


# --- breakdowns: one row per bar of a chart and per line of its table -------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    link: dict[str, str]  # CaseDrilldown fields selecting the cases behind this row
    cases: int = 0
    departures: int = 0
    revenue: Decimal = Decimal(0)
    offers: int = 0
    saved: int = 0
    win_backs: int = 0

    @property
    def save_rate(self) -> float | None:
        return _share(self.saved, self.offers)


NOT_RECORDED = "Not recorded"


def _reason_row(row: dict[str, Any], outcome: str, **measures: Any) -> BreakdownRow:
    label = row["probe__primary_reason__label"] or NOT_RECORDED
    reason = str(row["probe__primary_reason"] or "none")
    return BreakdownRow(label=label, link={"outcome": outcome, "reason": reason}, **measures)


BY_REASON = _cohort_query(
    lambda cases: (
        cases.filter(DEPARTED | OFFER_MADE)
        .values("probe__primary_reason", "probe__primary_reason__label")
        .annotate(
            departures=Count("pk", filter=DEPARTED),
            revenue=Sum("monthly_value", filter=DEPARTED, default=Decimal(0)),
            offers=Count("pk", filter=OFFER_MADE),
            saved=Count("pk", filter=OFFER_MADE & SAVED),
        )
        .order_by("probe__primary_reason__label")
    )
)


def reason_breakdowns(dashboard: DashboardFilter) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Departures and revenue by reason, and save rate by reason, from one query.

    Both group the period's cases by primary reason, so one pass over them serves both charts. Rows come
    ordered by label and are sorted by count in Python; the sort is stable, so ties keep the database's
    label order, exactly as `ORDER BY count DESC, label` would give.
    """
    rows = BY_REASON.rows(dashboard.as_params())
    departed = [
        _reason_row(row, "departed", departures=row["departures"], revenue=row["revenue"])
        for row in sorted(rows, key=lambda row: -row["departures"])
        if row["departures"]
    ]
    offered = [
        _reason_row(row, "offer_made", offers=row["offers"], saved=row["saved"])
        for row in sorted(rows, key=lambda row: -row["offers"])
        if row["offers"]
    ]
    return departed, offered


def departures_by_reason(dashboard: DashboardFilter) -> list[BreakdownRow]:
    return reason_breakdowns(dashboard)[0]


BY_KIND = _cohort_query(
    lambda cases: (
        cases.filter(DEPARTED)
        .values("probe__departure_kind")
        .annotate(departures=Count("pk"), revenue=Sum("monthly_value"))
        .order_by("-departures", "probe__departure_kind")
    )
)


def departures_by_kind(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = BY_KIND.rows(dashboard.as_params())
    labels = dict(ProbeStep.DepartureKind.choices)
    return [
        BreakdownRow(
            label=labels.get(kind, NOT_RECORDED) if kind else NOT_RECORDED,
            link={"outcome": "departed", "kind": kind or "none"},
            departures=row["departures"],
            revenue=row["revenue"],
        )
        for row in rows
        for kind in [row["probe__departure_kind"]]
    ]


BY_ACCOUNT_MANAGER = _cohort_query(
    lambda cases: (
        cases.values("account_manager", "account_manager__first_name", "account_manager__last_name")
        .annotate(
            cases=Count("pk"),
            departures=Count("pk", filter=DEPARTED),
            revenue=Sum("monthly_value", filter=DEPARTED, default=Decimal(0)),
            offers=Count("pk", filter=OFFER_MADE),
            saved=Count("pk", filter=OFFER_MADE & SAVED),
            win_backs=Count("pk", filter=WON_BACK),
        )
        .order_by("-departures", "account_manager__first_name", "account_manager")
    )
)


def by_account_manager(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = BY_ACCOUNT_MANAGER.rows(dashboard.as_params())
    return [
        BreakdownRow(
            label=f"{row.pop('account_manager__first_name')} {row.pop('account_manager__last_name')}".strip(),
            link={"account_manager": str(row.pop("account_manager"))},
            **row,
        )
        for row in rows
    ]


COMPETITORS_SHOWN = 15
COMPETITORS = _cohort_query(
    lambda cases: (
        cases.filter(DEPARTED)
        .exclude(probe__competitor="")
        .values("probe__competitor")
        .annotate(departures=Count("pk"), revenue=Sum("monthly_value"))
        .order_by("-departures", "probe__competitor")[:COMPETITORS_SHOWN]
    )
)


def competitors_lost_to(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = COMPETITORS.rows(dashboard.as_params())
    return [
        BreakdownRow(
            label=row["probe__competitor"],
            link={"outcome": "departed", "competitor": row["probe__competitor"]},
            departures=row["departures"],
            revenue=row["revenue"],
        )
        for row in rows
    ]


BY_OFFER_TYPE = _cohort_query(
    lambda cases: (
        cases.filter(OFFER_MADE)
        .values("offer__offer_type")
        .annotate(offers=Count("pk"), saved=Count("pk", filter=SAVED))
        .order_by("-offers", "offer__offer_type")
    )
)


def save_rate_by_offer_type(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = BY_OFFER_TYPE.rows(dashboard.as_params())
    labels = dict(OfferStep.OfferType.choices)
    return [
        BreakdownRow(
            label=labels.get(offer_type, NOT_RECORDED) if offer_type else NOT_RECORDED,
            link={"outcome": "offer_made", "offer_type": offer_type or "none"},
            offers=row["offers"],
            saved=row["saved"],
        )
        for row in rows
        for offer_type in [row["offer__offer_type"]]
    ]


def save_rate_by_reason(dashboard: DashboardFilter) -> list[BreakdownRow]:
    return reason_breakdowns(dashboard)[1]


@dataclass(frozen=True)
class TrendSeries:
    label: str
    category: str
    counts: list[int]


@dataclass(frozen=True)
class MonthlyTrend:
    months: list[date]
    series: list[TrendSeries] = field(default_factory=list)

    def rows(self) -> list[tuple[date, list[int]]]:
        """The table's rows: one per month, one count per series."""
        return [(month, [s.counts[index] for s in self.series]) for index, month in enumerate(self.months)]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    return months


MONTHLY_TREND = _cohort_query(
    lambda cases: (
        cases.filter(DEPARTED)
        .annotate(month=TruncMonth("notice_received_on"))
        .values("month", "probe__primary_reason__category")
        .annotate(departures=Count("pk"))
        .order_by()
    )
)


def monthly_trend_by_category(dashboard: DashboardFilter) -> MonthlyTrend:
    rows = MONTHLY_TREND.rows(dashboard.as_params())
    months = _months(dashboard.start, dashboard.end)
    position = {month: index for index, month in enumerate(months)}
    counts: dict[str, list[int]] = {}
    for row in rows:
        category = row["probe__primary_reason__category"] or ""
        counts.setdefault(category, [0] * len(months))[position[row["month"]]] = row["departures"]
    labels = dict(ChurnReason.Category.choices)
    order = [key for key in labels if key in counts] + ([""] if "" in counts else [])
    series = [TrendSeries(label=labels.get(key, NOT_RECORDED), category=key, counts=counts[key]) for key in order]
    return MonthlyTrend(months=months, series=series)


# --- survey answers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyGroup:
    """Answers in one group; anonymous ones count only when there are enough of them."""

    label: str
    identified: int
    anonymous: int
    satisfaction_sum: int
    likelihood_sum: int

    @property
    def anonymous_shown(self) -> bool:
        return self.anonymous >= ANONYMITY_THRESHOLD

    @property
    def anonymous_hidden(self) -> bool:
        return 0 < self.anonymous < ANONYMITY_THRESHOLD

    @property
    def counted(self) -> int:
        return self.identified + (self.anonymous if self.anonymous_shown else 0)

    @property
    def average_satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.counted if self.counted else None

    @property
    def average_likelihood(self) -> float | None:
        return self.likelihood_sum / self.counted if self.counted else None


@dataclass(frozen=True)
class SurveyFigures:
    invitations_sent: int
    answers: int
    overall: SurveyGroup
    by_segment: list[SurveyGroup]
    anonymous_excluded_by_filter: bool
    anonymous_left_out: int  # anonymous answers of groups too small to show: in the response rate only

    @property
    def response_rate(self) -> float | None:
        return _share(self.answers, self.invitations_sent)


# The survey queries' builders take their filter's values one by one: the values, or their placeholders.


def _answers_for(first_month: Any, end: Any, segment: Any, account_manager_id: Any) -> QuerySet[SurveyAnswer]:
    answers = SurveyAnswer.objects.filter(month__range=(first_month, end))
    if segment:
        answers = answers.filter(segment=segment)
    if account_manager_id:
        # An anonymous answer has no owner, so it cannot count for one account manager.
        answers = answers.filter(is_anonymous=False, case__account_manager_id=account_manager_id)
    return answers


def _invitations(starts_at: Any, ends_before: Any, segment: Any, account_manager_id: Any) -> QuerySet[FollowUp]:
    invitations = FollowUp.objects.filter(
        kind=FollowUp.Kind.SURVEY, status=FollowUp.Status.SENT, due_at__gte=starts_at, due_at__lt=ends_before
    )
    if account_manager_id:
        invitations = invitations.filter(case__account_manager_id=account_manager_id)
    if segment:
        invitations = invitations.filter(case__segment=segment)
    return invitations


ANONYMOUS = Q(is_anonymous=True)
SURVEY_SUMS = {
    "identified": Count("pk", filter=~ANONYMOUS),
    "anonymous": Count("pk", filter=ANONYMOUS),
    "identified_satisfaction": Sum("satisfaction", filter=~ANONYMOUS, default=0),
    "identified_likelihood": Sum("likelihood_to_return", filter=~ANONYMOUS, default=0),
    "anonymous_satisfaction": Sum("satisfaction", filter=ANONYMOUS, default=0),
    "anonymous_likelihood": Sum("likelihood_to_return", filter=ANONYMOUS, default=0),
}
FILTERS: dict[str, Field[Any, Any]] = {"segment": CharField(), "account_manager_id": IntegerField()}
ANSWERS_BY_SEGMENT = CompiledQuery(
    lambda **params: _answers_for(**params).values("segment").annotate(**SURVEY_SUMS).order_by("segment"),
    first_month=DateField(),
    end=DateField(),
    **FILTERS,
)
INVITATIONS_SENT = CompiledQuery(
    lambda **params: totals(_invitations(**params), sent=Count("pk")),
    starts_at=DateTimeField(),
    ends_before=DateTimeField(),
    **FILTERS,
)


def _invitations_sent(dashboard: DashboardFilter) -> int:
    # By whole months, as the answers are counted (an anonymous answer keeps only its month): the
    # months from the period's first to its last, so that the response rate compares like with like.
    tz = timezone.get_current_timezone()
    (row,) = INVITATIONS_SENT.rows(
        {
            "starts_at": datetime.combine(dashboard.start.replace(day=1), time.min, tzinfo=tz),
            "ends_before": datetime.combine(_next_month(dashboard.end), time.min, tzinfo=tz),
            "segment": dashboard.segment,
            "account_manager_id": dashboard.account_manager_id,
        }
    )
    return int(row["sent"])


def survey_figures(dashboard: DashboardFilter) -> SurveyFigures:
    by_segment = ANSWERS_BY_SEGMENT.rows(
        {
            "first_month": dashboard.start.replace(day=1),
            "end": dashboard.end,
            "segment": dashboard.segment,
            "account_manager_id": dashboard.account_manager_id,
        }
    )
    # Counts and sums add up, so the overall row is the segments' total (one query fewer). The anonymous
    # answers of segments too small to show count in it only when together they are enough: otherwise the
    # overall average less the segments' would give away a group of fewer than ANONYMITY_THRESHOLD.
    shown = [row for row in by_segment if row["anonymous"] >= ANONYMITY_THRESHOLD]
    hidden = sum(row["anonymous"] for row in by_segment) - sum(row["anonymous"] for row in shown)
    counted = by_segment if hidden >= ANONYMITY_THRESHOLD else shown
    overall = {name: sum(row[name] for row in (counted if "anonymous" in name else by_segment)) for name in SURVEY_SUMS}
    answers = sum(row["identified"] + row["anonymous"] for row in by_segment)
    return SurveyFigures(
        invitations_sent=_invitations_sent(dashboard),
        answers=answers,
        overall=_survey_group("All answers", overall),
        by_segment=[_survey_group(row["segment"] or NOT_RECORDED, row) for row in by_segment],
        anonymous_excluded_by_filter=bool(dashboard.account_manager_id),
        anonymous_left_out=answers - overall["identified"] - overall["anonymous"],
    )


def _survey_group(label: str, row: dict[str, Any]) -> SurveyGroup:
    shown = row["anonymous"] >= ANONYMITY_THRESHOLD
    return SurveyGroup(
        label=label,
        identified=row["identified"],
        anonymous=row["anonymous"],
        satisfaction_sum=row["identified_satisfaction"] + (row["anonymous_satisfaction"] if shown else 0),
        likelihood_sum=row["identified_likelihood"] + (row["anonymous_likelihood"] if shown else 0),
    )


# --- the case page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFeedback:
    survey_answers: list[SurveyAnswer]
    recorded: list[RecordedFeedback]


def case_feedback(case: DepartureCase) -> CaseFeedback:
    """Identified survey answers and recorded feedback of one case (anonymous answers never appear here)."""
    answers = SurveyAnswer.objects.filter(case=case, is_anonymous=False).prefetch_related("reasons")
    recorded = RecordedFeedback.objects.filter(case=case).select_related("recorded_by")
    return CaseFeedback(survey_answers=list(answers.order_by("-submitted_at")), recorded=list(recorded))
