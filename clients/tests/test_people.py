"""Who is an account manager, the questions built on that, and how a person is named everywhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.template import Context, Template

from clients.formatting import display_name
from clients.models import Client
from clients.roles import ACCOUNT_MANAGERS, MANAGERS, account_managers, is_account_manager
from clients.selectors import account_manager_filter_choices, client_owner_choices, people_with_a_role
from clients.tests.factories import ClientFactory, UserFactory
from offboarding.models import DepartureCase
from offboarding.tests.factories import DepartureCaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(account_manager: User) -> User:
    """Taken out of the group after owning a client that left (and still owning one that stays)."""
    person = UserFactory.create(username="kai", first_name="Kai", last_name="Lund", role=ACCOUNT_MANAGERS)
    DepartureCaseFactory.create(client=ClientFactory.create(account_manager=person))
    person.groups.clear()
    return person


def test_a_person_is_named_by_their_full_name_or_else_their_username(account_manager: User) -> None:
    nameless = UserFactory.create(username="kai", first_name="", last_name="")
    assert display_name(account_manager) == "Amelia Hart"
    assert display_name(nameless) == "kai"
    template = Template(
        '{% load people %}{{ a|display_name }}/{{ b|display_name }}/{{ c|display_name|default:"someone" }}'
    )
    assert template.render(Context({"a": account_manager, "b": nameless, "c": None})) == "Amelia Hart/kai/someone"


def test_an_account_manager_is_an_active_member_of_the_group(account_manager: User, manager: User) -> None:
    gone = UserFactory.create(role=ACCOUNT_MANAGERS, is_active=False)
    assert list(account_managers()) == [account_manager]
    assert [is_account_manager(person) for person in (account_manager, manager, gone)] == [True, False, False]


def test_a_client_goes_only_to_an_account_manager_but_its_owner_stays_choosable(
    account_manager: User, leaver: User
) -> None:
    assert list(client_owner_choices()) == [account_manager]
    assert list(client_owner_choices(keeping=leaver.pk)) == [account_manager, leaver]  # by first name


def test_a_filter_lists_whoever_still_owns_the_rows_it_filters(
    account_manager: User, other_account_manager: User, leaver: User
) -> None:
    DepartureCase.objects.update(account_manager=other_account_manager)  # the leaver's case went to Jonas
    owners_of_cases = account_manager_filter_choices(owning=DepartureCase)
    owners_of_clients = account_manager_filter_choices(owning=Client)
    assert list(owners_of_cases) == [account_manager, other_account_manager]
    assert list(owners_of_clients) == [account_manager, other_account_manager, leaver]  # by first name


def test_a_save_offer_is_approved_by_someone_with_a_role(account_manager: User, manager: User, leaver: User) -> None:
    both = UserFactory.create(username="zoe", first_name="Zoe", last_name="Zimmer", role=MANAGERS)
    both.groups.add(*account_manager.groups.all())
    assert list(people_with_a_role()) == [account_manager, manager, both]
