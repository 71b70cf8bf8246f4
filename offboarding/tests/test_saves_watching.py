"""The list of saves being watched: days left for each, everyone's for managers, their own for account managers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from offboarding.models import DepartureCase
from offboarding.services.cases import case_mark_saved
from offboarding.tests.factories import ClientFactory, DepartureCaseFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


def _saved(client: Client, on: date) -> DepartureCase:
    case = DepartureCaseFactory.create(client=client, notice_received_on=on - timedelta(days=5))
    moment = datetime(on.year, on.month, on.day, 12, tzinfo=timezone.get_current_timezone())
    return case_mark_saved(case=case, actor=client.account_manager, now=moment)


@pytest.fixture
def saves(own_client: Client, others_client: Client, account_manager: User) -> None:
    _saved(own_client, date(2026, 3, 18))  # watched to 15 Jun: 1 day left
    _saved(others_client, date(2026, 6, 1))  # 76 days left
    kept = DepartureCaseFactory.create(client__account_manager=account_manager, client__company_name="Kept Ltd")
    DepartureCase.objects.filter(pk=kept.pk).update(status="saved", saved_on=date(2026, 3, 17))  # kept today


def test_a_manager_sees_every_save_being_watched_with_its_days_left(saves: None, manager_client: BrowserClient) -> None:
    page = manager_client.get(reverse("offboarding:saves_watching")).content.decode()
    assert "2 saves being watched" in page
    assert page.index("Alder Foods") < page.index("Juniper Legal")  # nearest to kept first
    assert '<td class="text-end">1</td>' in page
    assert '<td class="text-end">76</td>' in page
    assert "Kept Ltd" not in page  # its watch ended today: kept


def test_an_account_manager_sees_only_her_own_saves_being_watched(saves: None, am_client: BrowserClient) -> None:
    page = am_client.get(reverse("offboarding:saves_watching")).content.decode()
    assert "1 save being watched" in page
    assert "Alder Foods" in page
    assert "Juniper Legal" not in page


def test_my_work_links_to_the_saves_being_watched(am_client: BrowserClient) -> None:
    page = am_client.get(reverse("home")).content.decode()
    assert reverse("offboarding:saves_watching") in page


def test_the_list_costs_the_same_queries_however_many_saves(
    saves: None, manager_client: BrowserClient, django_assert_max_num_queries: object, account_manager: User
) -> None:
    for number in range(5):
        _saved(ClientFactory.create(account_manager=account_manager), date(2026, 5, number + 1))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        manager_client.get(reverse("offboarding:saves_watching"))
