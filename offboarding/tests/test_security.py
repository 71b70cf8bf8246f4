"""Sign-in guessing is slowed down, and every page carries the security headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient

from clients.tests.factories import TEST_PASSWORD


def _sign_in(client: BrowserClient, password: str) -> int:
    return client.post("/accounts/login/", {"username": "amelia", "password": password}).status_code


@pytest.mark.django_db
def test_sign_in_is_locked_after_five_wrong_passwords(client: BrowserClient, account_manager: User) -> None:
    for _ in range(5):
        _sign_in(client, "guess-guess-guess")
    response = client.post("/accounts/login/", {"username": "amelia", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_correct_password_after_a_few_typos_still_signs_in(client: BrowserClient, account_manager: User) -> None:
    for _ in range(3):
        _sign_in(client, "typo-typo-typo")
    assert _sign_in(client, TEST_PASSWORD) == 302


def _sign_in_from(client: BrowserClient, forwarded_for: str, password: str) -> int:
    response = client.post(
        "/accounts/login/", {"username": "amelia", "password": password}, HTTP_X_FORWARDED_FOR=forwarded_for
    )
    return response.status_code


@pytest.mark.django_db
def test_without_a_proxy_a_forged_forwarded_address_does_not_escape_the_lock(
    client: BrowserClient, account_manager: User, settings: Any
) -> None:
    settings.BEHIND_TLS_PROXY = False
    for number in range(5):
        _sign_in_from(client, f"203.0.113.{number}", "guess-guess-guess")
    assert _sign_in_from(client, "198.51.100.7", TEST_PASSWORD) == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_forwarded_address_is_counted_apart(
    client: BrowserClient, account_manager: User, settings: Any
) -> None:
    # The proxy connects from 127.0.0.1 for everyone and appends the address it saw.
    settings.BEHIND_TLS_PROXY = True
    for _ in range(5):
        _sign_in_from(client, "203.0.113.5", "guess-guess-guess")
    assert _sign_in_from(client, "203.0.113.5", TEST_PASSWORD) == 429
    assert _sign_in_from(client, "198.51.100.7", TEST_PASSWORD) == 302


@pytest.mark.django_db
def test_behind_a_proxy_an_address_a_stranger_puts_in_front_is_not_believed(
    client: BrowserClient, account_manager: User, settings: Any
) -> None:
    # The proxy appends the address it saw to whatever the stranger sent: only the last entry is its own.
    settings.BEHIND_TLS_PROXY = True
    for number in range(5):
        _sign_in_from(client, f"198.51.100.{number}, 203.0.113.5", "guess-guess-guess")
    assert _sign_in_from(client, "203.0.113.5", TEST_PASSWORD) == 429


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_scripts(am_client: BrowserClient) -> None:
    response = am_client.get("/")
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_pages_forbid_framing_and_sniffing(client: BrowserClient) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_csv_download_may_not_be_stored_by_a_cache(manager_client: BrowserClient) -> None:
    for path in ("/clients/export.csv", "/feedback/cases/export.csv"):
        response = manager_client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store", path


@pytest.mark.django_db
def test_a_public_page_keeps_its_own_cache_control_for_a_signed_in_visitor(
    client: BrowserClient, am_client: BrowserClient
) -> None:
    for browser in (client, am_client):
        response = browser.get("/healthz")
        assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
