"""Fixtures shared by every app's tests."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client as BrowserClient

from clients.roles import ACCOUNT_MANAGERS, MANAGERS, ROLE_GROUPS
from clients.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Production serves hashed files collected by collectstatic; tests render
    # pages without collecting, so they resolve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Rows that data migrations create; a transactional test's flush removes them,
# and every later test on that database would miss them.
MIGRATION_DATA = (
    ("clients.migrations.0002_roles", "create_groups"),
    ("offboarding.migrations.0002_default_reasons", "add_reasons"),
)


@pytest.fixture(autouse=True)
def _migration_data(request: pytest.FixtureRequest) -> None:
    """Make sure every test that uses the database has the groups and reasons migrations created."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        transactional = bool(marker.kwargs.get("transaction"))
    elif {"db", "transactional_db"} & set(request.fixturenames):
        transactional = "transactional_db" in request.fixturenames
    else:
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    if Group.objects.filter(name__in=ROLE_GROUPS).count() == len(ROLE_GROUPS):
        return
    for module_name, function_name in MIGRATION_DATA:
        getattr(importlib.import_module(module_name), function_name)(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The real hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account_manager(db: None) -> User:
    return UserFactory.create(username="amelia", first_name="Amelia", last_name="Hart", role=ACCOUNT_MANAGERS)


@pytest.fixture
def other_account_manager(db: None) -> User:
    return UserFactory.create(username="jonas", first_name="Jonas", last_name="Berg", role=ACCOUNT_MANAGERS)


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory.create(username="marta", first_name="Marta", last_name="Lindqvist", role=MANAGERS)


@pytest.fixture
def am_client(account_manager: User) -> BrowserClient:
    """A browser signed in as the account manager."""
    browser = BrowserClient()
    browser.force_login(account_manager)
    return browser


@pytest.fixture
def other_am_client(other_account_manager: User) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(other_account_manager)
    return browser


@pytest.fixture
def manager_client(manager: User) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(manager)
    return browser
