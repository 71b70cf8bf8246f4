"""Reads for the managers' dashboard, its case lists and the case page's feedback.

Every figure is one aggregate query over the cases whose notice arrived in the
chosen period (the dashboard's cohort), so the number of queries never grows
with the data and PostgreSQL does the counting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from clients.roles import ACCOUNT_MANAGERS
from feedback.aggregates import Median
from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.models import ChurnReason, DepartureCase, FollowUp, OfferStep, ProbeStep

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
    # One probe of the cases' account-manager index per person; `pk__in=<every case's owner>` reads every case.
    owns_cases = Exists(DepartureCase.objects.filter(account_manager=OuterRef("pk")))
    return User.objects.filter(in_group | owns_cases).order_by("first_name", "last_name", "username")


def account_manager_choices() -> list[tuple[int, str]]:
    """(id, name) of account_managers_with_cases(), for the filters' choice list.

    Plain values rather than users: a ModelChoiceField reads its users through a server-side
    cursor (DECLARE, FETCH, CLOSE) on every rendering, several round trips for a dozen names.
    """
    people = account_managers_with_cases().values_list("pk", "first_name", "last_name", "username")
    return [(pk, f"{first_name} {last_name}".strip() or username) for pk, first_name, last_name, username in people]


def case_segments() -> list[str]:
    segments = DepartureCase.objects.exclude(segment="").order_by().values_list("segment", flat=True).distinct()
    return sorted(segments)


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


def headline_figures(dashboard: DashboardFilter) -> HeadlineFigures:
    row = cases_for(dashboard).aggregate(
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


def reason_breakdowns(dashboard: DashboardFilter) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Departures and revenue by reason, and save rate by reason, from one query.

    Both group the period's cases by primary reason, so one pass over them serves both charts. Rows come
    ordered by label and are sorted by count in Python; the sort is stable, so ties keep the database's
    label order, exactly as `ORDER BY count DESC, label` would give.
    """
    rows = list(
        cases_for(dashboard)
        .filter(DEPARTED | OFFER_MADE)
        .values("probe__primary_reason", "probe__primary_reason__label")
        .annotate(
            departures=Count("pk", filter=DEPARTED),
            revenue=Sum("monthly_value", filter=DEPARTED, default=Decimal(0)),
            offers=Count("pk", filter=OFFER_MADE),
            saved=Count("pk", filter=OFFER_MADE & SAVED),
        )
        .order_by("probe__primary_reason__label")
    )
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


