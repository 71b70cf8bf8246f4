"""Departure figures for the dashboard: the headline figures, the breakdowns and the monthly trend.

Every figure comes from an aggregate query over the filter's cases (cases_for), so the
number of queries never grows with the data and PostgreSQL does the counting; the breakdowns
of what the probe recorded (by reason, by kind, by month) share one query. Revenue is
REVENUE_LOST: the part that leaves, in the business currency at the notice date's rate.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from clients.formatting import display_name
from feedback.aggregates import Median
from feedback.selectors.filters import (
    CLOSED,
    DEPARTED,
    EVERY_STEP_CLOSED,
    NOT_RECORDED,
    OFFER_MADE,
    SAVED,
    WON_BACK,
    DashboardFilter,
    cases_for,
    next_month,
    share,
)
from feedback.selectors.revenue import REVENUE_LOST, RevenueFigures, revenue_aggregates, revenue_figures
from feedback.selectors.saves import kept_save_rate, save_outcome_counts
from offboarding.models import ChurnReason, OfferStep, ProbeStep


@dataclass(frozen=True)
class HeadlineFigures:
    cases: int
    departures: int
    revenue: RevenueFigures  # lost to full and partial departures, and the accepted offers' effect
    offers_made: int
    saved_after_offer: int  # every save after an offer, watched, kept or relapsed
    saves_kept: int
    saves_watching: int
    saves_relapsed: int
    win_backs: int
    median_days_to_return: float | None
    closed: int
    closed_with_every_step: int
    median_days_to_close: float | None

    @property
    def revenue_lost(self) -> Decimal:
        return self.revenue.revenue_lost

    @property
    def save_rate(self) -> float | None:
        """Saves kept after the watch period, of the offers made whose save is not still being watched."""
        return kept_save_rate(self.saves_kept, self.offers_made, self.saves_watching)

    @property
    def checklist_adherence(self) -> float | None:
        return share(self.closed_with_every_step, self.closed)


def _days(interval: timedelta | None) -> float | None:
    return None if interval is None else interval.total_seconds() / 86400


def headline_figures(dashboard: DashboardFilter) -> HeadlineFigures:
    """The period's figures, its revenue ones among them, from one pass over its cases."""
    row = cases_for(dashboard).aggregate(
        cases=Count("pk"),
        departures=Count("pk", filter=DEPARTED),
        **revenue_aggregates(),
        offers_made=Count("pk", filter=OFFER_MADE),
        saved_after_offer=Count("pk", filter=OFFER_MADE & SAVED),
        **save_outcome_counts(),
        win_backs=Count("pk", filter=WON_BACK),
        return_interval=Median(F("won_back_on") - F("departed_on"), filter=WON_BACK),
        closed=Count("pk", filter=CLOSED),
        closed_with_every_step=Count("pk", filter=CLOSED & EVERY_STEP_CLOSED),
        close_interval=Median(TruncDate("closed_at") - F("notice_received_on"), filter=Q(closed_at__isnull=False)),
    )
    return HeadlineFigures(
        cases=row["cases"],
        departures=row["departures"],
        revenue=revenue_figures(row),
        offers_made=row["offers_made"],
        saved_after_offer=row["saved_after_offer"],
        saves_kept=row["saved"],
        saves_watching=row["watching"],
        saves_relapsed=row["relapsed"],
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
    saved: int = 0  # saves after an offer kept after the watch period
    watching: int = 0  # saves after an offer still inside it
    relapsed: int = 0
    win_backs: int = 0

    @property
    def save_rate(self) -> float | None:
        return kept_save_rate(self.saved, self.offers, self.watching)


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


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class ProbeBreakdowns:
    """What the probe step recorded of the period's departed and offered cases, in four breakdowns."""

    departures: list[BreakdownRow]  # departures and revenue lost, by primary reason
    save_rate: list[BreakdownRow]  # offers made and clients saved, by primary reason
    by_kind: list[BreakdownRow]  # departures and revenue lost, by kind of departure
    trend: MonthlyTrend  # departures by month and reason category


COUNTS = ("departures", "offers", "saved", "watching", "relapsed")


def _added_up(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Hashable]) -> dict[Hashable, dict[str, Any]]:
    """The rows' counts and revenue added up by `key`, each key first seen first.

    Revenue adds as SQL's SUM adds: amounts with no rate (NULL) are left out, and a total of none of
    them is None. Rows with no departure carry no revenue, so they leave a departures total unchanged.
    """
    totals: dict[Hashable, dict[str, Any]] = {}
    for row in rows:
        total = totals.setdefault(key(row), {**row, **dict.fromkeys(COUNTS, 0), "revenue": None})
        for name in COUNTS:
            total[name] += row[name]
        if row["revenue"] is not None:
            total["revenue"] = row["revenue"] + (total["revenue"] or 0)
    return totals


def _reason_row(row: dict[str, Any], outcome: str, **measures: Any) -> BreakdownRow:
    label = row["probe__primary_reason__label"] or str(NOT_RECORDED)
    reason = str(row["probe__primary_reason"] or "none")
    return BreakdownRow(label=label, link={"outcome": outcome, "reason": reason}, **measures)


