from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.forms import ClientForm
from clients.models import DUPLICATE_EMAIL, Client
from clients.tests.factories import ClientFactory

CREATE_URL = reverse("clients:create")


def _form_data(**changes: Any) -> dict[str, Any]:
    data = {
        "company_name": "Alder Logistics",
        "segment": "Managed IT",
        "contact_name": "Sofia Nowak",
        "contact_email": "sofia@alder.example",
        "contact_phone": "+44 20 7946 0000",
        "monthly_value": "2400.00",
        "currency": "eur",
        "contract_start": "2025-01-01",
        "contract_end": "2026-12-31",
        "time_zone": "Europe/Berlin",
        "keep_in_touch": "yes",
        "notes": "Prefers email.",
    }
    data.update(changes)
    return data


def test_an_account_manager_adds_a_client_they_own(am_client: BrowserClient, account_manager: User) -> None:
    page = am_client.get(CREATE_URL)
    assert page.status_code == 200
    assert 'name="account_manager"' not in page.text
    assert 'value="EUR"' in page.text
    response = am_client.post(CREATE_URL, _form_data(), follow=True)
    client = Client.objects.get()
    assert response.redirect_chain[-1][0] == client.get_absolute_url()
    assert "Alder Logistics was added." in response.text
    assert client.account_manager == account_manager
    assert client.currency == "EUR"
    assert client.monthly_value == Decimal("2400.00")
    assert client.contract_end == date(2026, 12, 31)
    assert (client.keep_in_touch, client.keep_in_touch_changed_by) == ("yes", "client_form")


