from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client
from clients.tests.factories import ClientFactory

LIST_URL = reverse("clients:list")


def _names(response: Any) -> list[str]:
    return [client.company_name for client in response.context["page"]]


def test_an_account_manager_sees_only_their_own_clients(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder Logistics", account_manager=account_manager)
    ClientFactory.create(company_name="Brightwater Foods", account_manager=other_account_manager)
    response = am_client.get(LIST_URL)
    assert response.status_code == 200
    assert "Alder Logistics" in response.text
    assert "Brightwater Foods" not in response.text
    assert 'name="account_manager"' not in response.text


def test_a_manager_sees_every_client_and_can_filter_by_account_manager(
    manager_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder Logistics", account_manager=account_manager)
    ClientFactory.create(company_name="Brightwater Foods", account_manager=other_account_manager)
    assert _names(manager_client.get(LIST_URL)) == ["Alder Logistics", "Brightwater Foods"]
    filtered = manager_client.get(LIST_URL, {"account_manager": str(other_account_manager.pk)})
    assert _names(filtered) == ["Brightwater Foods"]


@pytest.mark.parametrize("query", ["alder", "SOFIA", "sofia@alder", "sofia alder"])
def test_search_finds_a_client_by_company_contact_or_email(
    am_client: BrowserClient, account_manager: User, query: str
) -> None:
    ClientFactory.create(
        company_name="Alder Logistics",
        contact_name="Sofia Nowak",
        contact_email="sofia@alder.example",
        account_manager=account_manager,
    )
    ClientFactory.create(company_name="Brightwater Foods", contact_name="Liam Byrne", account_manager=account_manager)
    assert _names(am_client.get(LIST_URL, {"q": query})) == ["Alder Logistics"]


def test_filters_by_status_and_segment(am_client: BrowserClient, account_manager: User) -> None:
    ClientFactory.create(company_name="Alder", segment="Marketing", account_manager=account_manager)
    ClientFactory.create(
        company_name="Bramley", segment="Marketing", status=Client.Status.DEPARTED, account_manager=account_manager
    )
    ClientFactory.create(
        company_name="Calder", segment="Consulting", status=Client.Status.DEPARTED, account_manager=account_manager
    )
    response = am_client.get(LIST_URL, {"status": "departed", "segment": "Marketing"})
    assert _names(response) == ["Bramley"]
    assert '<option value="Consulting">' in response.text


def test_search_that_matches_nothing_says_so(am_client: BrowserClient, account_manager: User) -> None:
    ClientFactory.create(company_name="Alder", account_manager=account_manager)
    assert "No clients match this search." in am_client.get(LIST_URL, {"q": "zzz"}).text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["alder", "Bramley", "Calder"]),
        ("-name", ["Calder", "Bramley", "alder"]),
        ("value", ["Bramley", "Calder", "alder"]),
        ("-value", ["alder", "Calder", "Bramley"]),
        ("contract_end", ["Calder", "alder", "Bramley"]),
        ("-contract_end", ["alder", "Calder", "Bramley"]),
        ("status", ["Calder", "Bramley", "alder"]),
        ("-status", ["alder", "Bramley", "Calder"]),
        ("no-such-sort", ["alder", "Bramley", "Calder"]),
    ],
)
def test_the_list_sorts_by_each_column_both_ways(
    am_client: BrowserClient, account_manager: User, sort: str, expected: list[str]
) -> None:
    ClientFactory.create(
        company_name="alder",
        monthly_value=Decimal("9000"),
        contract_end=date(2027, 6, 1),
        status=Client.Status.RETURNED,
        account_manager=account_manager,
    )
    ClientFactory.create(
        company_name="Bramley",
        monthly_value=Decimal("450"),
        contract_end=None,
        status=Client.Status.DEPARTING,
        account_manager=account_manager,
    )
    ClientFactory.create(
        company_name="Calder",
        monthly_value=Decimal("1500"),
        contract_end=date(2026, 12, 31),
        status=Client.Status.ACTIVE,
        account_manager=account_manager,
    )
    assert _names(am_client.get(LIST_URL, {"sort": sort})) == expected


def test_pages_hold_25_clients_and_links_keep_the_search_and_sort(
    am_client: BrowserClient, account_manager: User
) -> None:
    for number in range(30):
        ClientFactory.create(company_name=f"Harbour {number:02d}", account_manager=account_manager)
    ClientFactory.create(company_name="Other", account_manager=account_manager)
    first = am_client.get(LIST_URL, {"q": "harbour", "sort": "-name"})
    assert len(first.context["page"]) == 25
    assert "30 clients, page 1 of 2" in first.text
    assert 'href="?q=harbour&amp;sort=-name&amp;page=2"' in first.text
    second = am_client.get(LIST_URL, {"q": "harbour", "sort": "-name", "page": "2"})
    assert _names(second) == [f"Harbour {number:02d}" for number in range(4, -1, -1)]


def test_export_link_carries_the_current_filters(am_client: BrowserClient, account_manager: User) -> None:
    response = am_client.get(LIST_URL, {"q": "alder", "status": "active", "page": "1"})
    assert f'href="{reverse("clients:export")}?q=alder&amp;status=active"' in response.text
    assert "Add client" in response.text
    assert reverse("clients:import") not in response.text


def test_a_manager_sees_the_import_button(manager_client: BrowserClient) -> None:
    assert reverse("clients:import") in manager_client.get(LIST_URL).text


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_clients(
    manager_client: BrowserClient,
    account_manager: User,
    other_account_manager: User,
    django_assert_max_num_queries: Any,
    rows: int,
) -> None:
    for number in range(rows):
        owner = account_manager if number % 2 else other_account_manager
        ClientFactory.create(segment=f"Segment {number % 4}", account_manager=owner)
    with django_assert_max_num_queries(8):
        response = manager_client.get(LIST_URL, {"account_manager": str(account_manager.pk), "sort": "-value"})
    assert len(response.context["page"]) == min(rows // 2, 25)


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_for_an_account_manager(
    am_client: BrowserClient, account_manager: User, django_assert_max_num_queries: Any, rows: int
) -> None:
    for _ in range(rows):
        ClientFactory.create(account_manager=account_manager)
    with django_assert_max_num_queries(6):
        response = am_client.get(LIST_URL)
    assert len(response.context["page"]) == min(rows, 25)


def test_each_status_shows_as_a_pill_coloured_by_where_the_client_stands(
    am_client: BrowserClient, account_manager: User
) -> None:
    for status in Client.Status:
        ClientFactory.create(company_name=f"{status.label} Ltd", status=status, account_manager=account_manager)
    pills = re.findall(r'<span class="badge rounded-pill ([\w-]+)">([^<]+)</span>', am_client.get(LIST_URL).text)
    assert sorted((label, css) for css, label in pills) == [
        ("Active", "text-bg-success"),
        ("Departed", "text-bg-secondary"),
        ("Departing", "text-bg-warning"),
        ("Returned", "text-bg-info"),
    ]
