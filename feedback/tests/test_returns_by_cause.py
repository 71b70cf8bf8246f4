"""The dashboard counts win-backs and the revenue that came back by what brought the clients back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.returns import ReturnCauseRow, returns_by_cause
from offboarding.models import DepartureCase, FollowUp
from offboarding.services.cases import client_mark_returned
from offboarding.services.returns import client_return_record
from offboarding.tests.factories import ClientFactory, FollowUpFactory
from offboarding.tests.outbox_fixtures import departed_case

pytestmark = pytest.mark.django_db


def left(owner: User, name: str, value: str) -> Client:
    client = ClientFactory.create(company_name=name, account_manager=owner, monthly_value=Decimal(value))
    leave_on = timezone.localdate() - timedelta(days=60)
    departed_case(client=client, leave_date=leave_on, consent=True)
    Client.objects.filter(pk=client.pk).update(status=Client.Status.DEPARTED)
    return Client.objects.get(pk=client.pk)


def came_back(client: Client, owner: User, cause: str = "") -> DepartureCase:
    if cause == "we_changed_it":
        FollowUpFactory.create(
            client=client, kind=FollowUp.Kind.WE_CHANGED_IT, status=FollowUp.Status.SENT, sent_at=timezone.now()
        )
    if cause:
        return client_return_record(client=client, actor=owner, returned_on=timezone.localdate(), cause=cause).case
    # A return recorded before causes were: no cause kept.
    return client_mark_returned(client=client, actor=owner, returned_on=timezone.localdate())


@pytest.fixture
def returns(account_manager: User) -> None:
    came_back(left(account_manager, "Note One", "1000"), account_manager, "we_changed_it")
    came_back(left(account_manager, "Note Two", "250.50"), account_manager, "we_changed_it")
    came_back(left(account_manager, "Own Way", "400"), account_manager, "own_initiative")
    came_back(left(account_manager, "Older Return", "90"), account_manager)
    left(account_manager, "Still Gone", "5000")


def this_year() -> DashboardFilter:
    today = timezone.localdate()
    return DashboardFilter(start=date(today.year - 1, 1, 1), end=today)


@pytest.mark.usefixtures("returns")
def test_win_backs_and_returned_revenue_are_counted_by_cause() -> None:
    assert returns_by_cause(this_year()) == [
        ReturnCauseRow("we_changed_it", "A “we changed it” note", 2, Decimal("1250.50")),
        ReturnCauseRow("own_initiative", "Their own initiative", 1, Decimal("400")),
        ReturnCauseRow("", "Not recorded", 1, Decimal("90")),
    ]


@pytest.mark.usefixtures("returns")
def test_the_dashboard_shows_the_win_backs_by_cause(manager_client: BrowserClient) -> None:
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    section = page[page.index("Win-backs by what brought them back") :]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", section)[:4]]
    assert rows[1:] == [
        "A “we changed it” note 2 1,250.50 EUR",
        "Their own initiative 1 400.00 EUR",
        "Not recorded 1 90.00 EUR",
    ]


def test_an_account_manager_filter_counts_only_their_returns(
    account_manager: User, other_account_manager: User
) -> None:
    came_back(left(account_manager, "Hers", "100"), account_manager, "own_initiative")
    came_back(left(other_account_manager, "His", "200"), other_account_manager, "own_initiative")
    hers = DashboardFilter(start=this_year().start, end=this_year().end, account_manager_id=account_manager.pk)
    assert returns_by_cause(hers) == [ReturnCauseRow("own_initiative", "Their own initiative", 1, Decimal("100"))]
