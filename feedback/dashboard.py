"""The dashboard's page model: figures from the selectors, plus the links and chart data built from them.

Charts are drawn by static/js/dashboard-charts.js from the JSON built here; every
chart's numbers are also in a table on the page, so the charts only add a picture.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from clients.formatting import money
from feedback.dashboard_offers import offers_table
from feedback.formatting import count, days, measure, one_decimal, percent
from feedback.selectors.case_lists import CaseDrilldown
from feedback.selectors.departures import (
    BreakdownRow,
    HeadlineFigures,
    MonthlyTrend,
    ProbeBreakdowns,
    by_account_manager,
    competitors_lost_to,
    headline_figures,
    probe_breakdowns,
    save_rate_by_offer_type,
)
from feedback.selectors.filters import NOT_RECORDED, DashboardFilter
from feedback.selectors.referrals import referrals_by_referrer
from feedback.selectors.revenue import revenue_context
from feedback.selectors.saves import SAVE_OUTCOMES
from feedback.selectors.surveys import SurveyFigures, survey_figures
from offboarding.models import ChurnReason, OfferStep, ProbeStep
from offboarding.models.cases import save_watch_days


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
    texts: list[str]  # the row's numbers as the table shows them, one per column


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
        texts = [measure(getattr(row, attribute), attribute, currency) for attribute, _ in spec.columns]
        linked.append(LinkedRow(row=row, url=url, texts=texts))
    urls = [linked_row.url for linked_row in linked]
    chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [row.label for row in rows],
        "datasets": [
            {
                "label": _(label),
                "data": [_number(getattr(row, attribute)) for row in rows],
                "axis": "right" if attribute == "revenue" else "left",
            }
            for attribute, label in spec.measures
        ],
        "links": [urls for _ in spec.measures],
    }
    return Breakdown(
        key=spec.key,
        title=_(spec.title),
        label_heading=_(spec.label_heading),
        rows=linked,
        measures=[(attribute, _(label)) for attribute, label in spec.measures],
        columns=[(attribute, _(heading)) for attribute, heading in spec.columns],
        chart_alternative=_("Bar chart of %(subject)s; the numbers are in the table below.")
        % {"subject": _(spec.chart_subject)},
        chart=chart,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


Columns = list[tuple[str, str]]
DEPARTURES_AND_REVENUE: Columns = [
    ("departures", gettext_noop("Departures")),
    ("revenue", gettext_noop("Monthly revenue lost")),
]
SAVE_RATE: Columns = [
    ("offers", gettext_noop("Offers made")),
    ("saved", gettext_noop("Kept")),
    ("watching", gettext_noop("Watching")),
    ("relapsed", gettext_noop("Relapsed")),
    ("save_rate", gettext_noop("Save rate (kept)")),
]
ACCOUNT_MANAGER_COLUMNS: Columns = [
    ("cases", gettext_noop("Cases")),
    *DEPARTURES_AND_REVENUE,
    *SAVE_RATE,
    ("win_backs", gettext_noop("Win-backs")),
]


@dataclass(frozen=True)
class BreakdownSpec:
    """How one breakdown is shown: its chart's bars and its table's columns."""

    # Words are marked with gettext_noop here and translated when the page is drawn, in the reader's language.
    key: str
    title: str
    label_heading: str  # heading of the column that names each row
    measures: Columns  # (BreakdownRow attribute, label) drawn as bars
    columns: Columns  # (BreakdownRow attribute, heading) in the table
    chart_subject: str  # what the bars show, finishing "Bar chart of ...", translated when shown


BY_REASON = BreakdownSpec(
    key="by-reason",
    title=gettext_noop("Departures and revenue by reason"),
    label_heading=gettext_noop("Reason"),
    measures=DEPARTURES_AND_REVENUE,
    columns=DEPARTURES_AND_REVENUE,
    chart_subject=gettext_noop("departures and revenue lost by reason"),
)
BY_KIND = BreakdownSpec(
    key="by-kind",
    title=gettext_noop("By kind of departure"),
    label_heading=gettext_noop("Kind"),
    measures=DEPARTURES_AND_REVENUE,
    columns=DEPARTURES_AND_REVENUE,
    chart_subject=gettext_noop("departures and revenue lost by kind of departure"),
)
BY_ACCOUNT_MANAGER = BreakdownSpec(
    key="by-account-manager",
    title=gettext_noop("By account manager"),
    label_heading=gettext_noop("Account manager"),
    measures=DEPARTURES_AND_REVENUE,
    columns=ACCOUNT_MANAGER_COLUMNS,
    chart_subject=gettext_noop("departures and revenue lost by account manager"),
)
COMPETITORS = BreakdownSpec(
    key="competitors",
    title=gettext_noop("Competitors lost to"),
    label_heading=gettext_noop("Competitor"),
    measures=DEPARTURES_AND_REVENUE,
    columns=DEPARTURES_AND_REVENUE,
    chart_subject=gettext_noop("departures and revenue lost to each competitor"),
)
SAVE_BY_OFFER = BreakdownSpec(
    key="save-by-offer",
    title=gettext_noop("Save rate by offer type"),
    label_heading=gettext_noop("Offer type"),
    measures=SAVE_RATE[:2],
    columns=SAVE_RATE,
    chart_subject=gettext_noop("offers made and clients saved by offer type"),
)
SAVE_BY_REASON = BreakdownSpec(
    key="save-by-reason",
    title=gettext_noop("Save rate by reason"),
    label_heading=gettext_noop("Reason"),
    measures=SAVE_RATE[:2],
    columns=SAVE_RATE,
    chart_subject=gettext_noop("offers made and clients saved by reason"),
)


def _breakdowns(dashboard: DashboardFilter, probe: ProbeBreakdowns, links: CaseLinks, currency: str) -> list[Breakdown]:
    """The page's breakdowns in their order, each with its rows; the reason and kind charts come from one query."""
    rows = [
        (BY_REASON, probe.departures),
        (BY_KIND, probe.by_kind),
        (BY_ACCOUNT_MANAGER, by_account_manager(dashboard)),
        (COMPETITORS, competitors_lost_to(dashboard)),
        (SAVE_BY_OFFER, save_rate_by_offer_type(dashboard)),
        (SAVE_BY_REASON, probe.save_rate),
    ]
    return [_breakdown(links, currency, spec, spec_rows) for spec, spec_rows in rows]


