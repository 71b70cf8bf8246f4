"""Offers by type and the concession cost per unit of monthly revenue kept, against figures worked out by hand.

Today is 15 Jun 2026; the watch is 90 days. Cases (notice, monthly value, offers in turn):

| case | value | offers                                                        | outcome                     |
|------|-------|---------------------------------------------------------------|-----------------------------|
| K    | 1000  | price change declined; price change -300, 300 x 6, accepted   | saved 1 Mar: kept           |
| L    | 2000  | new contact, one-off 1500, accepted                           | saved 1 Feb: kept           |
| W    | 800   | price change -100, 100 x 3, accepted                          | saved 1 Jun: still watching |
| R    | 1200  | pause, one-off 200, accepted                                  | saved 1 Apr, relapsed 1 May |

Price change: made 3, accepted 2, kept 1; given away 1,800 for 700 a month kept: 2.57 per unit.
New contact: made 1, accepted 1, kept 1; 1,500 for 2,000 a month: 0.75.
Pause: made 1, accepted 1, kept 0: no cost per unit.
All: made 5, accepted 4, kept 2; 3,300 for 2,700 a month: 1.22.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from feedback.selectors.filters import DashboardFilter
from feedback.selectors.offers import offers_by_type, offers_total
from offboarding.models import DepartureCase, SaveOffer
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory

pytestmark = pytest.mark.django_db

PERIOD = DashboardFilter(start=date(2025, 7, 1), end=date(2026, 6, 15))


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


def _case(owner: User, value: str, saved_on: date, relapsed_on: date | None = None) -> DepartureCase:
    client = ClientFactory.create(account_manager=owner, monthly_value=Decimal(value))
    case = DepartureCaseFactory.create(client=client, notice_received_on=date(2026, 1, 5))
    DepartureCase.objects.filter(pk=case.pk).update(status="saved", saved_on=saved_on, relapsed_on=relapsed_on)
    return case


def _offer(case: DepartureCase, position: int, offer_type: str, answer: str = "accepted", **costs: str | int) -> None:
    money = {name: Decimal(str(value)) if name != "concession_months" else value for name, value in costs.items()}
    SaveOffer.objects.create(
        case=case, position=position, offer_type=offer_type, details="-", answer=answer,
        answered_on=date(2026, 1, 10), **money,
    )  # fmt: skip


@pytest.fixture
def offers(account_manager: User) -> None:
    kept = _case(account_manager, "1000", date(2026, 3, 1))
    _offer(kept, 1, "price_change", answer="declined")
    _offer(kept, 2, "price_change", monthly_value_effect=-300, monthly_concession=300, concession_months=6)
    _offer(_case(account_manager, "2000", date(2026, 2, 1)), 1, "new_contact", one_off_cost=1500)
    watching = _case(account_manager, "800", date(2026, 6, 1))
    _offer(watching, 1, "price_change", monthly_value_effect=-100, monthly_concession=100, concession_months=3)
    _offer(_case(account_manager, "1200", date(2026, 4, 1), date(2026, 5, 1)), 1, "pause", one_off_cost=200)


def test_offers_made_accepted_and_kept_by_type_with_what_the_kept_ones_cost(offers: None) -> None:
    rows = {row.label: row for row in offers_by_type(PERIOD)}
    assert [(r.made, r.accepted, r.kept, r.given_away, r.revenue_kept) for r in rows.values()] == [
        (3, 2, 1, Decimal("1800.00"), Decimal("700.00")),
        (1, 1, 1, Decimal("1500.00"), Decimal("2000.00")),
        (1, 1, 0, Decimal("0"), Decimal("0")),
    ]
    assert list(rows) == ["Price change", "New contact person", "Pause the service"]
    assert round(rows["Price change"].cost_per_revenue_kept or 0, 2) == Decimal("2.57")
    assert rows["New contact person"].cost_per_revenue_kept == Decimal("0.75")
    assert rows["Pause the service"].cost_per_revenue_kept is None


def test_the_concession_cost_per_unit_of_monthly_revenue_kept_over_every_kept_save(offers: None) -> None:
    total = offers_total(offers_by_type(PERIOD))
    assert (total.made, total.accepted, total.kept) == (5, 4, 2)
    assert (total.given_away, total.revenue_kept) == (Decimal("3300.00"), Decimal("2700.00"))
    assert round(total.cost_per_revenue_kept or 0, 2) == Decimal("1.22")


def test_the_dashboard_shows_the_offers_table(offers: None, manager_client: BrowserClient) -> None:
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    assert "Offers by type, and what the kept saves cost" in page
    assert "<strong>1.22</strong>" in page
    assert "2.57" in page
