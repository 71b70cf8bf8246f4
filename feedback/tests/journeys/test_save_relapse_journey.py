"""In a real browser: an offer declined, a second accepted, the client gives notice again inside the watch period,
and the manager's dashboard shows the save as relapsed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import Client
from clients.tests.factories import TEST_PASSWORD, ClientFactory
from feedback.tests.journeys.conftest import screenshot, sign_in
from offboarding.models import DepartureCase


@pytest.fixture
def wavering_client(account_manager: User) -> Client:
    return ClientFactory.create(company_name="Hazel Studio", account_manager=account_manager, monthly_value=1000)


def _give_notice(page: Page, client: Client) -> None:
    page.goto(f"/clients/{client.pk}/")
    page.get_by_role("link", name="Client is leaving").click()
    today = timezone.localdate()
    page.get_by_label("Notice received on").fill(today.isoformat())
    page.get_by_label("Planned leave date").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("How we heard").select_option(label="Phone call")
    page.get_by_role("button", name="Open departure case").click()
    expect(page.get_by_role("heading", name="Hazel Studio is leaving")).to_be_visible()


def _make_offer(page: Page, offer_type: str, details: str, concession: str, months: str) -> None:
    history = page.locator("#offer-history")
    adding = history.locator("details")
    if adding.get_attribute("open") is None:
        adding.locator("summary").click()
    history.get_by_label("Offer type").select_option(label=offer_type)
    history.get_by_label("Details").fill(details)
    history.get_by_label("Monthly concession").fill(concession)
    history.get_by_label("Months of the concession").fill(months)
    history.get_by_role("button", name="Record the offer").click()
    expect(page.get_by_text("waiting for the client's answer")).to_be_visible()


def _answer(page: Page, answer: str) -> None:
    history = page.locator("#offer-history")
    history.get_by_role("radio", name=answer).check()
    history.get_by_role("button", name="Record the answer").click()


@pytest.mark.django_db(transaction=True)
def test_two_offers_then_a_relapse_shows_on_the_dashboard(page: Page, wavering_client: Client, manager: User) -> None:
    sign_in(page, "amelia", TEST_PASSWORD)
    _give_notice(page, wavering_client)
    page.get_by_role("link", name="Record this step (Offer a fix)").click()
    _make_offer(page, "Price change", "15% off for six months.", "150", "6")
    _answer(page, "Declined")
    expect(page.get_by_text("Offer 1 declined: another offer can be made.")).to_be_visible()
    _make_offer(page, "New contact person", "A senior partner takes over the account.", "0", "0")
    _answer(page, "Accepted")
    expect(page.get_by_role("heading", name="Hazel Studio stayed: departure called off")).to_be_visible()
    expect(page.locator("#offer-history tbody tr")).to_have_count(2)
    expect(page.get_by_text("Save being watched: 90 days left.")).to_be_visible()
    screenshot(page, "offer-history")
    saved = DepartureCase.objects.get(client=wavering_client, status="saved")

    _give_notice(page, wavering_client)
    expect(page.get_by_text("This departure follows the save of")).to_be_visible()
    saved.refresh_from_db()
    assert saved.relapsed_on == timezone.localdate()

    page.get_by_role("button", name="Amelia Hart").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "marta", TEST_PASSWORD)
    page.goto("/feedback/")
    figures = page.locator("section", has=page.locator("#figures-heading"))
    save_rate = figures.locator(".card", has=page.get_by_text("Save rate (kept)", exact=True))
    expect(save_rate).to_contain_text("0 kept, 1 relapsed")
    by_offer = page.locator("#save-by-offer-heading").locator("xpath=..")
    # Offers made, kept, watching, relapsed, save rate: the one save relapsed, so it counts against the rate.
    cells = by_offer.get_by_role("row", name="New contact person").locator("td")
    expect(cells).to_have_text(["1", "0", "0", "1", "0%"])
    screenshot(page, "dashboard-relapsed-save")
