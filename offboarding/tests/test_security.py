"""Sign-in guessing is slowed down, and every page carries the security headers."""

from __future__ import annotations

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
