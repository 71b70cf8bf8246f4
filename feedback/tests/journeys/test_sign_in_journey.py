from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from clients.tests.factories import TEST_PASSWORD
from feedback.tests.journeys.conftest import screenshot, sign_in


@pytest.mark.django_db(transaction=True)
def test_an_account_manager_signs_in_sees_my_work_and_signs_out(page: Page, account_manager: User) -> None:
    page.goto("/clients/")
    expect(page).to_have_url("/accounts/login/?next=/clients/")
    screenshot(page, "sign-in")

    sign_in(page, "amelia", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    screenshot(page, "my-work")

    page.get_by_role("button", name="Amelia Hart").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_shows_a_message_in_the_browser(page: Page, account_manager: User) -> None:
    sign_in(page, "amelia", "not-the-password")
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
