from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.csv_format import CSV_HEADER
from clients.models import Client
from clients.services import clients_import_csv
from clients.tests.factories import ClientFactory
from clients.tests.helpers import csv_upload, downloaded_rows

EXPORT_URL = reverse("clients:export")


def test_export_neutralises_cells_a_spreadsheet_would_run(am_client: BrowserClient, account_manager: User) -> None:
    ClientFactory.create(
        company_name="=cmd|' /C calc'!A0",
        contact_name="+1",
        segment="-2",
        notes="@SUM(1)",
        contact_phone="+44 20 7946 0000",
        account_manager=account_manager,
    )
    response = am_client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    header, row = downloaded_rows(response)
    assert header == list(CSV_HEADER)
    cells = dict(zip(header, row, strict=True))
    assert cells["company_name"] == "'=cmd|' /C calc'!A0"
    assert cells["contact_name"] == "'+1"
    assert cells["segment"] == "'-2"
    assert cells["notes"] == "'@SUM(1)"
    assert cells["contact_phone"] == "'+44 20 7946 0000"
    assert cells["account_manager"] == "amelia"


def test_an_account_manager_exports_only_their_own_clients(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder", account_manager=account_manager)
    ClientFactory.create(company_name="Brightwater", account_manager=other_account_manager)
    assert [row[0] for row in downloaded_rows(am_client.get(EXPORT_URL))[1:]] == ["Alder"]


def test_export_follows_the_search_filters_and_sort_of_the_list(
    manager_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder Foods", account_manager=account_manager, status=Client.Status.DEPARTED)
    ClientFactory.create(company_name="Bramley Foods", account_manager=other_account_manager)
    ClientFactory.create(company_name="Calder Foods", account_manager=account_manager)
    ClientFactory.create(company_name="Dunmore Legal", account_manager=account_manager)
    response = manager_client.get(EXPORT_URL, {"q": "foods", "sort": "-name", "page": "3"})
    assert [row[0] for row in downloaded_rows(response)[1:]] == ["Calder Foods", "Bramley Foods", "Alder Foods"]
    filtered = manager_client.get(
        EXPORT_URL, {"q": "foods", "account_manager": str(account_manager.pk), "status": "active"}
    )
    assert [row[0] for row in downloaded_rows(filtered)[1:]] == ["Calder Foods"]


def test_an_exported_file_imports_unchanged(
    manager_client: BrowserClient, manager: User, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(account_manager=account_manager, contact_phone="+44 1", notes='Line one\nline "two"')
    ClientFactory.create(account_manager=other_account_manager, keep_in_touch="yes", contract_end=None)
    ClientFactory.create(account_manager=other_account_manager, keep_in_touch="no")
    exported = downloaded_rows(manager_client.get(EXPORT_URL))
    assert sorted(row[CSV_HEADER.index("keep_in_touch_consent")] for row in exported[1:]) == ["", "no", "yes"]
    fields = ("contact_phone", "notes", "keep_in_touch", "contract_end")
    before = list(Client.objects.values_list(*fields))
    Client.objects.all().delete()
    result = clients_import_csv(file=csv_upload(exported[1:], header=exported[0]), imported_by=manager)
    assert result.created == 3
    assert list(Client.objects.values_list(*fields)) == before


@pytest.mark.parametrize("rows", [3, 30])
def test_export_query_count_does_not_grow_with_clients(
    manager_client: BrowserClient, account_manager: User, django_assert_max_num_queries: Any, rows: int
) -> None:
    for _ in range(rows):
        ClientFactory.create(account_manager=account_manager)
    with django_assert_max_num_queries(5):
        exported = downloaded_rows(manager_client.get(EXPORT_URL))
    assert len(exported) == rows + 1


def test_an_export_filtered_to_active_clients_imports_and_departed_ones_are_explained(
    manager_client: BrowserClient, manager: User, account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder", account_manager=account_manager)
    ClientFactory.create(company_name="Bramley", account_manager=account_manager, status=Client.Status.DEPARTED)
    everyone = downloaded_rows(manager_client.get(EXPORT_URL))
    active = downloaded_rows(manager_client.get(EXPORT_URL, {"status": "active"}))
    assert [row[CSV_HEADER.index("status")] for row in everyone[1:]] == ["active", "departed"]
    Client.objects.all().delete()

    refused = clients_import_csv(file=csv_upload(everyone[1:], header=everyone[0]), imported_by=manager)
    assert [(p.row, p.column) for p in refused.problems] == [(3, "status")]
    assert not Client.objects.exists()
    result = clients_import_csv(file=csv_upload(active[1:], header=active[0]), imported_by=manager)
    assert result.created == 1
    assert Client.objects.get().company_name == "Alder"