def _by_reason(rows: list[dict[str, Any]]) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Departures and revenue by reason, and save rate by reason.

    The rows come ordered by label and each reason's total is sorted by count; the sort is stable, so
    ties keep the database's label order, exactly as `ORDER BY count DESC, label` would give.
    """
    reasons = list(_added_up(rows, lambda row: row["probe__primary_reason"]).values())
    departed = [
        _reason_row(row, "departed", departures=row["departures"], revenue=row["revenue"] or Decimal(0))
        for row in sorted(reasons, key=lambda row: -row["departures"])
        if row["departures"]
    ]
    offered = [
        _reason_row(row, "offer_made", **{name: row[name] for name in ("offers", "saved", "watching", "relapsed")})
        for row in sorted(reasons, key=lambda row: -row["offers"])
        if row["offers"]
    ]
    return departed, offered


def _by_kind(rows: list[dict[str, Any]]) -> list[BreakdownRow]:
    """Departures and revenue by kind of departure, most departures first, then by kind (not recorded last)."""
    departed = [row for row in rows if row["departures"]]
    kinds = sorted(
        _added_up(departed, lambda row: row["probe__departure_kind"]).values(),
        key=lambda row: (-row["departures"], row["probe__departure_kind"] is None, row["probe__departure_kind"] or ""),
    )
    labels = dict(ProbeStep.DepartureKind.choices)
    return [
        BreakdownRow(
            label=str(labels.get(row["probe__departure_kind"], NOT_RECORDED)),
            link={"outcome": "departed", "kind": row["probe__departure_kind"] or "none"},
            departures=row["departures"],
            revenue=row["revenue"],
        )
        for row in kinds
    ]


def _trend(rows: list[dict[str, Any]], dashboard: DashboardFilter) -> MonthlyTrend:
    """Departures by month and reason category, one series per category that has any."""
    months = _months(dashboard.start, dashboard.end)
    position = {month: index for index, month in enumerate(months)}
    counts: dict[str, list[int]] = {}
    for row in rows:
        if row["departures"]:
            category = row["probe__primary_reason__category"] or ""
            counts.setdefault(category, [0] * len(months))[position[row["month"]]] += row["departures"]
    labels = dict(ChurnReason.Category.choices)
    order = [key for key in labels if key in counts] + ([""] if "" in counts else [])
    series = [TrendSeries(label=str(labels.get(key, NOT_RECORDED)), category=key, counts=counts[key]) for key in order]
    return MonthlyTrend(months=months, series=series)


def probe_breakdowns(dashboard: DashboardFilter) -> ProbeBreakdowns:
    """The breakdowns by reason, by kind and by month, from one query.

    All four group the period's departed and offered cases by what their probe step recorded, so one
    pass groups them by reason, kind and month together (a row for each, about a thousand over twelve
    months), and each breakdown adds those rows up by its own key. Counts add, and so do sums of money
    in one currency.
    """
    rows = list(
        cases_for(dashboard)
        .filter(DEPARTED | OFFER_MADE)
        .annotate(month=TruncMonth("notice_received_on"))
        .values(
            "probe__primary_reason",
            "probe__primary_reason__label",
            "probe__primary_reason__category",
            "probe__departure_kind",
            "month",
        )
        .annotate(
            departures=Count("pk", filter=DEPARTED),
            revenue=Sum(REVENUE_LOST, filter=DEPARTED),
            offers=Count("pk", filter=OFFER_MADE),
            **save_outcome_counts(),
        )
        .order_by("probe__primary_reason__label")
    )
    departed, offered = _by_reason(rows)
    return ProbeBreakdowns(
        departures=departed, save_rate=offered, by_kind=_by_kind(rows), trend=_trend(rows, dashboard)
    )


_NAME_FIELDS = ("first_name", "last_name", "username")


def _person_name(row: dict[str, Any]) -> str:
    # The row holds the names the grouping fetched, not a user: an unsaved one carries them to display_name.
    return display_name(User(**{name: row[f"account_manager__{name}"] for name in _NAME_FIELDS}))


def by_account_manager(dashboard: DashboardFilter) -> list[BreakdownRow]:
    rows = (
        cases_for(dashboard)
        .values("account_manager", *(f"account_manager__{name}" for name in _NAME_FIELDS))
        .annotate(
            cases=Count("pk"),
            departures=Count("pk", filter=DEPARTED),
            revenue=Sum(REVENUE_LOST, filter=DEPARTED, default=Decimal(0)),
            offers=Count("pk", filter=OFFER_MADE),
            **save_outcome_counts(),
            win_backs=Count("pk", filter=WON_BACK),
        )
        .order_by("-departures", "account_manager__first_name", "account_manager")
    )
    return [
        BreakdownRow(
            label=_person_name(row),
            link={"account_manager": str(row["account_manager"])},
            cases=row["cases"],
            departures=row["departures"],
            revenue=row["revenue"],
            offers=row["offers"],
            saved=row["saved"],
            watching=row["watching"],
            relapsed=row["relapsed"],
            win_backs=row["win_backs"],
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
        .annotate(departures=Count("pk"), revenue=Sum(REVENUE_LOST))
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
        .annotate(offers=Count("pk"), **save_outcome_counts())
        .order_by("-offers", "offer__offer_type")
    )
    offer_types = dict(OfferStep.OfferType.choices)
    return [
        BreakdownRow(
            label=str(offer_types.get(row["offer__offer_type"], NOT_RECORDED)),
            link={"outcome": "offer_made", "offer_type": row["offer__offer_type"] or "none"},
            offers=row["offers"],
            saved=row["saved"],
            watching=row["watching"],
            relapsed=row["relapsed"],
        )
        for row in rows
    ]
