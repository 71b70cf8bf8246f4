"""Every dashboard figure against numbers worked out by hand on a small book of cases.

The book (today is 15 Jun 2026, so the default period is 1 Jul 2025 to 15 Jun 2026):

| case | owner | status   | notice     | value | segment   | closed after | reason          | offer        | all steps |
|------|-------|----------|------------|-------|-----------|--------------|-----------------|--------------|-----------|
| A1   | amelia| departed | 2026-01-10 | 1000  | Consulting| 31 days      | cheaper (price) | price change | yes       |
| A2   | amelia| departed | 2026-03-05 | 2000  | Marketing | 30 days      | quality         | none         | no        |
| A3   | amelia| saved    | 2026-02-01 | 500   | Consulting| 10 days      | cheaper (price) | price change | yes       |
| A4   | amelia| won back | 2025-09-01 | 3000  | Consulting| 30 days      | competitor (fit)| scope change | yes       |
| A5   | amelia| open     | 2026-06-01 | 800   | Consulting| -            | -               | none         | no        |
| A6   | amelia| departed | 2025-05-01 | 9999  | Consulting| (before the period)                                      |
| J1   | jonas | departed | 2026-04-01 | 4000  | Consulting| 30 days      | cheaper (price) | scope change | yes       |
| J2   | jonas | saved    | 2026-05-01 | 1500  | Consulting| 20 days      | quality         | service fix  | no        |
| J3   | jonas | won back | 2025-08-01 | 600   | Consulting| 31 days      | need met        | none         | yes       |

A4 came back 92 days after leaving, J3 61 days after. A3 was saved on 11 Feb, so by 15 Jun its
90-day watch is over and the save is kept; J2, saved on 21 May, is still being watched (until 19 Aug).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import SurveyAnswer
from feedback.selectors.departures import (
    by_account_manager,
    competitors_lost_to,
    headline_figures,
    probe_breakdowns,
    save_rate_by_offer_type,
)
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.surveys import survey_figures
from feedback.tests.factories import make_case, survey_invitation
from offboarding.models import ChurnReason, DepartureCase, FollowUp

TODAY = date(2026, 6, 15)
PERIOD = DashboardFilter(start=date(2025, 7, 1), end=TODAY)
DEPARTED, SAVED, WON_BACK, OPEN = "departed", "saved", "won_back", "open"


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


def reason(key: str) -> ChurnReason:
    return ChurnReason.objects.get(key=key)


@pytest.fixture
def book(account_manager: User, other_account_manager: User) -> dict[str, DepartureCase]:
    price, quality = reason("price-cheaper-elsewhere"), reason("service-quality")
    amelia, jonas = account_manager, other_account_manager
    d = date
    return {
        "A1": make_case(owner=amelia, name="A1 Ltd", notice=d(2026, 1, 10), value="1000", departed_on=d(2026, 2, 10),
                        closed_on=d(2026, 2, 10), reason=price, kind="need_met", competitor="Brightpath",
                        offer_type="price_change", every_step_closed=True),
        "A2": make_case(owner=amelia, name="A2 Ltd", notice=d(2026, 3, 5), value="2000", segment="Marketing",
                        departed_on=d(2026, 4, 4), closed_on=d(2026, 4, 4), reason=quality, kind="lost_focus"),
        "A3": make_case(owner=amelia, name="A3 Ltd", notice=d(2026, 2, 1), value="500", status=SAVED,
                        closed_on=d(2026, 2, 11), reason=price, offer_type="price_change", every_step_closed=True),
        "A4": make_case(owner=amelia, name="A4 Ltd", notice=d(2025, 9, 1), value="3000", status=WON_BACK,
                        departed_on=d(2025, 10, 1), won_back_on=d(2026, 1, 1), closed_on=d(2025, 10, 1),
                        reason=reason("fit-competitor"), kind="other", competitor="Brightpath",
                        offer_type="scope_change", every_step_closed=True),
        "A5": make_case(owner=amelia, name="A5 Ltd", notice=d(2026, 6, 1), value="800", status=OPEN),
        "A6": make_case(owner=amelia, name="A6 Ltd", notice=d(2025, 5, 1), value="9999", departed_on=d(2025, 6, 1),
                        closed_on=d(2025, 6, 1), reason=price, every_step_closed=True),
        "J1": make_case(owner=jonas, name="J1 Ltd", notice=d(2026, 4, 1), value="4000", departed_on=d(2026, 5, 1),
                        closed_on=d(2026, 5, 1), reason=price, kind="no_follow_through", competitor="Lowcost",
                        offer_type="scope_change", every_step_closed=True),
        "J2": make_case(owner=jonas, name="J2 Ltd", notice=d(2026, 5, 1), value="1500", status=SAVED,
                        closed_on=d(2026, 5, 21), reason=quality, offer_type="service_fix"),
        "J3": make_case(owner=jonas, name="J3 Ltd", notice=d(2025, 8, 1), value="600", status=WON_BACK,
                        departed_on=d(2025, 9, 1), won_back_on=d(2025, 11, 1), closed_on=d(2025, 9, 1),
                        reason=reason("need-met"), kind="need_met", every_step_closed=True),
    }  # fmt: skip


def test_headline_figures_for_everyone_in_the_last_twelve_months(book: dict[str, DepartureCase]) -> None:
    figures = headline_figures(PERIOD)
    assert figures.cases == 8
    assert figures.departures == 5  # A1, A2, A4, J1, J3
    assert figures.revenue_lost == Decimal("10600.00")
    assert (figures.offers_made, figures.saved_after_offer) == (5, 2)
    assert (figures.saves_kept, figures.saves_watching, figures.saves_relapsed) == (1, 1, 0)  # A3 kept, J2 watched
    assert figures.save_rate == pytest.approx(0.25)  # 1 kept of the 4 offers not still being watched
    assert figures.win_backs == 2
    assert figures.median_days_to_return == pytest.approx(76.5)  # median of 92 and 61
    assert (figures.closed, figures.closed_with_every_step) == (7, 5)
    assert figures.checklist_adherence == pytest.approx(5 / 7)
    assert figures.median_days_to_close == pytest.approx(30)  # 10, 20, 30, 30, 30, 31, 31


def test_headline_figures_follow_the_account_manager_filter(
    book: dict[str, DepartureCase], other_account_manager: User
) -> None:
    figures = headline_figures(
        DashboardFilter(start=PERIOD.start, end=TODAY, account_manager_id=other_account_manager.pk)
    )
    assert (figures.departures, figures.revenue_lost) == (2, Decimal("4600.00"))
    assert (figures.offers_made, figures.saved_after_offer, figures.win_backs) == (2, 1, 1)
    assert (figures.saves_kept, figures.saves_watching, figures.save_rate) == (0, 1, 0.0)  # J1 lost, J2 watched
    assert figures.median_days_to_return == pytest.approx(61)
    assert (figures.closed, figures.closed_with_every_step) == (3, 2)
    assert figures.median_days_to_close == pytest.approx(30)  # 20, 30, 31


def test_headline_figures_follow_the_segment_and_period(book: dict[str, DepartureCase]) -> None:
    marketing = headline_figures(DashboardFilter(start=PERIOD.start, end=TODAY, segment="Marketing"))
    assert (marketing.cases, marketing.departures, marketing.revenue_lost) == (1, 1, Decimal("2000.00"))
    first_quarter = headline_figures(DashboardFilter(start=date(2026, 1, 1), end=date(2026, 3, 31)))
    assert (first_quarter.cases, first_quarter.departures, first_quarter.revenue_lost) == (3, 2, Decimal("3000.00"))
    assert first_quarter.win_backs == 0
    assert first_quarter.median_days_to_return is None


def table(rows: list, *fields: str) -> list[tuple]:
    return [(row.label, *(getattr(row, name) for name in fields)) for row in rows]


def test_departures_and_revenue_by_reason(book: dict[str, DepartureCase]) -> None:
    assert table(probe_breakdowns(PERIOD).departures, "departures", "revenue") == [
        ("Found a cheaper offer elsewhere", 2, Decimal("5000.00")),
        ("A competitor fits them better", 1, Decimal("3000.00")),
        ("Quality of our work", 1, Decimal("2000.00")),
        ("They got what they came for", 1, Decimal("600.00")),
    ]


def test_departures_by_kind(book: dict[str, DepartureCase]) -> None:
    assert table(probe_breakdowns(PERIOD).by_kind, "departures", "revenue") == [
        ("Their need was met", 2, Decimal("1600.00")),
        ("They lost focus", 1, Decimal("2000.00")),
        ("They did not follow through", 1, Decimal("4000.00")),
        ("Other", 1, Decimal("3000.00")),
    ]


def test_by_account_manager(book: dict[str, DepartureCase]) -> None:
    rows = table(by_account_manager(PERIOD), "cases", "departures", "revenue", "offers", "saved", "win_backs")
    assert rows == [
        ("Amelia Hart", 5, 3, Decimal("6000.00"), 3, 1, 1),
        ("Jonas Berg", 3, 2, Decimal("4600.00"), 2, 0, 1),  # J2's save is still being watched
    ]


def test_an_account_manager_without_a_name_is_shown_by_username(book: dict[str, DepartureCase]) -> None:
    nameless = User.objects.create_user("kai")
    make_case(owner=nameless, notice=date(2026, 2, 2), departed_on=date(2026, 3, 2), closed_on=date(2026, 3, 2))
    assert [row.label for row in by_account_manager(PERIOD)] == ["Amelia Hart", "Jonas Berg", "kai"]


def test_competitors_lost_to(book: dict[str, DepartureCase]) -> None:
    assert table(competitors_lost_to(PERIOD), "departures", "revenue") == [
        ("Brightpath", 2, Decimal("4000.00")),
        ("Lowcost", 1, Decimal("4000.00")),
    ]


def test_save_rate_by_offer_type_and_by_reason(book: dict[str, DepartureCase]) -> None:
    by_offer = {row.label: (row.offers, row.saved, row.save_rate) for row in save_rate_by_offer_type(PERIOD)}
    assert by_offer == {
        "Price change": (2, 1, 0.5),
        "Different scope": (2, 0, 0.0),
        "Fix the service problem": (1, 0, None),  # J2, still being watched: no rate yet
    }
    by_reason = {row.label: (row.offers, row.saved) for row in probe_breakdowns(PERIOD).save_rate}
    assert by_reason == {
        "Found a cheaper offer elsewhere": (3, 1),
        "A competitor fits them better": (1, 0),
        "Quality of our work": (1, 0),
    }


def test_monthly_trend_by_reason_category(book: dict[str, DepartureCase]) -> None:
    trend = probe_breakdowns(PERIOD).trend
    assert len(trend.months) == 12
    assert trend.months[0] == date(2025, 7, 1)
    assert trend.months[-1] == date(2026, 6, 1)
    counts = {series.label: dict(zip(trend.months, series.counts, strict=True)) for series in trend.series}
    assert {label: {m: n for m, n in months.items() if n} for label, months in counts.items()} == {
        "Price": {date(2026, 1, 1): 1, date(2026, 4, 1): 1},
        "Service problems": {date(2026, 3, 1): 1},
        "No longer the best option": {date(2025, 9, 1): 1},
        "Need was met": {date(2025, 8, 1): 1},
    }


def answer(*, case: DepartureCase | None, satisfaction: int, likelihood: int, segment: str = "Consulting") -> None:
    SurveyAnswer.objects.create(
        is_anonymous=case is None,
        month=date(2026, 5, 1),
        segment=segment,
        satisfaction=satisfaction,
        likelihood_to_return=likelihood,
        case=case,
        client=case.client if case else None,
        submitted_at=timezone.now() if case else None,
    )


def sent_on(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def surveys(book: dict[str, DepartureCase]) -> None:
    for key in ("A1", "A2", "J1", "J3"):
        survey_invitation(book[key], due_at=sent_on(date(2026, 5, 20)))
    survey_invitation(book["A4"], due_at=sent_on(date(2026, 6, 20)), status=FollowUp.Status.SCHEDULED)
    answer(case=book["A1"], satisfaction=4, likelihood=8)
    answer(case=book["J1"], satisfaction=2, likelihood=3)
    answer(case=None, satisfaction=5, likelihood=10)


def test_survey_response_rate_and_averages_leave_out_a_lone_anonymous_answer(surveys: None) -> None:
    figures = survey_figures(PERIOD)
    assert (figures.answers, figures.invitations_sent) == (3, 4)
    assert figures.response_rate == pytest.approx(0.75)
    assert figures.anonymous_left_out == 1
    assert figures.overall.average_satisfaction == pytest.approx(3.0)  # (4 + 2) / 2: the anonymous 5 is not shown
    assert figures.overall.average_likelihood == pytest.approx(5.5)


def test_the_response_rate_counts_invitations_and_answers_by_the_same_whole_months(
    book: dict[str, DepartureCase],
) -> None:
    survey_invitation(book["A1"], due_at=sent_on(date(2026, 5, 3)))  # before the 15th, in the first month
    survey_invitation(book["J1"], due_at=sent_on(date(2026, 6, 10)))
    answer(case=book["A1"], satisfaction=4, likelihood=8)  # given in May: kept as May, like every answer
    figures = survey_figures(DashboardFilter(start=date(2026, 5, 15), end=TODAY))
    assert (figures.answers, figures.invitations_sent) == (1, 2)
    assert figures.response_rate == pytest.approx(0.5)


def test_survey_figures_for_one_account_manager_count_only_their_named_answers(
    surveys: None, other_account_manager: User
) -> None:
    figures = survey_figures(
        DashboardFilter(start=PERIOD.start, end=TODAY, account_manager_id=other_account_manager.pk)
    )
    assert (figures.answers, figures.invitations_sent) == (1, 2)
    assert figures.overall.average_satisfaction == pytest.approx(2.0)


def test_anonymous_answers_count_once_there_are_five_in_a_group(surveys: None) -> None:
    for _ in range(4):
        answer(case=None, satisfaction=5, likelihood=10)
    answer(case=None, satisfaction=1, likelihood=0, segment="Marketing")
    figures = survey_figures(PERIOD)
    segments = {group.label: group for group in figures.by_segment}
    assert segments["Consulting"].anonymous_shown
    assert segments["Consulting"].average_satisfaction == pytest.approx((4 + 2 + 25) / 7)
    assert segments["Marketing"].anonymous_hidden
    assert segments["Marketing"].average_satisfaction is None
    # The lone Marketing answer is in no average, not even the overall one: the overall average less
    # Consulting's would otherwise give it away.
    assert figures.overall.anonymous == 5
    assert figures.overall.average_satisfaction == pytest.approx((4 + 2 + 5 * 5) / 7)
    assert (figures.answers, figures.anonymous_left_out) == (8, 1)


def test_small_segments_count_together_in_the_overall_averages_once_they_are_five(surveys: None) -> None:
    for segment in ("Marketing", "Marketing", "Bookkeeping"):
        answer(case=None, satisfaction=1, likelihood=0, segment=segment)
    # Consulting's 1, Marketing's 2 and Bookkeeping's 1 anonymous answers: each too few, 4 together.
    assert survey_figures(PERIOD).overall.average_satisfaction == pytest.approx((4 + 2) / 2)
    answer(case=None, satisfaction=1, likelihood=0, segment="Bookkeeping")
    figures = survey_figures(PERIOD)
    assert all(group.anonymous_hidden for group in figures.by_segment if group.anonymous)
    assert figures.overall.average_satisfaction == pytest.approx((4 + 2 + 5 + 4 * 1) / 7)
    assert figures.anonymous_left_out == 0


def test_the_dashboard_page_shows_the_figures_and_a_table_for_every_chart(
    book: dict[str, DepartureCase], surveys: None, manager_client: BrowserClient
) -> None:
    response = manager_client.get(reverse("feedback:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("10,600.00 EUR", "25%", "76.5 days", "30 days", "71%", "75%", "3 answers to 4 invitations"):
        assert text in page, text
    for title in (
        "Departures and revenue by reason",
        "Monthly departures by reason category",
        "By kind of departure",
        "By account manager",
        "Competitors lost to",
        "Save rate by offer type",
        "Save rate by reason",
    ):
        assert title in page, title
    # Seven charts, revenue lost to full and partial departures, the win-backs by cause, the survey, the referrals.
    assert page.count("<table") == 11
    assert 'id="dashboard-charts"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "<script>" not in page.replace('<script id="dashboard-charts" type="application/json">', "")
    assert "fewer than 5, not shown" in page
    assert "Some anonymous answers belong to groups of fewer than 5" in page


def test_every_chart_has_a_sentence_for_its_text_alternative(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    below = "; the numbers are in the table below."
    assert re.findall(r'<canvas role="img" aria-label="([^"]*)"', page) == [
        "Stacked bar chart of monthly departures by reason category" + below,
        "Bar chart of departures and revenue lost by reason" + below,
        "Bar chart of departures and revenue lost by kind of departure" + below,
        "Bar chart of departures and revenue lost by account manager" + below,
        "Bar chart of departures and revenue lost to each competitor" + below,
        "Bar chart of offers made and clients saved by offer type" + below,
        "Bar chart of offers made and clients saved by reason" + below,
    ]


def test_the_dashboard_filters_change_every_figure(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    response = manager_client.get(
        reverse("feedback:dashboard"), {"start": "2025-07-01", "end": "2026-06-15", "segment": "Marketing"}
    )
    page = response.content.decode()
    assert "2,000.00 EUR" in page
    assert "A competitor fits them better" not in page


def test_a_link_with_only_a_segment_filters_the_default_twelve_months(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    page = manager_client.get(reverse("feedback:dashboard"), {"segment": "Marketing"}).content.decode()
    assert "2,000.00 EUR" in page
    assert "A competitor fits them better" not in page
    assert 'value="2025-07-01"' in page  # the period the figures cover, shown in the form


def test_a_breakdown_row_links_to_its_cases(book: dict[str, DepartureCase], manager_client: BrowserClient) -> None:
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    link = re.search(r'<a href="([^"]+)">Found a cheaper offer elsewhere</a>', page)
    assert link
    listing = manager_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert "A1 Ltd" in listing
    assert "J1 Ltd" in listing
    for other in ("A2 Ltd", "A3 Ltd", "A6 Ltd", "J2 Ltd"):
        assert other not in listing
    assert book["A1"].get_absolute_url() in listing
    assert "reason: Found a cheaper offer elsewhere" in listing


def test_the_case_list_filters_by_month_and_category(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    listing = manager_client.get(
        reverse("feedback:cases"), {"outcome": "departed", "category": "price", "month": "2026-04"}
    ).content.decode()
    assert "J1 Ltd" in listing
    assert "A1 Ltd" not in listing


def test_the_trend_cell_of_departures_without_a_reason_lists_only_those(
    book: dict[str, DepartureCase], account_manager: User, manager_client: BrowserClient
) -> None:
    make_case(owner=account_manager, name="Unexplained Ltd", notice=date(2026, 3, 20), departed_on=date(2026, 4, 20))
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    table = page[page.index("Monthly departures by reason category, by month") :]
    headings = re.findall(r'<th scope="col" class="text-end">([^<]+)</th>', table[: table.index("</thead>")])
    march = re.search(r'<th scope="row">Mar 2026</th>(.*?)</tr>', table)
    assert march
    cells = re.findall(r"<td[^>]*>(.*?)</td>", march.group(1))
    link = re.search(r'href="([^"]+)"', cells[headings.index("Not recorded")])
    assert link
    listing = manager_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert "Unexplained Ltd" in listing
    assert "A2 Ltd" not in listing  # March too, with a reason
    assert "no reason recorded" in listing


@pytest.mark.parametrize("narrowing", [{"competitor": "Bright\x00side"}, {"reason": "\u00b2"}, {"kind": "\x00"}])
def test_a_case_list_link_with_a_nul_byte_or_a_strange_digit_is_read_as_no_narrowing(
    book: dict[str, DepartureCase], manager_client: BrowserClient, narrowing: dict[str, str]
) -> None:
    for name in ("feedback:cases", "feedback:export"):
        response = manager_client.get(reverse(name), narrowing)
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert "J1 Ltd" in content.decode()


def test_a_period_ending_past_the_calendar_is_refused_and_the_last_twelve_months_shown(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    response = manager_client.get(reverse("feedback:dashboard"), {"start": "2025-07-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2199." in response.content.decode()
    assert "Jun 2026" in response.content.decode()


def test_a_period_longer_than_ten_years_is_refused_and_the_last_twelve_months_shown(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    for query in ({"start": "1900-01-01", "end": "2026-06-30"}, {"start": "1950-01-01"}, {"end": "2199-12-31"}):
        text = manager_client.get(reverse("feedback:dashboard"), query).content.decode()
        assert "Choose a period of at most 10 years." in text
        assert "Jun 2026" in text
        assert "Jan 1950" not in text
        assert "Dec 2199" not in text
    ten_years = manager_client.get(reverse("feedback:dashboard"), {"start": "2016-07-01", "end": "2026-06-30"})
    assert "Choose a period" not in ten_years.content.decode()
    assert "Jul 2016" in ten_years.content.decode()


def test_the_export_holds_the_filtered_cases_safe_for_spreadsheets(
    account_manager: User, manager_client: BrowserClient
) -> None:
    make_case(owner=account_manager, name="=HYPERLINK(\"http://evil.example\")", notice=date(2026, 5, 1),
              departed_on=date(2026, 5, 30), competitor="@SUM(A1)")  # fmt: skip
    make_case(owner=account_manager, name="Outside Ltd", notice=date(2024, 1, 1))
    response = manager_client.get(reverse("feedback:export"), {"start": "2026-01-01", "end": "2026-06-15"})
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    lines = content.strip().splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1]
    assert "'@SUM(A1)" in lines[1]
    assert "Outside Ltd" not in content


@pytest.mark.parametrize("name", ["feedback:dashboard", "feedback:cases", "feedback:export", "feedback:client_words"])
def test_account_managers_may_not_open_manager_pages(am_client: BrowserClient, name: str) -> None:
    response = am_client.get(reverse(name))
    assert response.status_code == 403


# The session, the person and their roles, the filters' choices, then a query per figure or chart (the
# revenue lost is part of the headline's); the money figures (feedback/selectors/revenue.py) add four: the
# revenue at the start of the period, the returns, each currency's first rate and one query naming the
# currencies and months no rate converts; then the referrals table, the win-backs by cause and the offers
# table by type.
DASHBOARD_QUERY_LIMIT, CASE_LIST_QUERY_LIMIT = 21, 7


def _dashboard_queries(manager_client: BrowserClient) -> list[int]:
    counts = []
    for name in ("feedback:dashboard", "feedback:cases"):
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(reverse(name)).status_code == 200
        counts.append(len(queries))
    return counts


def test_the_number_of_queries_does_not_grow_with_cases(
    account_manager: User, other_account_manager: User, manager_client: BrowserClient
) -> None:
    reasons = list(ChurnReason.objects.all())
    for number in range(3):
        make_case(owner=account_manager, notice=date(2026, 1, 1 + number), departed_on=date(2026, 2, 1),
                  reason=reasons[number], competitor=f"Rival {number}", offer_type="pause")  # fmt: skip
    few = _dashboard_queries(manager_client)
    dashboard, case_list = few
    assert (dashboard <= DASHBOARD_QUERY_LIMIT, case_list <= CASE_LIST_QUERY_LIMIT) == (True, True), few
    for number in range(27):
        owner = account_manager if number % 2 else other_account_manager
        make_case(owner=owner, notice=date(2026, 1 + number % 5, 1 + number), departed_on=date(2026, 6, 1),
                  reason=reasons[number % len(reasons)], competitor=f"Rival {number}", offer_type="pause",
                  segment=f"Segment {number % 4}")  # fmt: skip
    # Ten times the cases, five segments instead of one, more reasons, competitors and months: the same queries.
    assert _dashboard_queries(manager_client) == few


def test_the_filters_offer_each_owner_of_a_case_and_each_segment_once(
    book: dict[str, DepartureCase], manager_client: BrowserClient
) -> None:
    # Someone who left the account managers' group still owns their old cases; someone with none is not offered.
    former = User.objects.create_user("kit", first_name="Kit", last_name="Former")
    make_case(owner=former, notice=date(2019, 3, 1), segment="Bookkeeping")
    User.objects.create_user("idle", first_name="Ida", last_name="Idle")

    form = manager_client.get(reverse("feedback:dashboard")).context["form"]

    owners = [name for value, name in form.fields["account_manager"].choices if value]
    assert owners == ["Amelia Hart", "Jonas Berg", "Kit Former"]
    segments = [value for value, _label in form.fields["segment"].choices if value]
    assert segments == ["Bookkeeping", "Consulting", "Marketing"]


def test_the_dashboards_numbers_are_grouped_as_the_readers_language_groups_them() -> None:
    from django.utils import translation

    from feedback.formatting import count, measure

    with translation.override("en-gb"):
        assert (count(1234567), measure(2345, "departures", "EUR")) == ("1,234,567", "2,345")
    with translation.override("de"):
        assert (count(1234567), measure(2345, "departures", "EUR")) == ("1.234.567", "2.345")
