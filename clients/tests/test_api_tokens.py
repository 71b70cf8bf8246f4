"""Personal API tokens: shown once on the settings page, kept as a hash, last use shown, revoked, rate-limited."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client as BrowserClient

from clients.models import ApiToken
from clients.tests.api_helpers import ApiCaller
from offboarding.tests.db_snapshot import snapshot

pytestmark = pytest.mark.django_db


def _created_secret(page: Any) -> str:
    match = re.search(r'id="new-token"[^>]*value="(obk_[^"]+)"', page.content.decode())
    assert match, "the new token is not on the page"
    return match.group(1)


def test_a_token_is_shown_once_and_stored_only_as_its_hash(am_client: BrowserClient, account_manager: User) -> None:
    page = am_client.post("/settings/tokens/", {"name": "CRM sync"})

    assert page.status_code == 200
    secret = _created_secret(page)
    token = ApiToken.objects.get(user=account_manager)
    assert token.name == "CRM sync"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(snapshot())
    assert secret not in am_client.get("/settings/").content.decode()


def test_a_token_opens_the_api_as_its_owner_and_its_last_use_is_shown(
    am_client: BrowserClient, account_manager: User
) -> None:
    secret = _created_secret(am_client.post("/settings/tokens/", {"name": "CRM sync"}))
    assert "Never" in am_client.get("/settings/").content.decode()

    with time_machine.travel("2026-03-04 10:15", tick=False):
        response = BrowserClient().get("/api/v1/clients/", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert "4 Mar 2026 10:15" in am_client.get("/settings/").content.decode()


def test_a_token_without_a_name_is_refused_and_nothing_is_made(am_client: BrowserClient) -> None:
    page = am_client.post("/settings/tokens/", {"name": "  "})

    assert page.status_code == 400
    assert "This field is required." in page.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_no_longer_opens_the_api(am_client: BrowserClient, account_manager: User) -> None:
    api = ApiCaller(account_manager)
    token = ApiToken.objects.get(user=account_manager)

    am_client.post(f"/settings/tokens/{token.pk}/revoke/")

    refused = api.get("/api/v1/clients/")
    assert refused.status_code == 401
    assert "not valid, or was revoked" in refused.json()["detail"]
    assert token.prefix not in am_client.get("/settings/").content.decode()


def test_another_persons_token_cannot_be_revoked(other_am_client: BrowserClient, account_manager: User) -> None:
    api = ApiCaller(account_manager)
    token = ApiToken.objects.get(user=account_manager)

    assert other_am_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    assert api.get("/api/v1/clients/").status_code == 200


def test_an_unknown_or_malformed_token_is_a_401(db: None) -> None:
    for header in ("Bearer obk_nothing", "Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"):
        response = BrowserClient().get("/api/v1/clients/", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_token_of_a_person_who_lost_their_role_sees_nothing(account_manager: User) -> None:
    api = ApiCaller(account_manager)
    account_manager.groups.clear()

    response = api.get("/api/v1/clients/")

    assert response.status_code == 403
    assert "no role yet" in response.json()["detail"]


def test_requests_are_limited_per_token(settings: Any, account_manager: User) -> None:
    settings.API_RATE_LIMIT = "3/minute"
    cache.clear()
    busy, other = ApiCaller(account_manager, "busy script"), ApiCaller(account_manager, "other script")

    answers = [busy.get("/api/v1/reasons/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert busy.get("/api/v1/reasons/")["Retry-After"]
    assert other.get("/api/v1/reasons/").status_code == 200
