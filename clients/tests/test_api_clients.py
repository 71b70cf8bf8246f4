"""Clients through the REST API: the same filters, rules and refusals as the client pages, for both roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from clients.models import Client
from clients.tests.api_helpers import ApiCaller, results
from clients.tests.factories import ClientFactory
from offboarding.tests.db_snapshot import snapshot

pytestmark = pytest.mark.django_db
LIST = "/api/v1/clients/"


def _new_client(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "company_name": "Harbour Foods",
        "contact_name": "Ines Duarte",
        "contact_email": "ines@harbour.example",
        "monthly_value": "2400.00",
        "currency": "EUR",
        "time_zone": "Europe/Lisbon",
        "keep_in_touch": "yes",
    }
    body.update(changes)
    return body


def test_an_account_manager_lists_only_their_own_clients(account_manager: User, other_account_manager: User) -> None:
    ClientFactory.create(company_name="Alder Logistics", account_manager=account_manager)
    ClientFactory.create(company_name="Birch Legal", account_manager=other_account_manager)

    names = [row["company_name"] for row in results(ApiCaller(account_manager).get(LIST))]

    assert names == ["Alder Logistics"]


def test_a_manager_lists_every_client_with_the_list_pages_filters_and_sort(
    manager: User, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(company_name="Alder Logistics", account_manager=account_manager, monthly_value=100)
    ClientFactory.create(company_name="Alder Bakery", account_manager=other_account_manager, monthly_value=900)
    ClientFactory.create(company_name="Birch Legal", account_manager=account_manager, status=Client.Status.DEPARTED)
    api = ApiCaller(manager)

    assert len(results(api.get(LIST))) == 3
    by_value = results(api.get(LIST, {"q": "alder", "sort": "-value"}))
    assert [row["company_name"] for row in by_value] == ["Alder Bakery", "Alder Logistics"]
    departed = results(api.get(LIST, {"status": "departed"}))
    assert [row["company_name"] for row in departed] == ["Birch Legal"]
    amelias = results(api.get(LIST, {"account_manager": account_manager.pk, "sort": "name"}))
    assert [row["company_name"] for row in amelias] == ["Alder Logistics", "Birch Legal"]


def test_a_filter_that_makes_no_sense_is_a_400_naming_it(manager: User) -> None:
    response = ApiCaller(manager).get(LIST, {"status": "gone", "sort": "shoe size"})

    assert response.status_code == 400
    assert set(response.json()) == {"status", "sort"}


def test_pages_of_clients_are_stable_and_complete(account_manager: User) -> None:
    for number in range(7):
        ClientFactory.create(
            company_name="Same Name", account_manager=account_manager, contact_email=f"c{number}@x.example"
        )
    api = ApiCaller(account_manager)

    seen = []
    page = api.get(LIST, {"page_size": 3}).json()
    while True:
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"].replace("http://testserver", "")).json()

    assert sorted(seen) == sorted(Client.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 7


def test_another_account_managers_client_is_a_404_to_read_and_to_change(
    account_manager: User, other_account_manager: User
) -> None:
    theirs = ClientFactory.create(account_manager=other_account_manager, company_name="Birch Legal")
    api = ApiCaller(account_manager)

    assert api.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert api.patch(f"{LIST}{theirs.pk}/", {"company_name": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.company_name == "Birch Legal"


def test_an_account_manager_adds_a_client_they_own(account_manager: User, other_account_manager: User) -> None:
    response = ApiCaller(account_manager).post(LIST, _new_client(account_manager=other_account_manager.pk))

    assert response.status_code == 201, response.content
    client = Client.objects.get(pk=response.json()["id"])
    assert client.account_manager == account_manager
    assert client.keep_in_touch == Client.KeepInTouch.YES
    assert response.json()["account_manager_name"] == "Amelia Hart"


def test_a_manager_chooses_the_owner_and_can_hand_a_client_over(
    manager: User, account_manager: User, other_account_manager: User
) -> None:
    api = ApiCaller(manager)
    created = api.post(LIST, _new_client(account_manager=account_manager.pk)).json()

    changed = api.patch(f"{LIST}{created['id']}/", {"account_manager": other_account_manager.pk, "segment": "Retail"})

    assert changed.status_code == 200, changed.content
    client = Client.objects.get(pk=created["id"])
    assert (client.account_manager, client.segment) == (other_account_manager, "Retail")


def test_bad_input_gets_a_400_naming_each_field_and_changes_nothing(account_manager: User) -> None:
    ClientFactory.create(contact_email="ines@harbour.example", account_manager=account_manager)
    api = ApiCaller(account_manager)
    api.get(LIST)  # the token's first use is noted now, not during the refused request
    before = snapshot()

    response = api.post(LIST, _new_client(contact_email="INES@harbour.example", currency="euro", monthly_value="-5"))

    assert response.status_code == 400
    assert {"currency", "monthly_value"} <= set(response.json())
    assert snapshot() == before


def test_the_rules_of_the_model_come_back_with_the_models_words(account_manager: User) -> None:
    ClientFactory.create(contact_email="ines@harbour.example", account_manager=account_manager)
    api = ApiCaller(account_manager)

    duplicate = api.post(LIST, _new_client(contact_email="INES@harbour.example"))
    backwards = api.post(
        LIST, _new_client(contact_email="new@harbour.example", contract_start="2026-01-01", contract_end="2025-01-01")
    )

    assert duplicate.status_code == 400
    assert "Another client already has this contact email" in duplicate.json()["contact_email"][0]
    assert backwards.json() == {"contract_end": ["The contract cannot end before it starts."]}
    assert Client.objects.count() == 1


def test_keep_in_touch_is_not_changed_by_an_update(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, monthly_value=Decimal(10))

    response = ApiCaller(account_manager).patch(f"{LIST}{client.pk}/", {"keep_in_touch": "yes", "monthly_value": "20"})

    assert response.status_code == 200
    client.refresh_from_db()
    assert (client.keep_in_touch, client.monthly_value) == (Client.KeepInTouch.NOT_ASKED, Decimal(20))


def test_an_address_mail_cannot_reach_is_refused_with_the_one_reason(account_manager: User) -> None:
    response = ApiCaller(account_manager).post(LIST, _new_client(contact_email="chloé@harbour.example"))

    assert response.status_code == 400
    [reason] = response.json()["contact_email"]
    assert reason.startswith("Mail servers cannot deliver to an address with “é” before the @.")
