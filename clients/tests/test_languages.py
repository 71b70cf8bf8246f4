"""Each staff member's own language and time zone, and dates, numbers and money by the active language."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.utils import translation

from clients.formatting import money
from clients.models import Client, StaffProfile
from clients.tests.factories import ClientFactory
from clients.tests.helpers import client_row, csv_upload

pytestmark = pytest.mark.django_db


def test_a_staff_member_sees_the_pages_in_the_language_they_chose(
    am_client: BrowserClient, account_manager: User
) -> None:
    StaffProfile.objects.create(user=account_manager, language="de")
    page = am_client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "de"
    assert '<html lang="de">' in page.content.decode()
    assert "Meine Einstellungen" in page.content.decode()


def test_without_a_choice_a_staff_member_gets_their_browsers_language(am_client: BrowserClient) -> None:
    assert "Aller au contenu principal" in am_client.get("/", HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9").content.decode()
    assert "Skip to main content" in am_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert am_client.get("/", HTTP_ACCEPT_LANGUAGE="it").headers["Content-Language"] == "en-gb", "not one we ship"


def test_my_settings_keeps_the_language_and_time_zone_and_says_so_in_the_new_language(
    am_client: BrowserClient, account_manager: User
) -> None:
    response = am_client.post(
        "/accounts/settings/", {"language": "nl", "time_zone": "Asia/Singapore"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Je instellingen zijn opgeslagen." in response.content.decode()
    profile = StaffProfile.objects.get(user=account_manager)
    assert (profile.language, profile.time_zone) == ("nl", "Asia/Singapore")
    am_client.post("/accounts/settings/", {"language": "", "time_zone": ""})
    profile.refresh_from_db()
    assert (profile.language, profile.time_zone) == ("", "")


def test_my_settings_refuses_an_unknown_language_or_zone_and_changes_nothing(
    am_client: BrowserClient, account_manager: User
) -> None:
    response = am_client.post("/accounts/settings/", {"language": "xx", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not StaffProfile.objects.filter(user=account_manager).exists()


class DateForm(forms.Form):
    day = forms.DateField()


def typed_date(text: str) -> date:
    form = DateForm({"day": text})
    assert form.is_valid(), form.errors
    return form.cleaned_data["day"]


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en-gb", "01/12/2026"), ("de", "01.12.2026"), ("fr", "01/12/2026"), ("nl", "01-12-2026"), ("es", "01/12/2026")],
)
def test_a_date_typed_as_the_language_writes_it_or_in_iso_means_the_same_day(language: str, typed: str) -> None:
    with translation.override(language):
        assert typed_date(typed) == date(2026, 12, 1)
        assert typed_date("2026-12-01") == date(2026, 12, 1)


def test_a_uk_business_reads_01_12_2026_as_the_first_of_december() -> None:
    with translation.override("en-gb"):
        assert typed_date("01/12/2026") == date(2026, 12, 1)


def test_money_follows_the_active_language() -> None:
    amounts = {}
    for language in ("en-gb", "de", "fr", "nl"):
        with translation.override(language):
            amounts[language] = money(Decimal("4800"), "EUR")
    assert amounts["en-gb"] == "4,800.00 EUR"
    assert amounts["de"] == "4.800,00 EUR"
    assert amounts["nl"] == "4.800,00 EUR"
    assert amounts["fr"].replace("\u202f", " ").replace("\xa0", " ") == "4 800,00 EUR"


def test_the_csv_export_keeps_iso_dates_and_plain_amounts_in_any_language(
    manager_client: BrowserClient, manager: User, account_manager: User
) -> None:
    StaffProfile.objects.create(user=manager, language="de")
    ClientFactory.create(account_manager=account_manager, monthly_value=Decimal("4800.50"), language="fr")
    response = manager_client.get("/clients/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["contract_start"], row["contract_end"], row["monthly_value"]) == ("2024-01-01", "2026-12-31", "4800.50")
    assert row["language"] == "fr"


def test_the_import_reads_iso_dates_and_a_language_whatever_the_managers_language(
    manager_client: BrowserClient, manager: User, account_manager: User, other_account_manager: User
) -> None:
    StaffProfile.objects.create(user=manager, language="de")
    rows = [
        client_row("ines@dunmore.example", contract_start="2025-02-01", language="NL"),
        client_row("otto@esche.example", contract_start="01.02.2025"),
        client_row("pia@fichte.example", language="it"),
    ]
    page = manager_client.post("/clients/import/", {"file": csv_upload(rows)}).content.decode()
    assert not Client.objects.exists(), "a file with a problem imports nothing"
    assert "Wert „01.02.2025“ hat ein ungültiges Datumsformat. Es muss YYYY-MM-DD entsprechen." in page
    assert "Wert &#x27;it&#x27; ist keine gültige Option." in page
    good = [client_row("ines@dunmore.example", contract_start="2025-02-01", language="NL")]
    manager_client.post("/clients/import/", {"file": csv_upload(good)})
    client = Client.objects.get()
    assert (client.contract_start, client.language) == (date(2025, 2, 1), "nl")


GERMAN_PAGES = [
    # (page, words the German page shows, the English it no longer shows)
    ("/clients/", ["Kunden anlegen", "Monatlicher Wert", "1 Kunde", "1. Dezember 2027"], ["Add client", "1 Dec 2027"]),
    ("/clients/{client}/", ["Kündigungsfälle", "Zeitleiste", "bis 1. Dezember 2027 (Verlängerung)"], ["Timeline"]),
    ("/clients/{client}/edit/", ["Firmenname", "Kunden speichern", "Vertrag und Wert"], ["Save client"]),
    ("/clients/import/", ["Kunden aus einer CSV-Datei importieren", "Pflicht"], ["Import clients from", "Required"]),
    ("/feedback/", ["Warum Kunden gehen", "Abgänge und Umsatz nach Grund", "Halterate"], ["Why clients leave"]),
    ("/feedback/cases/", ["Kündigungsfälle", "Keine passenden Fälle."], ["Departure cases", "No cases match."]),
    ("/outbox/", ["Postausgang", "Alle Arten", "Anzeigen"], ["Every follow-up email", "All kinds"]),
    ("/cases/reasons/", ["Kündigungsgründe", "Einen Grund hinzufügen", "Preis"], ["Churn reasons", "Add a reason"]),
    ("/accounts/password_change/", ["Ändern Sie Ihr Passwort", "Passwort ändern"], ["Change your password"]),
]


@pytest.mark.parametrize(("path", "german", "english"), GERMAN_PAGES)
def test_a_german_manager_reads_every_page_in_german(
    manager_client: BrowserClient, manager: User, path: str, german: list[str], english: list[str]
) -> None:
    StaffProfile.objects.create(user=manager, language="de")
    client = ClientFactory.create(status=Client.Status.DEPARTED, company_name="Acme", contract_end=date(2027, 12, 1))
    page = manager_client.get(path.format(client=client.pk)).content.decode()
    assert [words for words in german if words not in page] == []
    assert [words for words in english if words in page] == []


def test_a_signed_out_visitor_gets_the_sign_in_page_and_a_missing_page_in_their_browsers_language(
    client: BrowserClient,
) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Wachtwoord vergeten?" in page
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert missing.status_code == 404
    assert "No encontramos esa página" in missing.content.decode()
