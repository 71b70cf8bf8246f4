from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client as BrowserClient


@pytest.mark.django_db
def test_healthz_answers_200_without_signing_in(client: BrowserClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"database: ok\n"


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_fails(client: BrowserClient) -> None:
    with mock.patch("offboarding.views.health.connection.cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.startswith(b"database: failing")
