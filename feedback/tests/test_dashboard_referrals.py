"""The dashboard's referrals: referred clients and their monthly revenue, by referrer, following the filter."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.tests.factories import ClientFactory
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.referrals import referrals_by_referrer

pytestmark = pytest.mark.django_db

SPRING = DashboardFilter(start=date(2026, 3, 1), end=date(2026, 5, 31))


def _referred(referrer: Client, owner: User, value: str, *, added: date, **fields: object) -> Client:
    client = ClientFactory.create(account_manager=owner, referred_by=referrer, monthly_value=Decimal(value), **fields)
    at = datetime(added.year, added.month, added.day, 12, tzinfo=timezone.get_current_timezone())
    Client.objects.filter(pk=client.pk).update(created_at=at)
    return client


@pytest.fixture
def referrers(account_manager: User, other_account_manager: User) -> tuple[Client, Client]:
    happy = ClientFactory.create(company_name="Happy Leaver Ltd", account_manager=account_manager)
    other = ClientFactory.create(company_name="Second Referrer Ltd", account_manager=other_account_manager)
    _referred(happy, account_manager, "1000", added=date(2026, 3, 5))
    _referred(happy, other_account_manager, "500", added=date(2026, 4, 5))
    _referred(happy, account_manager, "700", added=date(2026, 4, 9), status=Client.Status.DEPARTED)
    _referred(happy, account_manager, "9999", added=date(2026, 1, 9))  # before the period
    _referred(other, other_account_manager, "300", added=date(2026, 5, 1), currency="GBP")
    return happy, other


def test_referred_clients_and_their_revenue_are_counted_by_referrer(referrers: tuple[Client, Client]) -> None:
    rows = referrals_by_referrer(SPRING)

    assert [(row.referrer, row.referred, row.revenue, row.currency) for row in rows] == [
        ("Happy Leaver Ltd", 3, Decimal("1500.00"), "EUR"),  # the departed one counts, without its revenue
        ("Second Referrer Ltd", 1, Decimal("300.00"), "GBP"),
    ]


def test_the_referrals_follow_the_account_manager_filter(
    referrers: tuple[Client, Client], other_account_manager: User
) -> None:
    jonas = DashboardFilter(start=SPRING.start, end=SPRING.end, account_manager_id=other_account_manager.pk)

    rows = referrals_by_referrer(jonas)

    assert [(row.referrer, row.referred, row.revenue) for row in rows] == [
        ("Happy Leaver Ltd", 1, Decimal("500.00")),
        ("Second Referrer Ltd", 1, Decimal("300.00")),
    ]


def test_the_dashboard_shows_the_referrals_table(
    manager_client: BrowserClient, referrers: tuple[Client, Client]
) -> None:
    happy, _ = referrers

    page = manager_client.get(
        reverse("feedback:dashboard"), {"start": "2026-03-01", "end": "2026-05-31"}
    ).content.decode()

    assert "Referred clients by referrer" in page
    assert f'href="{happy.get_absolute_url()}">Happy Leaver Ltd</a>' in page
    assert "1,500.00 EUR" in page
    assert "300.00 GBP" in page
