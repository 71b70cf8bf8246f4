from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from clients.models import Client
from clients.services import client_create, client_update
from clients.tests.factories import ClientFactory, UserFactory

DETAILS: dict[str, Any] = {
    "company_name": "Alder Logistics",
    "contact_name": "Sofia Nowak",
    "contact_email": "sofia@alder.example",
    "monthly_value": Decimal("900"),
    "currency": "EUR",
    "time_zone": "Europe/Paris",
}


def test_an_account_manager_always_owns_the_clients_they_create(
    account_manager: User, other_account_manager: User
) -> None:
    client = client_create(created_by=account_manager, account_manager=other_account_manager, **DETAILS)
    assert Client.objects.get().account_manager == account_manager == client.account_manager


def test_a_manager_must_name_an_account_manager(manager: User, account_manager: User) -> None:
    with pytest.raises(ValidationError, match="Choose the account manager"):
        client_create(created_by=manager, **DETAILS)
    with pytest.raises(ValidationError, match="Account managers"):
        client_create(created_by=manager, account_manager=manager, **DETAILS)
    client_create(created_by=manager, account_manager=account_manager, **DETAILS)
    assert Client.objects.get().account_manager == account_manager


def test_a_user_without_a_role_cannot_create_clients(db: None) -> None:
    with pytest.raises(PermissionDenied):
        client_create(created_by=UserFactory.create(), **DETAILS)
    assert not Client.objects.exists()


def test_create_refuses_an_email_in_use_ignoring_case(account_manager: User) -> None:
    ClientFactory.create(contact_email="SOFIA@alder.example")
    with pytest.raises(ValidationError, match="Another client already has this contact email"):
        client_create(created_by=account_manager, **DETAILS)
    assert Client.objects.count() == 1


def test_create_refuses_an_unknown_time_zone_and_a_bad_currency(account_manager: User) -> None:
    with pytest.raises(ValidationError, match="time zone"):
        client_create(created_by=account_manager, **{**DETAILS, "time_zone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="currency"):
        client_create(created_by=account_manager, **{**DETAILS, "currency": "e1"})
    assert not Client.objects.exists()


def test_only_a_manager_reassigns_a_client(manager: User, account_manager: User, other_account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager)
    with pytest.raises(PermissionDenied):
        client_update(client=client, updated_by=account_manager, account_manager=other_account_manager)
    client_update(client=client, updated_by=manager, account_manager=other_account_manager)
    client.refresh_from_db()
    assert client.account_manager == other_account_manager


def test_an_account_manager_cannot_update_another_account_managers_client(
    account_manager: User, other_account_manager: User
) -> None:
    client = ClientFactory.create(account_manager=other_account_manager, company_name="Brightwater")
    with pytest.raises(PermissionDenied):
        client_update(client=client, updated_by=account_manager, company_name="Hijacked")
    client.refresh_from_db()
    assert client.company_name == "Brightwater"


def test_update_checks_the_contract_dates(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        client_update(client=client, updated_by=account_manager, contract_end=date(2000, 1, 1))


def test_update_refuses_fields_that_are_not_client_details(account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager)
    with pytest.raises(TypeError, match="status"):
        client_update(client=client, updated_by=account_manager, status=Client.Status.DEPARTED)


BIDI_CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
@pytest.mark.parametrize("field", ["company_name", "contact_name"])
def test_names_with_text_direction_controls_are_refused(account_manager: User, control: str, field: str) -> None:
    # "Alder\u202egnp.exe" shows as "Aldere...": a name must read as it is stored.
    with pytest.raises(ValidationError) as refused:
        client_create(created_by=account_manager, **{**DETAILS, field: f"Alder{control}sgnitsoh"})
    assert refused.value.message_dict[field] == [
        "Remove the invisible text-direction characters (such as U+202E): they make a name show differently "
        "from what it holds."
    ]
    assert not Client.objects.exists()
    client = client_create(created_by=account_manager, **DETAILS)
    changes: dict[str, Any] = {field: f"{control}Alder"}
    with pytest.raises(ValidationError):
        client_update(client=client, updated_by=account_manager, **changes)
    client.refresh_from_db()
    assert getattr(client, field) == DETAILS[field]


def test_names_in_other_scripts_are_accepted(account_manager: User) -> None:
    client = client_create(
        created_by=account_manager, **{**DETAILS, "company_name": "شركة الأرز", "contact_name": "יעל כהן"}
    )
    assert Client.objects.get() == client


def test_a_bad_currency_is_refused_by_the_model_field_whoever_saves(account_manager: User, manager: User) -> None:
    client = client_create(created_by=account_manager, **DETAILS)
    with pytest.raises(ValidationError) as refused:
        client_update(client=client, updated_by=manager, currency="E1R")
    assert refused.value.message_dict == {"currency": ["Enter a three-letter currency code such as EUR."]}
    client.refresh_from_db()
    assert client.currency == "EUR"
