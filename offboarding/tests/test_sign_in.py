"""Sign-in, sign-out, password change and reset; every page but sign-in needs a login."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client as BrowserClient

from clients.tests.factories import TEST_PASSWORD, UserFactory
from offboarding.tests.urlwalk import Page, all_pages

# Pages a person who is not signed in must be able to reach.
PUBLIC_PAGES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "metrics",  # a bearer token instead of a sign-in (offboarding/tests/test_metrics.py)
    "feedback:survey",
    "outbox:unsubscribe",
    "feedback:survey_thanks",
    "calendar_feed",  # its secret address instead of a sign-in (offboarding/tests/test_calendar_feed.py)
}
# The REST API answers a personal token (or a session), never with the sign-in page: an anonymous call is a 401.
API_PAGES = {page.name for page in all_pages() if page.name.startswith("api:") and page.name != "api:docs"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", [p for p in all_pages() if p.name not in PUBLIC_PAGES | API_PAGES], ids=lambda p: p.name
)
def test_every_private_page_sends_an_anonymous_visitor_to_sign_in(client: BrowserClient, page: Page) -> None:
    for method in (client.get, client.post):
        response = method(page.path)
        assert response.status_code == 302, f"{page.name} answered {response.status_code}"
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in all_pages() if p.name in API_PAGES], ids=lambda p: p.name)
def test_every_api_call_without_a_token_is_refused_with_401(client: BrowserClient, page: Page) -> None:
    for method in (client.get, client.post):
        response = method(page.path)
        assert response.status_code == 401, f"{page.name} answered {response.status_code}"
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_the_sign_in_page_is_open(client: BrowserClient) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.django_db
def test_a_person_signs_in_and_out(client: BrowserClient, account_manager: User) -> None:
    response = client.post("/accounts/login/", {"username": "amelia", "password": TEST_PASSWORD}, follow=True)
    assert response.wsgi_request.user == account_manager
    assert b"My work" in response.content

    response = client.post("/accounts/logout/", follow=True)
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client: BrowserClient, account_manager: User) -> None:
    response = client.post("/accounts/login/", {"username": "amelia", "password": "not-my-password"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_username_longer_than_any_account_is_refused_with_a_message(client: BrowserClient) -> None:
    # It used to reach the password check, and recording the failed attempt failed: a server error.
    response = client.post("/accounts/login/", {"username": "x" * 300, "password": "anything"})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters (it has 300)." in response.content.decode()


@pytest.mark.django_db
def test_a_person_changes_their_password(am_client: BrowserClient, account_manager: User) -> None:
    response = am_client.post(
        "/accounts/password_change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    account_manager.refresh_from_db()
    assert account_manager.check_password("a-much-longer-passphrase")


@pytest.mark.django_db
def test_a_common_password_is_refused_on_change(am_client: BrowserClient, account_manager: User) -> None:
    response = am_client.post(
        "/accounts/password_change/",
        {"old_password": TEST_PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert response.status_code == 200
    assert b"This password is too common" in response.content
    account_manager.refresh_from_db()
    assert account_manager.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_through_the_emailed_link(client: BrowserClient, account_manager: User) -> None:
    client.post("/accounts/password_reset/", {"email": account_manager.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form_page.content
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-7", "new_password2": "brand-new-passphrase-7"},
    )
    account_manager.refresh_from_db()
    assert account_manager.check_password("brand-new-passphrase-7")


def _ask_for_reset(client: BrowserClient, email: str, **headers: str) -> str:
    """Ask for a reset link; the page it leads to, which must never tell whether the account exists."""
    response = client.post("/accounts/password_reset/", {"email": email}, follow=True, headers=headers)
    assert response.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert "If an account uses that address, a link to choose a new password is on its way." in response.text
    return response.text


@pytest.mark.django_db
def test_the_reset_link_leads_to_site_url_whatever_host_the_request_named(
    client: BrowserClient, account_manager: User, settings: Any
) -> None:
    settings.SITE_URL = "https://offboarding.northwind.example"
    _ask_for_reset(client, account_manager.email, host="127.0.0.1:1337")
    body = str(mail.outbox[0].body)
    assert "https://offboarding.northwind.example/accounts/reset/" in body
    assert "1337" not in body + str(mail.outbox[0].subject)


@pytest.mark.django_db
def test_an_account_gets_at_most_three_reset_mails_an_hour(
    client: BrowserClient, account_manager: User, settings: Any
) -> None:
    settings.BEHIND_TLS_PROXY = True
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        for _ in range(5):
            _ask_for_reset(client, account_manager.email)
        assert len(mail.outbox) == 3
        clock.shift(timedelta(minutes=59))
        _ask_for_reset(client, account_manager.email, x_forwarded_for="198.51.100.7")  # nor from elsewhere
        assert len(mail.outbox) == 3
        clock.shift(timedelta(minutes=2))  # the first three are more than an hour old now
        _ask_for_reset(client, account_manager.email)
        assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_one_address_asks_for_at_most_ten_resets_an_hour_known_accounts_or_not(
    client: BrowserClient, settings: Any
) -> None:
    settings.BEHIND_TLS_PROXY = True
    colleagues = [UserFactory.create(username=f"colleague{number}") for number in range(12)]
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        for number in range(4):
            _ask_for_reset(client, f"nobody{number}@northwind.example", x_forwarded_for="203.0.113.5")
        for colleague in colleagues:
            _ask_for_reset(client, colleague.email, x_forwarded_for="203.0.113.5")
        assert len(mail.outbox) == 6
        _ask_for_reset(client, colleagues[-1].email, x_forwarded_for="198.51.100.7")
        assert [message.to for message in mail.outbox[6:]] == [[colleagues[-1].email]]
