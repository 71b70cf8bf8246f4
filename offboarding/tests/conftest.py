"""Fixtures of the departure-case tests: a client and an open case for each account manager."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from clients.models import Client
from offboarding.models import DepartureCase
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory


@pytest.fixture
def own_client(account_manager: User) -> Client:
    """A client of amelia, the signed-in account manager."""
    return ClientFactory.create(company_name="Alder Foods", account_manager=account_manager)


@pytest.fixture
def others_client(other_account_manager: User) -> Client:
    """A client of jonas: amelia must not see it."""
    return ClientFactory.create(company_name="Juniper Legal", account_manager=other_account_manager)


@pytest.fixture
def own_case(own_client: Client) -> DepartureCase:
    return DepartureCaseFactory.create(client=own_client)


@pytest.fixture
def others_case(others_client: Client) -> DepartureCase:
    return DepartureCaseFactory.create(client=others_client)