def test_an_account_manager_cannot_slip_in_another_owner(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    am_client.post(CREATE_URL, _form_data(account_manager=other_account_manager.pk))
    assert Client.objects.get().account_manager == account_manager


def test_a_manager_chooses_the_account_manager(
    manager_client: BrowserClient, manager: User, other_account_manager: User
) -> None:
    page = manager_client.get(CREATE_URL)
    assert "Jonas Berg" in page.text
    assert f'<option value="{manager.pk}"' not in page.text
    manager_client.post(CREATE_URL, _form_data(account_manager=other_account_manager.pk))
    assert Client.objects.get().account_manager == other_account_manager


def test_a_manager_cannot_hand_a_client_to_someone_outside_the_account_managers(
    manager_client: BrowserClient, manager: User
) -> None:
    response = manager_client.post(CREATE_URL, _form_data(account_manager=manager.pk))
    assert "Select a valid choice" in response.text
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contract_start": "2026-01-01", "contract_end": "2025-01-01"}, "The contract cannot end before it starts."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"monthly_value": "-1"}, "greater than or equal to 0"),
        ({"currency": "EURO"}, "at most 3 characters"),
        ({"currency": "E1R"}, "three-letter currency code"),
        ({"contact_email": "not-an-email"}, "Enter a valid email address."),
        ({"company_name": ""}, "This field is required."),
        ({"company_name": "Alder\u202eskrow"}, "Remove the invisible text-direction characters"),
        ({"contact_name": "\u2067Sofia\u2069 Nowak"}, "Remove the invisible text-direction characters"),
    ],
)
def test_invalid_client_details_are_explained_and_nothing_is_saved(
    am_client: BrowserClient, account_manager: User, changes: dict[str, str], message: str
) -> None:
    response = am_client.post(CREATE_URL, _form_data(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert not Client.objects.exists()


def test_an_email_already_in_use_is_refused_whatever_its_case(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(contact_email="Sofia@Alder.example", account_manager=other_account_manager)
    response = am_client.post(CREATE_URL, _form_data(contact_email="sofia@ALDER.example"))
    assert "Another client already has this contact email" in response.text
    assert Client.objects.count() == 1


def test_an_account_manager_edits_their_client(am_client: BrowserClient, account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, contact_email="sofia@alder.example")
    url = reverse("clients:edit", args=[client.pk])
    page = am_client.get(url)
    assert page.status_code == 200
    assert 'name="account_manager"' not in page.text
    response = am_client.post(url, _form_data(company_name="Alder Group", monthly_value="3000"), follow=True)
    assert "Alder Group was saved." in response.text
    client.refresh_from_db()
    assert client.company_name == "Alder Group"
    assert client.monthly_value == Decimal("3000")
    assert client.account_manager == account_manager


def test_a_manager_reassigns_a_client(
    manager_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    client = ClientFactory.create(account_manager=account_manager)
    url = reverse("clients:edit", args=[client.pk])
    manager_client.post(url, _form_data(account_manager=other_account_manager.pk))
    client.refresh_from_db()
    assert client.account_manager == other_account_manager


def test_another_account_managers_client_is_not_found(am_client: BrowserClient, other_account_manager: User) -> None:
    client = ClientFactory.create(account_manager=other_account_manager, company_name="Brightwater")
    url = reverse("clients:edit", args=[client.pk])
    assert am_client.get(url).status_code == 404
    assert am_client.post(url, _form_data(company_name="Hijacked")).status_code == 404
    client.refresh_from_db()
    assert client.company_name == "Brightwater"


def test_keeping_the_same_email_on_edit_is_fine(am_client: BrowserClient, account_manager: User) -> None:
    client = ClientFactory.create(account_manager=account_manager, contact_email="sofia@alder.example")
    response = am_client.post(
        reverse("clients:edit", args=[client.pk]), _form_data(contact_email="SOFIA@alder.example")
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.contact_email == "SOFIA@alder.example"


def test_an_account_manager_taken_out_of_the_group_can_no_longer_edit_her_client(
    am_client: BrowserClient, account_manager: User
) -> None:
    client = ClientFactory.create(account_manager=account_manager, company_name="Alder Foods")
    account_manager.groups.clear()
    url = reverse("clients:edit", args=[client.pk])
    assert am_client.get(url).status_code in {403, 404}
    assert am_client.post(url, _form_data(company_name="Alder Group")).status_code in {403, 404}
    client.refresh_from_db()
    assert client.company_name == "Alder Foods"


def test_a_user_without_a_role_cannot_add_clients(db: None) -> None:
    browser = BrowserClient()
    browser.force_login(User.objects.create_user("visitor"))
    assert browser.get(CREATE_URL).status_code == 403


def test_an_address_with_accents_before_the_at_is_refused_with_the_reason(
    am_client: BrowserClient, account_manager: User
) -> None:
    response = am_client.post(CREATE_URL, _form_data(contact_email="chloé.quayside@quayside.example"))
    assert response.status_code == 200
    assert "Mail servers cannot deliver to an address with “é” before the @." in response.text
    assert not Client.objects.exists()


def test_an_address_with_an_international_domain_is_accepted(am_client: BrowserClient, account_manager: User) -> None:
    response = am_client.post(CREATE_URL, _form_data(contact_email="rosa@bücher.example"))
    assert response.status_code == 302
    assert Client.objects.get().contact_email == "rosa@bücher.example"


def test_the_duplicate_email_rule_is_the_models_and_shows_next_to_the_email(
    am_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    ClientFactory.create(contact_email="sofia@alder.example", account_manager=other_account_manager)
    form = ClientForm(_form_data(contact_email="SOFIA@alder.example"), user=account_manager)
    assert not form.is_valid()
    assert form.errors["contact_email"] == [str(DUPLICATE_EMAIL)]
    response = am_client.post(CREATE_URL, _form_data(contact_email="SOFIA@alder.example"))
    field_error = re.search(r'id="id_contact_email_error".*?</div>', response.text, re.S)
    assert field_error is not None
    assert "Another client already has this contact email" in field_error.group()


def test_the_currency_rule_is_the_model_fields_and_shows_next_to_the_currency(account_manager: User) -> None:
    form = ClientForm(_form_data(currency="E1R"), user=account_manager)
    assert not form.is_valid()
    assert form.errors["currency"] == ["Enter a three-letter currency code such as EUR."]
    assert ClientForm(_form_data(currency=" gbp"), user=account_manager).is_valid()


def test_a_new_clients_answer_is_set_with_them_and_a_later_one_on_the_client_page(
    am_client: BrowserClient, account_manager: User
) -> None:
    # A new client starts as not asked.
    assert re.search(r'name="keep_in_touch" value="not_asked"[^>]*\bchecked>', am_client.get(CREATE_URL).text)
    am_client.post(CREATE_URL, _form_data(keep_in_touch="no"))
    client = Client.objects.get()
    assert (client.keep_in_touch, client.keep_in_touch_changed_by_user) == ("no", account_manager)

    url = reverse("clients:edit", args=[client.pk])
    page = am_client.get(url).text
    assert 'name="keep_in_touch"' not in page
    assert "Whether we may keep in touch is changed on the client page" in page
    am_client.post(url, _form_data(keep_in_touch="yes"))
    client.refresh_from_db()
    assert client.keep_in_touch == "no"
