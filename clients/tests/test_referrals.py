"""A new client records who referred them: on the form, in an import, through the API; only a client one may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client
from clients.services import client_update, clients_import_csv
from clients.tests.api_helpers import ApiCaller
from clients.tests.factories import ClientFactory
from clients.tests.helpers import client_row, csv_upload, downloaded_rows
from clients.tests.test_api_clients import LIST, _new_client
from clients.tests.test_client_form import CREATE_URL, _form_data

pytestmark = pytest.mark.django_db


def test_an_account_manager_records_which_of_their_clients_referred_a_new_one(
    am_client: BrowserClient, account_manager: User
) -> None:
    referrer = ClientFactory.create(company_name="Happy Leaver Ltd", account_manager=account_manager)

    am_client.post(CREATE_URL, _form_data(referred_by=referrer.pk))

    assert Client.objects.get(company_name="Alder Logistics").referred_by == referrer


def test_another_account_managers_client_is_neither_offered_nor_accepted_as_referrer(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    hidden = ClientFactory.create(company_name="Jonas Own Ltd", account_manager=other_account_manager)

    form_page = am_client.get(CREATE_URL).content.decode()
    refused = am_client.post(CREATE_URL, _form_data(referred_by=hidden.pk))

    assert "Jonas Own Ltd" not in form_page
    assert refused.status_code == 200
    assert not Client.objects.filter(company_name="Alder Logistics").exists()


def test_a_client_cannot_have_referred_themselves(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager)

    with pytest.raises(ValidationError, match="cannot have referred themselves"):
        client_update(client=client, updated_by=account_manager, referred_by=client)

    client.refresh_from_db()
    assert client.referred_by is None


def test_the_api_records_and_shows_the_referrer(account_manager: User, other_account_manager: User) -> None:
    referrer = ClientFactory.create(account_manager=account_manager)
    hidden = ClientFactory.create(account_manager=other_account_manager)
    api = ApiCaller(account_manager)

    created = api.post(LIST, _new_client(referred_by=referrer.pk))
    refused = api.post(LIST, _new_client(referred_by=hidden.pk, contact_email="other@harbour.example"))

    assert created.status_code == 201, created.content
    assert created.json()["referred_by"] == referrer.pk
    assert Client.objects.get(pk=created.json()["id"]).referred_by == referrer
    assert refused.status_code == 400
    assert "referred_by" in refused.json()


def test_an_import_names_the_referrer_by_contact_email(manager: User, account_manager: User) -> None:
    referrer = ClientFactory.create(company_name="Happy Leaver Ltd", contact_email="rosa@happy.example")
    rows = [client_row("new@alder.example", referred_by="ROSA@happy.example"), client_row("plain@alder.example")]

    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)

    assert result.ok, result.problems
    assert Client.objects.get(contact_email="new@alder.example").referred_by == referrer
    assert Client.objects.get(contact_email="plain@alder.example").referred_by is None


def test_an_import_naming_an_unknown_referrer_imports_nothing(manager: User, account_manager: User) -> None:
    rows = [client_row("new@alder.example", referred_by="nobody@nowhere.example")]

    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (2, "referred_by", "No client has the contact email nobody@nowhere.example.")
    ]
    assert not Client.objects.filter(contact_email="new@alder.example").exists()


def test_the_export_writes_the_referrers_email_so_it_imports_again(
    am_client: BrowserClient, account_manager: User
) -> None:
    referrer = ClientFactory.create(account_manager=account_manager, contact_email="rosa@happy.example")
    ClientFactory.create(account_manager=account_manager, referred_by=referrer, company_name="Referred Ltd")

    rows = downloaded_rows(am_client.get(reverse("clients:export")))

    column = rows[0].index("referred_by")
    assert {row[0]: row[column] for row in rows[1:]}["Referred Ltd"] == "rosa@happy.example"
