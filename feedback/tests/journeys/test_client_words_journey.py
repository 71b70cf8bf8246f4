"""A manager searches what clients said from the dashboard, follows a recurring theme and opens a case."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.tests.factories import TEST_PASSWORD
from feedback.models import RecordedFeedback
from feedback.tests.factories import make_case
from feedback.tests.journeys.conftest import screenshot, sign_in
from offboarding.models import ChurnReason, ProbeStep


@pytest.mark.django_db(transaction=True)
def test_a_manager_searches_what_clients_said_and_opens_the_case(
    page: Page, manager: User, account_manager: User
) -> None:
    last_month = timezone.localdate() - timedelta(days=30)
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    late = make_case(owner=account_manager, notice=last_month, name="Late Invoices Ltd", reason=price)
    ProbeStep.objects.filter(case=late).update(client_words="Your invoices always arrived late")
    heard = make_case(owner=account_manager, notice=last_month, name="Heard It Ltd", reason=price)
    RecordedFeedback.objects.create(
        case=heard, heard_on=last_month, what_they_said="Invoices arrived late, twice", recorded_by=account_manager
    )
    quiet = make_case(owner=account_manager, notice=last_month, name="Friendly Ltd", reason=price)
    ProbeStep.objects.filter(case=quiet).update(client_words="A friendly team, we simply moved on")

    sign_in(page, "marta", TEST_PASSWORD)
    page.goto("/feedback/")
    page.get_by_role("link", name="What clients said").click()
    expect(page.get_by_role("heading", name="What clients said", exact=True)).to_be_visible()
    themes = page.get_by_role("table", name="Found a cheaper offer elsewhere")
    themes.get_by_role("link", name="arrived late").click()
    expect(page.get_by_role("heading", name="2 texts match")).to_be_visible()

    page.get_by_label("Words").fill("friendly")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 text matches")).to_be_visible()
    page.get_by_label("Words").fill("invoices late")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="2 texts match")).to_be_visible()
    expect(page.get_by_role("link", name="Friendly Ltd")).to_have_count(0)
    screenshot(page, "what-clients-said")

    page.get_by_role("link", name="Late Invoices Ltd").click()
    expect(page).to_have_url(re.compile(rf"/cases/{late.pk}/"))
    expect(page.get_by_role("heading", name=re.compile("Late Invoices Ltd"))).to_be_visible()
