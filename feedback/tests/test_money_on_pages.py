"""One monthly value reads the same on every page that shows it, from the client list to the dashboard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from feedback.tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_a_monthly_value_reads_the_same_on_every_page(manager_client: BrowserClient, account_manager: User) -> None:
    case = make_case(
        owner=account_manager, notice=timezone.localdate(), status="open", value="4800", name="Alder Studio"
    )
    pages = {
        "client list": reverse("clients:list"),
        "client page": reverse("client_detail", args=[case.client.pk]),
        "my work": reverse("home") + f"?account_manager={account_manager.pk}",
        "case page": case.get_absolute_url(),
        "dashboard case list": reverse("feedback:cases"),
    }
    for name, path in pages.items():
        page = manager_client.get(path).content.decode()
        assert "4,800.00 EUR" in page, f"{name} shows the value otherwise"
        assert "4800.00" not in page, name
        assert "EUR 4,800" not in page, name


def test_the_dashboard_shows_revenue_lost_as_the_case_list_does(
    manager_client: BrowserClient, account_manager: User
) -> None:
    today = timezone.localdate()
    for value in ("4800", "1200.50"):
        make_case(owner=account_manager, notice=today, departed_on=today, value=value)
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    assert "6,000.50 EUR" in page  # the headline figure and the table of each breakdown
