"""Fixtures shared by every app's tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client as BrowserClient
from django.test.utils import override_settings

from clients.roles import ACCOUNT_MANAGERS, MANAGERS, ROLE_GROUPS
from clients.tests.factories import UserFactory


def _plain_static(storages: dict[str, Any]) -> dict[str, Any]:
    # Production serves hashed files collected by collectstatic; tests render
    # pages without collecting, so they resolve static files from the finders.
    return {**storages, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    settings.STORAGES = _plain_static(settings.STORAGES)


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
    _restore_migration_data()


def _restore_migration_data() -> None:
    if Group.objects.filter(name__in=ROLE_GROUPS).count() == len(ROLE_GROUPS):
        return
    for module_name, function_name in MIGRATION_DATA:
        getattr(importlib.import_module(module_name), function_name)(apps, None)


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A transaction around a whole test module, for rows built once and read by all its tests.

    Each test's own `db` transaction nests inside it as a savepoint; everything is rolled
    back after the module's last test. Mark the module's tests with django_db (pytestmark):
    pytest-django sets the test database up only for a session with such tests.
    """
    test_settings = override_settings(STORAGES=_plain_static(django_settings.STORAGES), PASSWORD_HASHERS=FAST_HASHERS)
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        _restore_migration_data()
        yield
        transaction.set_rollback(True)


# The real hasher is slow on purpose; tests create many users.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


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
