"""The dashboard's page model: figures from the selectors, plus the links and chart data built from them.

Charts are drawn by static/js/dashboard-charts.js from the JSON built here; every
chart's numbers are also in a table on the page, so the charts only add a picture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from feedback.formatting import days, money, one_decimal, percent
from feedback.selectors import (
    NOT_RECORDED,
    BreakdownRow,
    CaseDrilldown,
    DashboardFilter,
    HeadlineFigures,
    SurveyFigures,
    by_account_manager,
    competitors_lost_to,
    departures_by_kind,
    departures_by_reason,
    headline_figures,
    monthly_trend_by_category,
    save_rate_by_offer_type,
    save_rate_by_reason,
    survey_figures,
)
from offboarding.models import ChurnReason, OfferStep, ProbeStep


def filter_params(dashboard: DashboardFilter) -> dict[str, str]:
    params = {"start": dashboard.start.isoformat(), "end": dashboard.end.isoformat()}
    if dashboard.account_manager_id:
        params["account_manager"] = str(dashboard.account_manager_id)
    if dashboard.segment:
        params["segment"] = dashboard.segment
    return params


def case_list_url(dashboard: DashboardFilter, **drilldown: str) -> str:
    return f"{reverse('feedback:cases')}?{urlencode({**filter_params(dashboard), **drilldown})}"


@dataclass
class LinkedRow:
    row: BreakdownRow
    url: str


@dataclass
class Breakdown:
    """One chart and its table."""

    key: str
    title: str
    rows: list[LinkedRow]
    measures: list[tuple[str, str]]  # (BreakdownRow attribute, label) drawn as bars
    columns: list[tuple[str, str]]  # (BreakdownRow attribute, heading) in the table
    chart: dict[str, Any] = field(default_factory=dict)


def _breakdown(
    dashboard: DashboardFilter,
    key: str,
    title: str,
    rows: list[BreakdownRow],
    measures: list[tuple[str, str]],
    columns: list[tuple[str, str]],
) -> Breakdown:
    linked = [LinkedRow(row=row, url=case_list_url(dashboard, **row.link)) for row in rows]
    chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [row.label for row in rows],
        "datasets": [
            {
                "label": label,
                "data": [_number(getattr(row, attribute)) for row in rows],
                "axis": "right" if attribute == "revenue" else "left",
            }
            for attribute, label in measures
        ],
        "links": [[linked_row.url for linked_row in linked] for _ in measures],
    }
    return Breakdown(key=key, title=title, rows=linked, measures=measures, columns=columns, chart=chart)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


Columns = list[tuple[str, str]]
DEPARTURES_AND_REVENUE: Columns = [("departures", "Departures"), ("revenue", "Monthly revenue lost")]
SAVE_RATE: Columns = [("offers", "Offers made"), ("saved", "Saved"), ("save_rate", "Save rate")]
ACCOUNT_MANAGER_COLUMNS: Columns = [
    ("cases", "Cases"),
    *DEPARTURES_AND_REVENUE,
    *SAVE_RATE,
    ("win_backs", "Win-backs"),
]

# (key, title, selector, drawn as bars, shown in the table)
BREAKDOWNS: list[tuple[str, str, Callable[[DashboardFilter], list[BreakdownRow]], Columns, Columns]] = [
    (
        "by-reason",
        "Departures and revenue by reason",
        departures_by_reason,
        DEPARTURES_AND_REVENUE,
        DEPARTURES_AND_REVENUE,
    ),
    ("by-kind", "By kind of departure", departures_by_kind, DEPARTURES_AND_REVENUE, DEPARTURES_AND_REVENUE),
    ("by-account-manager", "By account manager", by_account_manager, DEPARTURES_AND_REVENUE, ACCOUNT_MANAGER_COLUMNS),
    ("competitors", "Competitors lost to", competitors_lost_to, DEPARTURES_AND_REVENUE, DEPARTURES_AND_REVENUE),
    ("save-by-offer", "Save rate by offer type", save_rate_by_offer_type, SAVE_RATE[:2], SAVE_RATE),
    ("save-by-reason", "Save rate by reason", save_rate_by_reason, SAVE_RATE[:2], SAVE_RATE),
]


@dataclass
class TrendTable:
    title: str
    series: list[tuple[str, str]]  # (label, category)
    rows: list[tuple[date, list[tuple[int, str]]]]  # month, (count, case list url) per series
    chart: dict[str, Any]


def _trend(dashboard: DashboardFilter) -> TrendTable:
    trend = monthly_trend_by_category(dashboard)
    urls = [
        [
            case_list_url(dashboard, outcome="departed", category=series.category, month=f"{month:%Y-%m}")
            for month in trend.months
        ]
        for series in trend.series
    ]
    rows = [
        (month, [(count, urls[s][index]) for s, count in enumerate(counts)])
        for index, (month, counts) in enumerate(trend.rows())
    ]
    chart = {
        "type": "bar",
        "stacked": True,
        "labels": [f"{month:%b %Y}" for month in trend.months],
        "datasets": [{"label": s.label, "data": s.counts, "axis": "left"} for s in trend.series],
        "links": urls,
    }
    return TrendTable(
        title="Monthly departures by reason category",
        series=[(s.label, s.category) for s in trend.series],
        rows=rows,
        chart=chart,
    )


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    url: str = ""


def _figures(headline: HeadlineFigures, survey: SurveyFigures, links: dict[str, str], currency: str) -> list[Figure]:
    return [
        Figure("Departures", f"{headline.departures:,}", url=links["departed"]),
        Figure("Monthly recurring revenue lost", money(headline.revenue_lost, currency), url=links["departed"]),
        Figure("Save offers made", f"{headline.offers_made:,}", url=links["offer_made"]),
        Figure(
            "Save rate",
            percent(headline.save_rate),
            f"{headline.saved_after_offer:,} saved after an offer",
            links["saved_after_offer"],
        ),
        Figure("Win-backs", f"{headline.win_backs:,}", url=links["won_back"]),
        Figure("Median time to return", days(headline.median_days_to_return), url=links["won_back"]),
        Figure("Median time from notice to close", days(headline.median_days_to_close), url=links["closed"]),
        Figure(
            "Checklist followed",
            percent(headline.checklist_adherence),
            f"{headline.closed_with_every_step:,} of {headline.closed:,} closed cases with every step done or skipped",
            links["closed"],
        ),
        Figure(
            "Survey response rate",
            percent(survey.response_rate),
            f"{survey.answers:,} answers to {survey.invitations_sent:,} invitations",
        ),
        Figure("Average satisfaction (1 to 5)", one_decimal(survey.overall.average_satisfaction)),
        Figure("Likelihood to return (0 to 10)", one_decimal(survey.overall.average_likelihood)),
    ]


def dashboard_context(dashboard: DashboardFilter, currency: str) -> dict[str, Any]:
    breakdowns = [
        _breakdown(dashboard, key, title, selector(dashboard), measures, columns)
        for key, title, selector, measures, columns in BREAKDOWNS
    ]
    trend = _trend(dashboard)
    charts = {breakdown.key: breakdown.chart for breakdown in breakdowns} | {"trend": trend.chart}
    outcomes = ("departed", "offer_made", "saved_after_offer", "won_back", "closed")
    links = {outcome: case_list_url(dashboard, outcome=outcome) for outcome in outcomes}
    headline, survey = headline_figures(dashboard), survey_figures(dashboard)
    return {
        "headline": headline,
        "figures": _figures(headline, survey, links, currency),
        "survey": survey,
        "breakdowns": breakdowns,
        "trend": trend,
        "charts": charts,
        "case_list_url": case_list_url(dashboard),
        "export_url": f"{reverse('feedback:export')}?{urlencode(filter_params(dashboard))}",
        "currency": currency,
    }


OUTCOME_LABELS = {
    "departed": "departed",
    "saved": "saved",
    "won_back": "won back",
    "offer_made": "a save offer was made",
    "saved_after_offer": "saved after an offer",
    "closed": "closed",
}


def drilldown_params(drilldown: CaseDrilldown) -> dict[str, str]:
    params = {name: value for name, value in asdict(drilldown).items() if value and name != "month"}
    if drilldown.month:
        params["month"] = f"{drilldown.month:%Y-%m}"
    return params


def drilldown_description(drilldown: CaseDrilldown) -> list[str]:
    """The case list's narrowing in words, e.g. ['departed', 'reason: Price too high']."""
    words = [OUTCOME_LABELS[drilldown.outcome]] if drilldown.outcome in OUTCOME_LABELS else []
    if drilldown.reason == "none":
        words.append("no reason recorded")
    elif drilldown.reason.isdigit():
        reason = ChurnReason.objects.filter(pk=int(drilldown.reason)).first()
        words.append(f"reason: {reason.label if reason else 'unknown'}")
    if drilldown.category:
        words.append(f"reason category: {dict(ChurnReason.Category.choices).get(drilldown.category, NOT_RECORDED)}")
    if drilldown.kind:
        words.append(f"kind: {dict(ProbeStep.DepartureKind.choices).get(drilldown.kind, NOT_RECORDED)}")
    if drilldown.competitor:
        words.append(f"went to {drilldown.competitor}")
    if drilldown.offer_type:
        words.append(f"offer: {dict(OfferStep.OfferType.choices).get(drilldown.offer_type, NOT_RECORDED)}")
    if drilldown.month:
        words.append(f"notice in {drilldown.month:%B %Y}")
    return words
