"""In a real browser: a client drops one service line and stays; the client page and the dashboard show it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import Client
from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.tests.journeys.conftest import screenshot, sign_in


@pytest.fixture
def staying_client(account_manager: User) -> Client:
    return ClientFactory.create(company_name="Birch & Co", account_manager=account_manager, monthly_value=Decimal(2000))


@pytest.mark.django_db(transaction=True)
def test_a_partial_departure_is_recorded_and_shown_on_the_client_page_and_the_dashboard(
    page: Page, staying_client: Client, manager: User
) -> None:
    sign_in(page, "amelia", TEST_PASSWORD)
    page.goto(f"/clients/{staying_client.pk}/")
    page.get_by_role("link", name="Client is leaving").click()
    page.get_by_role("radio", name="Part leaves, the client stays (partial departure)").check()
    page.get_by_label("The service line or scope that leaves").fill("Payroll")
    page.get_by_label("Monthly value that leaves").fill("500")
    today = timezone.localdate().isoformat()
    page.get_by_label("Notice received on").fill(today)
    page.get_by_label("Planned leave date").fill(today)
    page.get_by_label("How we heard").select_option(label="Phone call")
    page.get_by_role("button", name="Open departure case").click()
    expect(page.get_by_role("heading", name="Birch & Co is dropping part of the service")).to_be_visible()
    expect(page.locator("#what-leaves")).to_have_text(
        "Partial departure: Payroll, 500.00 EUR a month leaves, 1,500.00 EUR stays"
    )

    case_page = page.url.split("#")[0]
    for slug in ("probe", "transition", "thanks"):
        page.goto(f"{case_page}steps/{slug}/")  # each step's own page, as its "Record this step" link opens it
        step = page.locator(f"#step-{slug}")
        step.locator("summary", has_text="Skip this step").click()
        step.get_by_label("Why is this step skipped?").fill("Covered in the call about the payroll handover.")
        step.get_by_role("button", name="Skip this step").click()
    page.get_by_role("button", name="Complete the partial departure").click()
    expect(page.get_by_text("they stay a client at 1,500.00 EUR a month")).to_be_visible()
    screenshot(page, "partial-departure-case")

    page.goto(f"/clients/{staying_client.pk}/")
    expect(page.get_by_text("Partial departure: Payroll, 500.00 EUR a month leaves")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Monthly value history"))
    expect(history.locator("tbody tr").first).to_contain_text("1,500.00 EUR")
    expect(history.locator("tbody tr").first).to_contain_text("partial departure")
    staying_client.refresh_from_db()
    assert (staying_client.status, staying_client.monthly_value) == (Client.Status.ACTIVE, Decimal("1500.00"))

    page.get_by_role("button", name="Amelia Hart").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "marta", TEST_PASSWORD)
    page.goto("/feedback/")
    expect(page.locator('[data-figure="partial-revenue-lost"]')).to_have_text("500.00 EUR")
    expect(page.locator('[data-figure="full-revenue-lost"]')).to_have_text("0.00 EUR")
    partial_row = page.locator("tr", has=page.get_by_role("rowheader", name="Partial departures"))
    expect(partial_row.locator("td").first).to_have_text("1")
    screenshot(page, "dashboard-partial-departure")
