"""Every POST needs a CSRF token, except the one-click unsubscribe, which is protected by its signed token."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient

from offboarding.tests.urlwalk import Page, all_pages

# RFC 8058: mail providers POST the one-click unsubscribe without cookies or a form.
CSRF_EXEMPT_PAGES = {"outbox:unsubscribe"}


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in all_pages() if p.name not in CSRF_EXEMPT_PAGES], ids=lambda p: p.name)
def test_a_post_without_a_csrf_token_is_refused(page: Page, manager: User) -> None:
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(manager)
    response = browser.post(page.path, {})
    assert response.status_code == 403, f"{page.name} answered {response.status_code}"


@pytest.mark.django_db
def test_the_csrf_exempt_list_names_pages_that_exist() -> None:
    names = {page.name for page in all_pages()}
    assert names >= CSRF_EXEMPT_PAGES
