"""In a real browser: a manager keeps the exchange rates, and the dashboard names a month without one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import Client, ExchangeRate
from clients.tests.factories import TEST_PASSWORD
from feedback.tests.factories import make_case
from feedback.tests.journeys.conftest import sign_in
from feedback.tests.journeys.test_accessibility import _check, _report
from offboarding.models import DepartureCase


@pytest.fixture
def context_options() -> dict[str, Any]:
    # As in test_accessibility.py: axe is injected as a script, which the product's CSP refuses.
    return {"bypass_csp": True}


@pytest.mark.django_db(transaction=True)
def test_a_manager_uploads_and_adds_rates_and_the_dashboard_names_the_month_still_missing(
    page: Page, manager: User, account_manager: User, tmp_path: Path
) -> None:
    today = timezone.localdate()
    case = make_case(owner=account_manager, notice=today.replace(day=1), value="1000", departed_on=today)
    Client.objects.filter(pk=case.client_id).update(currency="GBP")
    DepartureCase.objects.filter(pk=case.pk).update(currency="GBP")
    rates = tmp_path / "rates.csv"
    rates.write_text("currency;rate;valid_from\nUSD;0,92;2025-01-01\nUSD;0.90;2025-07-01\n", encoding="utf-8")
    problems: dict[str, list[str]] = {}

    sign_in(page, "marta", TEST_PASSWORD)
    page.goto(reverse("feedback:dashboard"))
    warning = page.locator("#missing-rates")
    expect(warning).to_contain_text(f"GBP, {today:%B %Y}")
    _check(page, "dashboard-missing-rate", problems)

    warning.get_by_role("link", name="Add the missing rates").click()
    page.locator("#id_file").set_input_files(str(rates))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Imported 2 exchange rates.")).to_be_visible()
    page.get_by_label("Currency", exact=False).first.fill("GBP")
    page.get_by_label("Rate to the business currency").fill("1.15")
    page.get_by_label("Valid from").fill(today.replace(day=1).isoformat())
    page.get_by_role("button", name="Add the rate").click()
    expect(page.get_by_text(f"The GBP rate from {today.replace(day=1).isoformat()} was added.")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(3)
    _check(page, "exchange-rates", problems)
    assert ExchangeRate.objects.get(currency="GBP").rate == Decimal("1.15")
    assert ExchangeRate.objects.filter(currency="USD", valid_from=date(2025, 1, 1)).exists()

    page.goto(reverse("feedback:dashboard"))
    expect(page.locator("#missing-rates")).to_have_count(0)
    expect(page.locator('[data-figure="full-revenue-lost"]')).to_have_text("1,150.00 EUR")
    assert not problems, _report(problems)