@dataclass
class TrendRow:
    month: str  # e.g. "Jan 2026"
    cells: list[tuple[int, str]]  # one per series: the count and the link to its cases (not shown for 0)


@dataclass
class TrendTable:
    title: str
    series: list[tuple[str, str]]  # (label, category)
    rows: list[TrendRow]
    chart_alternative: str
    chart: dict[str, Any]


def _trend(trend: MonthlyTrend, links: CaseLinks) -> TrendTable:
    months = [urlencode({"month": f"{month:%Y-%m}"}) for month in trend.months]
    urls = []
    for series in trend.series:
        narrowed = links.url({"outcome": "departed", "category": series.category or "none"})
        urls.append([f"{narrowed}&{month}" for month in months])
    rows = [
        TrendRow(
            month=format_date(month, "M Y"), cells=list(zip(counts, [series[index] for series in urls], strict=True))
        )
        for index, (month, counts) in enumerate(trend.rows())
    ]
    chart = {
        "type": "bar",
        "stacked": True,
        "labels": [format_date(month, "M Y") for month in trend.months],
        "datasets": [{"label": s.label, "data": s.counts, "axis": "left"} for s in trend.series],
        "links": urls,
    }
    return TrendTable(
        title=_("Monthly departures by reason category"),
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


def save_figures(headline: HeadlineFigures, links: dict[str, str]) -> list[Figure]:
    """The save rate as kept after the watch period, and the saves still being watched, apart."""
    watch_days = save_watch_days()
    note = _(
        "Saves still with us %(days)d days after the save, of the offers made whose save is not still being watched "
        "(%(kept)s kept, %(relapsed)s relapsed)."
    ) % {"days": watch_days, "kept": count(headline.saves_kept), "relapsed": count(headline.saves_relapsed)}
    watching_note = ngettext(
        "%(count)s save relapsed: the client gave notice again inside the watch period.",
        "%(count)s saves relapsed: the client gave notice again inside the watch period.",
        headline.saves_relapsed,
    ) % {"count": count(headline.saves_relapsed)}
    return [
        Figure(_("Save rate (kept)"), percent(headline.save_rate), note, links["save_kept"]),
        Figure(_("Saves being watched"), count(headline.saves_watching), watching_note, links["save_watching"]),
    ]


def _figures(headline: HeadlineFigures, survey: SurveyFigures, links: dict[str, str], currency: str) -> list[Figure]:
    return [
        Figure(_("Departures"), count(headline.departures), url=links["departed"]),
        Figure(_("Monthly recurring revenue lost"), money(headline.revenue_lost, currency), url=links["departed"]),
        Figure(_("Save offers made"), count(headline.offers_made), url=links["offer_made"]),
        *save_figures(headline, links),
        Figure(_("Win-backs"), count(headline.win_backs), url=links["won_back"]),
        Figure(_("Median time to return"), days(headline.median_days_to_return), url=links["won_back"]),
        Figure(_("Median time from notice to close"), days(headline.median_days_to_close), url=links["closed"]),
        Figure(
            _("Checklist followed"), percent(headline.checklist_adherence), _checklist_note(headline), links["closed"]
        ),
        Figure(_("Survey response rate"), percent(survey.response_rate), _response_note(survey)),
        Figure(_("Average satisfaction (1 to 5)"), one_decimal(survey.overall.average_satisfaction)),
        Figure(_("Likelihood to return (0 to 10)"), one_decimal(survey.overall.average_likelihood)),
    ]


def _checklist_note(headline: HeadlineFigures) -> str:
    closed = ngettext("%(count)s closed case", "%(count)s closed cases", headline.closed) % {
        "count": count(headline.closed)
    }
    return _("%(done)s of %(closed)s with every step done or skipped") % {
        "done": count(headline.closed_with_every_step),
        "closed": closed,
    }


def _response_note(survey: SurveyFigures) -> str:
    answers = ngettext("%(count)s answer", "%(count)s answers", survey.answers) % {"count": count(survey.answers)}
    invitations = ngettext("%(count)s invitation", "%(count)s invitations", survey.invitations_sent) % {
        "count": count(survey.invitations_sent)
    }
    return _("%(answers)s to %(invitations)s") % {"answers": answers, "invitations": invitations}


def dashboard_context(dashboard: DashboardFilter, currency: str) -> dict[str, Any]:
    case_links = CaseLinks(dashboard)
    probe = probe_breakdowns(dashboard)
    breakdowns = _breakdowns(dashboard, probe, case_links, currency)
    trend = _trend(probe.trend, case_links)
    charts = {breakdown.key: breakdown.chart for breakdown in breakdowns} | {"trend": trend.chart}
    outcomes = ("departed", "offer_made", "saved_after_offer", "won_back", "closed", *SAVE_OUTCOMES)
    links = {outcome: case_links.url({"outcome": outcome}) for outcome in outcomes}
    headline, survey = headline_figures(dashboard), survey_figures(dashboard)
    return {
        "headline": headline,
        "figures": _figures(headline, survey, links, currency),
        "survey": survey,
        "breakdowns": breakdowns,
        "trend": trend,
        "offers": offers_table(dashboard, currency),
        "charts": charts,
        "case_list_url": case_links.unnarrowed,
        "export_url": f"{reverse('feedback:export')}?{urlencode(filter_params(dashboard))}",
        "currency": currency,
        "referrals": referrals_by_referrer(dashboard),
        **revenue_context(dashboard, headline.revenue),
    }


OUTCOME_LABELS = {
    "departed": gettext_noop("departed"),
    "saved": gettext_noop("saved"),
    "won_back": gettext_noop("won back"),
    "offer_made": gettext_noop("a save offer was made"),
    "saved_after_offer": gettext_noop("saved after an offer"),
    "save_kept": gettext_noop("saved after an offer and kept after the watch period"),
    "save_watching": gettext_noop("saved after an offer, still being watched"),
    "save_relapsed": gettext_noop("saved after an offer, then relapsed"),
    "closed": gettext_noop("closed"),
}


def drilldown_params(drilldown: CaseDrilldown) -> dict[str, str]:
    params = {name: value for name, value in asdict(drilldown).items() if value and name != "month"}
    if drilldown.month:
        params["month"] = f"{drilldown.month:%Y-%m}"
    return params


def drilldown_description(drilldown: CaseDrilldown) -> list[str]:
    """The case list's narrowing in words, e.g. ['departed', 'reason: Price too high']."""
    words = [_(OUTCOME_LABELS[drilldown.outcome])] if drilldown.outcome in OUTCOME_LABELS else []
    if drilldown.reason == "none":
        words.append(_("no reason recorded"))
    elif drilldown.reason_id is not None:
        reason = ChurnReason.objects.filter(pk=drilldown.reason_id).first()
        words.append(_("reason: %(reason)s") % {"reason": reason.label if reason else _("unknown")})
    if drilldown.category == "none":
        words.append(_("no reason recorded"))
    elif drilldown.category:
        category = dict(ChurnReason.Category.choices).get(drilldown.category, NOT_RECORDED)
        words.append(_("reason category: %(category)s") % {"category": category})
    if drilldown.kind:
        kind = dict(ProbeStep.DepartureKind.choices).get(drilldown.kind, NOT_RECORDED)
        words.append(_("kind: %(kind)s") % {"kind": kind})
    if drilldown.competitor:
        words.append(_("went to %(competitor)s") % {"competitor": drilldown.competitor})
    if drilldown.offer_type:
        offer = dict(OfferStep.OfferType.choices).get(drilldown.offer_type, NOT_RECORDED)
        words.append(_("offer: %(offer)s") % {"offer": offer})
    if drilldown.month:
        words.append(_("notice in %(month)s") % {"month": format_date(drilldown.month, "F Y")})
    return words
