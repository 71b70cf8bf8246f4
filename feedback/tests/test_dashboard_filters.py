"""Each combination of the dashboard's filters counts its own cases, in the visitor's time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from feedback.selectors.departures import headline_figures
from feedback.selectors.filters import DashboardFilter
from feedback.tests.factories import make_case
from offboarding.models import ChurnReason, DepartureCase

JANUARY = DashboardFilter(start=date(2026, 1, 1), end=date(2026, 1, 31))
MARCH = DashboardFilter(start=date(2026, 3, 1), end=date(2026, 3, 31))


def _book(amelia: User, jonas: User) -> None:
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    make_case(owner=amelia, notice=date(2026, 1, 10), departed_on=date(2026, 2, 1), reason=price, competitor="Acme")
    make_case(owner=amelia, notice=date(2026, 3, 5), segment="Marketing", status=DepartureCase.Status.SAVED,
              offer_type="price_change", closed_on=date(2026, 3, 20))  # fmt: skip
    make_case(owner=jonas, notice=date(2026, 3, 9), departed_on=date(2026, 4, 1), closed_on=date(2026, 4, 1),
              kind="need_met", won_back_on=date(2026, 6, 1), status=DepartureCase.Status.WON_BACK)  # fmt: skip


def test_each_combination_of_filters_counts_its_own_cases(account_manager: User, other_account_manager: User) -> None:
    _book(account_manager, other_account_manager)
    amelia, jonas = account_manager.pk, other_account_manager.pk
    filters = [
        JANUARY,
        MARCH,
        DashboardFilter(start=MARCH.start, end=MARCH.end, account_manager_id=amelia),
        DashboardFilter(start=MARCH.start, end=MARCH.end, segment="Consulting"),
        DashboardFilter(start=JANUARY.start, end=MARCH.end),
        DashboardFilter(start=MARCH.start, end=MARCH.end, account_manager_id=jonas, segment="Marketing"),
        DashboardFilter(start=JANUARY.start, end=MARCH.end, account_manager_id=jonas, segment="Consulting"),
    ]
    assert [headline_figures(dashboard).cases for dashboard in filters] == [1, 2, 1, 1, 3, 0, 1]


def test_days_to_close_follow_the_active_time_zone(account_manager: User) -> None:
    case = make_case(owner=account_manager, notice=date(2026, 1, 10), departed_on=date(2026, 1, 11))
    # Closed at 23:30 in London on the 11th, which is already the 12th in Tokyo.
    closed_at = datetime(2026, 1, 11, 23, 30, tzinfo=timezone.get_fixed_timezone(0))
    DepartureCase.objects.filter(pk=case.pk).update(closed_at=closed_at)
    with timezone.override("Europe/London"):
        assert headline_figures(JANUARY).median_days_to_close == 1
    with timezone.override("Asia/Tokyo"):
        assert headline_figures(JANUARY).median_days_to_close == 2


def test_the_segment_and_competitor_filters_offer_each_value_once_in_order(
    account_manager: User, manager_client: Any
) -> None:
    for segment, competitor in [("Marketing", "Acme"), ("", ""), ("Consulting", "Zenith"), ("Marketing", "Acme")]:
        make_case(owner=account_manager, notice=date(2026, 3, 5), segment=segment, competitor=competitor)
    segments = manager_client.get(reverse("feedback:cases")).context["form"].fields["segment"].choices
    assert [value for value, _ in segments] == ["", "Consulting", "Marketing"]  # "" is "Any segment"
    competitors = manager_client.get(reverse("feedback:client_words")).context["form"].fields["competitor"].choices
    assert [value for value, _ in competitors] == ["", "Acme", "Zenith"]