def departures_by_kind(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = (
        cases_for(dashboard)
        .filter(DEPARTED)
        .values("probe__departure_kind")
        .annotate(departures=Count("pk"), revenue=Sum("monthly_value"))
        .order_by("-departures", "probe__departure_kind")
    )
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


def by_account_manager(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = (
        cases_for(dashboard)
        .values("account_manager", "account_manager__first_name", "account_manager__last_name")
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
    return [
        BreakdownRow(
            label=f"{row.pop('account_manager__first_name')} {row.pop('account_manager__last_name')}".strip(),
            link={"account_manager": str(row.pop("account_manager"))},
            **row,
        )
        for row in rows
    ]


COMPETITORS_SHOWN = 15


def competitors_lost_to(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = (
        cases_for(dashboard)
        .filter(DEPARTED)
        .exclude(probe__competitor="")
        .values("probe__competitor")
        .annotate(departures=Count("pk"), revenue=Sum("monthly_value"))
        .order_by("-departures", "probe__competitor")[:COMPETITORS_SHOWN]
    )
    return [
        BreakdownRow(
            label=row["probe__competitor"],
            link={"outcome": "departed", "competitor": row["probe__competitor"]},
            departures=row["departures"],
            revenue=row["revenue"],
        )
        for row in rows
    ]


def save_rate_by_offer_type(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = (
        cases_for(dashboard)
        .filter(OFFER_MADE)
        .values("offer__offer_type")
        .annotate(offers=Count("pk"), saved=Count("pk", filter=SAVED))
        .order_by("-offers", "offer__offer_type")
    )
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


def monthly_trend_by_category(dashboard: DashboardFilter) -> MonthlyTrend:
    rows = (
        cases_for(dashboard)
        .filter(DEPARTED)
        .annotate(month=TruncMonth("notice_received_on"))
        .values("month", "probe__primary_reason__category")
        .annotate(departures=Count("pk"))
        .order_by()
    )
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

# Anonymous answers are shown only in groups at least this big, so no one can
# work out a single person's answer from a small breakdown.
ANONYMITY_THRESHOLD = 5


def anonymous_answers_shown(count: int) -> bool:
    """Whether a group of `count` anonymous answers may be shown, and counted in an average."""
    return count >= ANONYMITY_THRESHOLD


@dataclass(frozen=True)
class AnswerTotals:
    """A number of survey answers and the sums of their two scores: they add up across groups."""

    answers: int = 0
    satisfaction: int = 0
    likelihood: int = 0

    def __add__(self, other: AnswerTotals) -> AnswerTotals:
        return AnswerTotals(
            answers=self.answers + other.answers,
            satisfaction=self.satisfaction + other.satisfaction,
            likelihood=self.likelihood + other.likelihood,
        )


NO_ANSWERS = AnswerTotals()


@dataclass(frozen=True)
class SurveyGroup:
    """The answers of one group: the named ones always count, the anonymous ones only when they may be shown."""

    label: str
    named: AnswerTotals
    anonymous_answers: AnswerTotals

    @property
    def identified(self) -> int:
        return self.named.answers

    @property
    def anonymous(self) -> int:
        return self.anonymous_answers.answers

    @property
    def anonymous_shown(self) -> bool:
        return anonymous_answers_shown(self.anonymous)

    @property
    def anonymous_hidden(self) -> bool:
        return self.anonymous > 0 and not self.anonymous_shown

    @property
    def counted(self) -> AnswerTotals:
        """The answers in this group's averages."""
        return self.named + self.anonymous_answers if self.anonymous_shown else self.named

    @property
    def average_satisfaction(self) -> float | None:
        return self.counted.satisfaction / self.counted.answers if self.counted.answers else None

    @property
    def average_likelihood(self) -> float | None:
        return self.counted.likelihood / self.counted.answers if self.counted.answers else None


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


# The survey figures count the whole months of the period, answers by the month they were given and
# invitations by the month they were due: an anonymous answer keeps only its month.


def _answers_for(dashboard: DashboardFilter) -> QuerySet[SurveyAnswer]:
    answers = SurveyAnswer.objects.filter(month__range=(dashboard.start.replace(day=1), dashboard.end))
    if dashboard.segment:
        answers = answers.filter(segment=dashboard.segment)
    if dashboard.account_manager_id:
        # An anonymous answer has no owner, so it cannot count for one account manager.
        answers = answers.filter(is_anonymous=False, case__account_manager_id=dashboard.account_manager_id)
    return answers


def _invitations_sent(dashboard: DashboardFilter) -> int:
    tz = timezone.get_current_timezone()
    invitations = FollowUp.objects.filter(
        kind=FollowUp.Kind.SURVEY,
        status=FollowUp.Status.SENT,
        due_at__gte=datetime.combine(dashboard.start.replace(day=1), time.min, tzinfo=tz),
        due_at__lt=datetime.combine(_next_month(dashboard.end), time.min, tzinfo=tz),
    )
    if dashboard.account_manager_id:
        invitations = invitations.filter(case__account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        invitations = invitations.filter(case__segment=dashboard.segment)
    return invitations.count()


def _sums(name: str, condition: Q) -> dict[str, Count | Sum]:
    """The aggregates behind an AnswerTotals of the answers meeting `condition`, named after `name`."""
    return {
        name: Count("pk", filter=condition),
        f"{name}_satisfaction": Sum("satisfaction", filter=condition, default=0),
        f"{name}_likelihood": Sum("likelihood_to_return", filter=condition, default=0),
    }


def _totals(row: dict[str, int], name: str) -> AnswerTotals:
    return AnswerTotals(
        answers=row[name], satisfaction=row[f"{name}_satisfaction"], likelihood=row[f"{name}_likelihood"]
    )


def survey_groups_by_segment(dashboard: DashboardFilter) -> list[SurveyGroup]:
    rows = (
        _answers_for(dashboard)
        .values("segment")
        .annotate(**_sums("named", Q(is_anonymous=False)), **_sums("anonymous", Q(is_anonymous=True)))
        .order_by("segment")
    )
    return [
        SurveyGroup(
            label=row["segment"] or NOT_RECORDED,
            named=_totals(row, "named"),
            anonymous_answers=_totals(row, "anonymous"),
        )
        for row in rows
    ]


def overall_survey_group(by_segment: list[SurveyGroup]) -> SurveyGroup:
    """Every named answer, and the anonymous answers of the segments that show theirs.

    The anonymous answers of the segments too small to show count only when together they may be
    shown: otherwise the overall average less the segments' would give away a group too small to show.
    Counts and sums add up, so the segments' totals serve (one query fewer).
    """
    named = sum((group.named for group in by_segment), NO_ANSWERS)
    shown = sum((group.anonymous_answers for group in by_segment if group.anonymous_shown), NO_ANSWERS)
    hidden = sum((group.anonymous_answers for group in by_segment if not group.anonymous_shown), NO_ANSWERS)
    anonymous = shown + hidden if anonymous_answers_shown(hidden.answers) else shown
    return SurveyGroup(label="All answers", named=named, anonymous_answers=anonymous)


def survey_figures(dashboard: DashboardFilter) -> SurveyFigures:
    by_segment = survey_groups_by_segment(dashboard)
    overall = overall_survey_group(by_segment)
    answers = sum(group.identified + group.anonymous for group in by_segment)
    return SurveyFigures(
        invitations_sent=_invitations_sent(dashboard),
        answers=answers,
        overall=overall,
        by_segment=by_segment,
        anonymous_excluded_by_filter=bool(dashboard.account_manager_id),
        anonymous_left_out=answers - overall.counted.answers,
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
