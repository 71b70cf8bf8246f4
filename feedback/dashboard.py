"""The dashboard's page model: figures from the selectors, plus the links and chart data built from them.

Charts are drawn by static/js/dashboard-charts.js from the JSON built here; every
chart's numbers are also in a table on the page, so the charts only add a picture.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clients.formatting import money
from feedback.formatting import count, days, measure, one_decimal, percent
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
    reason_breakdowns,
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


class CaseLinks:
    """Links from one rendering of the dashboard to its case lists.

    A page carries a couple of hundred of them that differ only in their drilldown, so the
    path and the filter's part of the query string are worked out once rather than per link.
    """

    def __init__(self, dashboard: DashboardFilter) -> None:
        self._params = filter_params(dashboard)
        self._path = reverse("feedback:cases")
        self.unnarrowed = f"{self._path}?{urlencode(self._params)}"

    def url(self, drilldown: dict[str, str]) -> str:
        if not drilldown:
            return self.unnarrowed
        if drilldown.keys() & self._params.keys():
            return f"{self._path}?{urlencode({**self._params, **drilldown})}"
        return f"{self.unnarrowed}&{urlencode(drilldown)}"


@dataclass
class LinkedRow:
    row: BreakdownRow
    url: str
    cells: SafeString  # the row's cells, its linked name first, written here rather than by template loops


# The tables of one page hold a few hundred cells. html.escape is what Django's escape calls, without
# the check for lazy strings that escape and format_html make on every argument; the cells below are
# written with it, which is several times faster than format_html per cell, for the same markup.


def _linked_row_cells(label: str, url: str, texts: list[str]) -> SafeString:
    name = f'<th scope="row"><a href="{html.escape(url)}">{html.escape(label)}</a></th>'
    numbers = "".join(f'<td class="text-end">{html.escape(text)}</td>' for text in texts)
    return SafeString(name + numbers)


@dataclass
class Breakdown:
    """One chart and its table."""

    key: str
    title: str
    label_heading: str  # heading of the column that names each row
    rows: list[LinkedRow]
    measures: list[tuple[str, str]]  # (BreakdownRow attribute, label) drawn as bars
    columns: list[tuple[str, str]]  # (BreakdownRow attribute, heading) in the table
    chart_alternative: str  # the chart's text alternative, read out in place of the picture
    chart: dict[str, Any] = field(default_factory=dict)


def _breakdown(links: CaseLinks, currency: str, spec: BreakdownSpec, rows: list[BreakdownRow]) -> Breakdown:
    linked = []
    for row in rows:
        url = links.url(row.link)
        texts = [measure(getattr(row, attribute), attribute, currency) for attribute, _heading in spec.columns]
        linked.append(LinkedRow(row=row, url=url, cells=_linked_row_cells(row.label, url, texts)))
    urls = [linked_row.url for linked_row in linked]
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
            for attribute, label in spec.drawn
        ],
        "links": [urls for _measure in spec.drawn],
    }
    return Breakdown(
        key=spec.key,
        title=spec.title,
        label_heading=spec.label_heading,
        rows=linked,
        measures=spec.drawn,
        columns=spec.columns,
        chart_alternative=_("Bar chart of %(subject)s; the numbers are in the table below.")
        % {"subject": _(spec.chart_subject)},
        chart=chart,
    )


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


@dataclass(frozen=True)
class BreakdownSpec:
    key: str
    title: str
    label_heading: str  # heading of the column that names each row
    selector: Callable[[DashboardFilter], list[BreakdownRow]]
    drawn: Columns  # measures drawn as bars
    columns: Columns  # measures shown in the table
    chart_subject: str  # what the bars show, finishing "Bar chart of ...", translated when shown


BREAKDOWNS: list[BreakdownSpec] = [
    BreakdownSpec(
        "by-reason",
        "Departures and revenue by reason",
        "Reason",
        departures_by_reason,
        DEPARTURES_AND_REVENUE,
        DEPARTURES_AND_REVENUE,
        gettext_noop("departures and revenue lost by reason"),
    ),
    BreakdownSpec(
        "by-kind",
        "By kind of departure",
        "Kind",
        departures_by_kind,
        DEPARTURES_AND_REVENUE,
        DEPARTURES_AND_REVENUE,
        gettext_noop("departures and revenue lost by kind of departure"),
    ),
    BreakdownSpec(
        "by-account-manager",
        "By account manager",
        "Account manager",
        by_account_manager,
        DEPARTURES_AND_REVENUE,
        ACCOUNT_MANAGER_COLUMNS,
        gettext_noop("departures and revenue lost by account manager"),
    ),
    BreakdownSpec(
        "competitors",
        "Competitors lost to",
        "Competitor",
        competitors_lost_to,
        DEPARTURES_AND_REVENUE,
        DEPARTURES_AND_REVENUE,
        gettext_noop("departures and revenue lost to each competitor"),
    ),
    BreakdownSpec(
        "save-by-offer",
        "Save rate by offer type",
        "Offer type",
        save_rate_by_offer_type,
        SAVE_RATE[:2],
        SAVE_RATE,
        gettext_noop("offers made and clients saved by offer type"),
    ),
    BreakdownSpec(
        "save-by-reason",
        "Save rate by reason",
        "Reason",
        save_rate_by_reason,
        SAVE_RATE[:2],
        SAVE_RATE,
        gettext_noop("offers made and clients saved by reason"),
    ),
]


@dataclass
class TrendRow:
    month: str  # e.g. "Jan 2026"
    cells: SafeString  # one <td> per series: the count, linked to its cases unless it is 0


ZERO_CELL = '<td class="text-end">0</td>'


def _trend_cells(counts: list[int], urls: list[str]) -> SafeString:
    cells = [
        f'<td class="text-end"><a href="{html.escape(url)}">{count:d}</a></td>' if count else ZERO_CELL
        for count, url in zip(counts, urls, strict=True)
    ]
    return SafeString("".join(cells))


@dataclass
class TrendTable:
    title: str
    series: list[tuple[str, str]]  # (label, category)
    rows: list[TrendRow]
    chart_alternative: str
    chart: dict[str, Any]


def _trend(dashboard: DashboardFilter, links: CaseLinks) -> TrendTable:
    trend = monthly_trend_by_category(dashboard)
    months = [urlencode({"month": f"{month:%Y-%m}"}) for month in trend.months]
    urls = []
    for series in trend.series:
        narrowed = links.url({"outcome": "departed", "category": series.category or "none"})
        urls.append([f"{narrowed}&{month}" for month in months])
    rows = [
        TrendRow(month=format_date(month, "M Y"), cells=_trend_cells(counts, [series[index] for series in urls]))
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
        chart_alternative=_(
            "Stacked bar chart of monthly departures by reason category; the numbers are in the table below."
        ),
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
            f"{headline.closed_with_every_step:,} of {count(headline.closed, 'closed case')} "
            "with every step done or skipped",
            links["closed"],
        ),
        Figure(
            "Survey response rate",
            percent(survey.response_rate),
            f"{count(survey.answers, 'answer')} to {count(survey.invitations_sent, 'invitation')}",
        ),
        Figure("Average satisfaction (1 to 5)", one_decimal(survey.overall.average_satisfaction)),
        Figure("Likelihood to return (0 to 10)", one_decimal(survey.overall.average_likelihood)),
    ]


def dashboard_context(dashboard: DashboardFilter, currency: str) -> dict[str, Any]:
    case_links = CaseLinks(dashboard)
    by_reason, save_by_reason = reason_breakdowns(dashboard)  # one query for both charts
    rows = {"by-reason": by_reason, "save-by-reason": save_by_reason}
    breakdowns = [
        _breakdown(case_links, currency, spec, rows[spec.key] if spec.key in rows else spec.selector(dashboard))
        for spec in BREAKDOWNS
    ]
    trend = _trend(dashboard, case_links)
    charts = {breakdown.key: breakdown.chart for breakdown in breakdowns} | {"trend": trend.chart}
    outcomes = ("departed", "offer_made", "saved_after_offer", "won_back", "closed")
    links = {outcome: case_links.url({"outcome": outcome}) for outcome in outcomes}
    headline, survey = headline_figures(dashboard), survey_figures(dashboard)
    return {
        "headline": headline,
        "figures": _figures(headline, survey, links, currency),
        "survey": survey,
        "breakdowns": breakdowns,
        "trend": trend,
        "charts": charts,
        "case_list_url": case_links.unnarrowed,
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
    elif drilldown.reason_id is not None:
        reason = ChurnReason.objects.filter(pk=drilldown.reason_id).first()
        words.append(f"reason: {reason.label if reason else 'unknown'}")
    if drilldown.category == "none":
        words.append("no reason recorded")
    elif drilldown.category:
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
