"""Revenue lost to full and partial departures and net revenue retention, in EUR, against figures worked by hand.

Today is 15 Jun 2026; the period is 1 Jan 2026 to 15 Jun 2026. The business currency is EUR.
USD rates: 0.90 from 1 Dec 2025, 0.80 from 1 Mar 2026. Every client's value history starts on 1 Jun 2025.

| client | value     | what happened                                       | revenue lost (EUR)     |
|--------|-----------|-----------------------------------------------------|------------------------|
| C1     | 1000 EUR  | full departure, notice 10 Feb 2026                  | 1000                   |
| C2     | 2000 USD  | partial departure of 500 USD, notice 10 Mar 2026    | 500 x 0.80 = 400       |
| C3     | 1000 USD  | full departure, notice 20 Feb 2026                  | 1000 x 0.90 = 900      |
| C4     | 3000 EUR  | stays, no case                                      |                        |
| C5     | 600 EUR   | left in Oct 2025 (0 from then), came back 1 Apr 2026| returned 600           |
| C6     | 1500 EUR  | saved by an offer of -200 a month, notice 1 May 2026| offers -200            |

MRR on 1 Jan 2026: 1000 + 2000 x 0.90 + 1000 x 0.90 + 3000 + 0 + 1500 = 8200.
Lost: full 1900, partial 400, together 2300. NRR = (8200 - 2300 + 600 - 200) / 8200 = 6300 / 8200 = 76.8%.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.currencies import MissingRate, money_convert
from clients.models import Client, ClientValueChange, ExchangeRate
from clients.tests.api_helpers import ApiCaller
from clients.tests.factories import ClientFactory
from clients.value_history import client_value_record
from feedback.selectors.departures import headline_figures, probe_breakdowns
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.revenue import net_revenue_retention
from feedback.tests.factories import make_case
from offboarding.models import DepartureCase, OfferStep

TODAY = date(2026, 6, 15)
PERIOD = DashboardFilter(start=date(2026, 1, 1), end=TODAY)
HISTORY_BEGINS = date(2025, 6, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


@pytest.fixture
def usd_rates() -> None:
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.90"), valid_from=date(2025, 12, 1))
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.80"), valid_from=date(2026, 3, 1))


def _case(owner: User, *, currency: str = "EUR", **fields: object) -> DepartureCase:
    case = make_case(owner=owner, **fields)  # type: ignore[arg-type]
    Client.objects.filter(pk=case.client_id).update(currency=currency)
    DepartureCase.objects.filter(pk=case.pk).update(currency=currency)
    case.refresh_from_db()
    client_value_record(client=case.client, source="created", actor=None, on=HISTORY_BEGINS)
    return case


@pytest.fixture
def book(account_manager: User, usd_rates: None) -> dict[str, DepartureCase | Client]:
    d = date
    c1 = _case(account_manager, notice=d(2026, 2, 10), value="1000", departed_on=d(2026, 3, 1))
    c2 = _case(account_manager, currency="USD", notice=d(2026, 3, 10), value="2000", departed_on=d(2026, 4, 1))
    DepartureCase.objects.filter(pk=c2.pk).update(scope="partial", value_leaving=Decimal(500), part_leaving="Payroll")
    c3 = _case(account_manager, currency="USD", notice=d(2026, 2, 20), value="1000", departed_on=d(2026, 3, 20))
    c4 = ClientFactory.create(account_manager=account_manager, monthly_value=Decimal(3000))
    client_value_record(client=c4, source="created", actor=None, on=HISTORY_BEGINS)
    c5 = _case(account_manager, notice=d(2025, 9, 1), value="600", status="won_back", departed_on=d(2025, 10, 1),
               won_back_on=d(2026, 4, 1))  # fmt: skip
    client_value_record(client=c5.client, source="departure", actor=None, on=d(2025, 10, 1), value=Decimal(0))
    client_value_record(client=c5.client, source="return", actor=None, on=d(2026, 4, 1))
    c6 = _case(account_manager, notice=d(2026, 5, 1), value="1500", status="saved", offer_type="price_change")
    OfferStep.objects.filter(case=c6).update(monthly_value_effect=Decimal(-200))
    return {"C1": c1, "C2": c2, "C3": c3, "C4": c4, "C5": c5, "C6": c6}


def test_an_amount_is_converted_at_the_rate_valid_on_its_date(usd_rates: None) -> None:
    assert money_convert(amount=Decimal(100), currency="USD", on=date(2026, 2, 28)) == Decimal("90.00")
    assert money_convert(amount=Decimal(100), currency="USD", on=date(2026, 3, 1)) == Decimal("80.00")
    assert money_convert(amount=Decimal(100), currency="EUR", on=date(2000, 1, 1)) == Decimal(100)
    assert money_convert(amount=Decimal(100), currency="USD", on=date(2025, 11, 30)) is None


def test_revenue_lost_to_full_and_partial_departures_in_the_business_currency(book: dict[str, object]) -> None:
    revenue = headline_figures(PERIOD).revenue

    assert (revenue.full_departures, revenue.full_revenue_lost) == (2, Decimal("1900"))
    assert (revenue.partial_departures, revenue.partial_revenue_lost) == (1, Decimal("400"))
    assert revenue.revenue_lost == Decimal("2300")
    assert revenue.offer_effects == Decimal("-200")
    assert net_revenue_retention(PERIOD, revenue).missing == []


def test_net_revenue_retention_over_the_period(book: dict[str, object]) -> None:
    retention = net_revenue_retention(PERIOD, headline_figures(PERIOD).revenue)

    assert retention.start_revenue == Decimal("8200")
    assert (retention.lost, retention.returned, retention.offer_effects) == (Decimal(2300), Decimal(600), Decimal(-200))
    assert retention.end_revenue == Decimal("6300")
    assert retention.rate == pytest.approx(6300 / 8200)


def test_a_month_without_a_rate_is_named_and_left_out_of_the_sum(
    book: dict[str, object], account_manager: User
) -> None:
    _case(account_manager, currency="GBP", notice=date(2026, 4, 10), value="700", departed_on=date(2026, 5, 1))

    revenue = headline_figures(PERIOD).revenue

    assert revenue.full_revenue_lost == Decimal("1900")  # not 2600: 700 GBP is not 700 EUR
    # The client paid in pounds on the first day too, so the revenue at the start misses January's rate.
    assert net_revenue_retention(PERIOD, revenue).missing == [
        MissingRate(currency="GBP", month=date(2026, 1, 1)),
        MissingRate(currency="GBP", month=date(2026, 4, 1)),
    ]


def test_the_breakdowns_add_up_each_case_converted_at_its_notice_date_and_leave_out_an_amount_without_a_rate(
    book: dict[str, object], account_manager: User
) -> None:
    # The book's departures in the period record no reason and no kind; they came in two months and two currencies.
    _case(account_manager, currency="GBP", notice=date(2026, 4, 10), value="700", departed_on=date(2026, 5, 1),
          kind="lost_focus")  # fmt: skip

    probe = probe_breakdowns(PERIOD)

    # 1000 EUR + 500 USD at March's 0.80 + 1000 USD at February's 0.90; the 700 GBP has no rate.
    assert [(row.label, row.departures, row.revenue) for row in probe.departures] == [
        ("Not recorded", 4, Decimal("2300")),
    ]
    assert [(row.label, row.departures, row.revenue) for row in probe.by_kind] == [
        ("Not recorded", 3, Decimal("2300")),
        ("They lost focus", 1, None),  # shown as a dash: nothing of it could be converted
    ]
    departures_by_month = {month: count for month, (count,) in probe.trend.rows() if count}
    assert departures_by_month == {date(2026, 2, 1): 2, date(2026, 3, 1): 1, date(2026, 4, 1): 1}


def test_the_dashboard_warns_of_the_missing_rate_and_shows_both_kinds_of_departure(
    book: dict[str, object], account_manager: User, manager_client: BrowserClient
) -> None:
    _case(account_manager, currency="GBP", notice=date(2026, 4, 10), value="700", departed_on=date(2026, 5, 1))

    page = manager_client.get(reverse("feedback:dashboard"), {"start": "2026-01-01", "end": "2026-06-15"})
    text = page.content.decode()

    assert "GBP, April 2026" in text
    assert "Add the missing rates" in text
    assert 'data-figure="full-revenue-lost">1,900.00 EUR' in text
    assert 'data-figure="partial-revenue-lost">400.00 EUR' in text
    assert 'data-figure="net-revenue-retention">77%' in text


def test_the_dashboard_shows_no_warning_when_every_rate_is_kept(
    book: dict[str, object], manager_client: BrowserClient
) -> None:
    page = manager_client.get(reverse("feedback:dashboard"), {"start": "2026-01-01", "end": "2026-06-15"})

    assert "could not be converted" not in page.content.decode()


def test_a_rate_from_after_the_notice_does_not_convert_it(account_manager: User) -> None:
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.80"), valid_from=date(2026, 3, 1))
    _case(account_manager, currency="USD", notice=date(2026, 2, 10), value="1000", departed_on=date(2026, 3, 1))

    revenue = headline_figures(PERIOD).revenue

    assert revenue.full_revenue_lost == Decimal(0)
    assert net_revenue_retention(PERIOD, revenue).missing == [
        MissingRate(currency="USD", month=date(2026, 1, 1)),
        MissingRate(currency="USD", month=date(2026, 2, 1)),
    ]
    assert ClientValueChange.objects.count() == 1


def test_the_api_gives_the_same_figures_and_names_the_missing_rates(
    book: dict[str, object], account_manager: User, manager: User
) -> None:
    _case(account_manager, currency="GBP", notice=date(2026, 4, 10), value="700", departed_on=date(2026, 5, 1))

    response = ApiCaller(manager).get("/api/v1/dashboard/", {"start": "2026-01-01", "end": "2026-06-15"})

    body = response.json()
    assert body["revenue"]["partial_revenue_lost"] == "400.00"
    assert body["revenue"]["full_revenue_lost"] == "1900.00"
    # The GBP client already paid on the first day, so the revenue at the start is missing its pounds too.
    assert body["net_revenue_retention"]["start_revenue"] == "8200.00"
    assert body["missing_rates"] == [
        {"currency": "GBP", "month": "2026-01-01"},
        {"currency": "GBP", "month": "2026-04-01"},
    ]


def test_the_dashboard_keeps_its_query_count_as_currencies_partial_departures_and_history_grow(
    account_manager: User, manager_client: BrowserClient, usd_rates: None
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(reverse("feedback:dashboard")).status_code == 200
        return len(captured)

    _case(account_manager, currency="USD", notice=date(2026, 2, 1), value="900", departed_on=date(2026, 3, 1))
    few = queries()
    for number in range(12):
        case = _case(account_manager, currency=("USD", "GBP", "EUR", "CHF")[number % 4],
                     notice=date(2026, 1 + number % 5, 1 + number), departed_on=date(2026, 6, 1))  # fmt: skip
        if number % 3 == 0:
            DepartureCase.objects.filter(pk=case.pk).update(scope="partial", value_leaving=Decimal(100))
        client_value_record(client=case.client, source="return", actor=None, on=date(2026, 6, 2))

    assert queries() == few


def test_every_amount_dated_before_its_currencys_first_rate_is_named_and_none_after(
    book: dict[str, object], account_manager: User
) -> None:
    ExchangeRate.objects.create(currency="CHF", rate=Decimal("1.05"), valid_from=date(2026, 3, 1))
    _case(account_manager, currency="CHF", notice=date(2026, 2, 10), value="100", departed_on=date(2026, 3, 1))
    _case(account_manager, currency="CHF", notice=date(2026, 3, 1), value="200", departed_on=date(2026, 4, 1))
    returning = _case(account_manager, currency="CHF", notice=date(2025, 8, 1), value="300", status="won_back",
                      departed_on=date(2025, 9, 1), won_back_on=date(2026, 4, 2))  # fmt: skip
    client_value_record(client=returning.client, source="departure", actor=None, on=date(2025, 9, 1), value=Decimal(0))
    client_value_record(client=returning.client, source="return", actor=None, on=date(2026, 4, 2))

    headline = headline_figures(PERIOD)
    retention = net_revenue_retention(PERIOD, headline.revenue)

    # January: the CHF clients held value on 1 Jan, before the first CHF rate; February: the notice of 10 Feb.
    # The notice of 1 Mar and the return of 2 Apr fall on and after the first rate, so they are converted.
    assert retention.missing == [
        MissingRate(currency="CHF", month=date(2026, 1, 1)),
        MissingRate(currency="CHF", month=date(2026, 2, 1)),
    ]
    assert headline.revenue.full_revenue_lost == Decimal("1900") + Decimal("210.00")
    assert retention.returned == Decimal(600) + Decimal("315.00")


def test_a_rate_valid_from_the_first_day_of_the_period_converts_the_revenue_at_its_start(
    account_manager: User,
) -> None:
    ExchangeRate.objects.create(currency="CHF", rate=Decimal("1.05"), valid_from=PERIOD.start)
    _case(account_manager, currency="CHF", notice=date(2026, 2, 10), value="100", departed_on=date(2026, 3, 1))

    retention = net_revenue_retention(PERIOD, headline_figures(PERIOD).revenue)

    assert (retention.start_revenue, retention.missing) == (Decimal("105.00"), [])
