from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import Client, ExchangeRate
from clients.roles import is_manager
from demo.people import DEMO_PASSWORD
from offboarding.models import DepartureCase


def _counts() -> tuple[int, int]:
    return User.objects.count(), Client.objects.count()


@pytest.mark.django_db
def test_seed_demo_run_twice_creates_nothing_new() -> None:
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first[1] >= 30


@pytest.mark.django_db
def test_the_demo_logins_work(client: BrowserClient) -> None:
    call_command("seed_demo")
    for username in ("amelia", "jonas", "marta"):
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert response.wsgi_request.user.get_username() == username
        client.post("/accounts/logout/")
    assert is_manager(User.objects.get(username="marta"))


@pytest.mark.django_db
def test_demo_clients_vary_in_size_and_contract_dates() -> None:
    call_command("seed_demo")
    assert Client.objects.values("monthly_value").distinct().count() >= 5
    assert Client.objects.values("contract_end").distinct().count() >= 20
    assert Client.objects.values("account_manager").distinct().count() == 2


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_database_alone() -> None:
    call_command("seed_demo")
    Client.objects.filter(pk=Client.objects.filter(cases__isnull=True).first().pk).delete()  # type: ignore[union-attr]
    before = _counts()
    call_command("seed_demo", "--if-empty")
    assert _counts() == before


@pytest.mark.django_db
def test_every_demo_client_has_an_address_the_client_rules_accept() -> None:
    call_command("seed_demo")
    refused = {}
    for client in Client.objects.all():
        try:
            client.clean_fields()
        except ValidationError as error:
            refused[client.contact_email] = error.message_dict
    assert refused == {}


@pytest.mark.django_db
def test_demo_clients_pay_in_three_currencies_with_a_rate_history_the_dashboard_converts_at() -> None:
    call_command("seed_demo")

    assert set(Client.objects.values_list("currency", flat=True)) == {"EUR", "GBP", "USD"}
    assert ExchangeRate.objects.filter(currency="USD").count() >= 12
    assert ExchangeRate.objects.values("rate").distinct().count() > 2  # the rates move month by month
    assert not Client.objects.filter(value_changes__isnull=True).exists()
    browser = BrowserClient()
    browser.force_login(User.objects.get(username="marta"))
    page = browser.get(reverse("feedback:dashboard")).content.decode()
    assert "Net revenue retention" in page
    assert "could not be converted" not in page


@pytest.mark.django_db
def test_the_demo_has_a_client_who_dropped_payroll_and_stays() -> None:
    call_command("seed_demo")

    case = DepartureCase.objects.get(scope="partial")
    assert (case.status, case.part_leaving, case.client.status) == ("departed", "Payroll", "active")
    assert case.client.monthly_value == case.value_staying
