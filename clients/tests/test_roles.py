from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from clients.models import Client
from clients.roles import ACCOUNT_MANAGERS, MANAGERS, is_account_manager, is_manager
from clients.tests.factories import ClientFactory


@pytest.mark.django_db
def test_the_roles_migration_creates_the_two_role_groups() -> None:
    # Every test starts with the groups (conftest restores what data migrations made): empty the
    # table and run the migration itself, on the models as they were when it was written.
    Group.objects.all().delete()
    loader = MigrationLoader(connection)
    migration = loader.get_migration("clients", "0002_roles")
    with connection.schema_editor() as editor:
        migration.apply(loader.project_state(("clients", "0002_roles"), at_end=False), editor)
    assert set(Group.objects.values_list("name", flat=True)) == {ACCOUNT_MANAGERS, MANAGERS}


@pytest.mark.django_db
def test_roles_follow_group_membership(account_manager: User, manager: User) -> None:
    assert is_account_manager(account_manager)
    assert not is_manager(account_manager)
    assert is_manager(manager)
    assert not is_account_manager(manager)


@pytest.mark.django_db
def test_account_managers_see_only_their_own_clients(
    account_manager: User, other_account_manager: User, manager: User
) -> None:
    mine = ClientFactory.create(account_manager=account_manager)
    theirs = ClientFactory.create(account_manager=other_account_manager)
    assert list(Client.objects.visible_to(account_manager)) == [mine]
    assert set(Client.objects.visible_to(manager)) == {mine, theirs}


@pytest.mark.django_db
def test_an_account_manager_taken_out_of_the_group_sees_none_of_the_clients_she_still_owns(
    account_manager: User,
) -> None:
    ClientFactory.create(account_manager=account_manager)
    account_manager.groups.clear()
    without_a_role = User.objects.get(pk=account_manager.pk)
    assert list(Client.objects.visible_to(without_a_role)) == []
