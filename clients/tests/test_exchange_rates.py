"""Managers keep the exchange rates: one by one or from a CSV file (all rows or none), with the history shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.models import ExchangeRate

pytestmark = pytest.mark.django_db
RATES = reverse("clients:exchange_rates")
IMPORT = reverse("clients:exchange_rates_import")


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rates.csv", text.encode("utf-8"), content_type="text/csv")


def _rates() -> list[tuple[str, Decimal, date]]:
    return list(ExchangeRate.objects.order_by("currency", "valid_from").values_list("currency", "rate", "valid_from"))


def test_a_manager_adds_a_rate_and_sees_its_history(manager_client: BrowserClient, manager: User) -> None:
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.91"), valid_from=date(2026, 1, 1))
    response = manager_client.post(
        RATES, {"currency": "usd", "rate": "0.9234", "valid_from": "2026-02-01"}, follow=True
    )

    text = response.content.decode()
    assert "The USD rate from 2026-02-01 was added." in text
    assert _rates() == [("USD", Decimal("0.91"), date(2026, 1, 1)), ("USD", Decimal("0.9234"), date(2026, 2, 1))]
    assert text.index("2026-02-01") < text.index("2026-01-01")  # newest first
    assert ExchangeRate.objects.get(valid_from=date(2026, 2, 1)).added_by == manager


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"currency": "USD", "rate": "0.95", "valid_from": "2026-01-01"}, "already has a rate from this date"),
        ({"currency": "EUR", "rate": "1", "valid_from": "2026-03-01"}, "EUR is the business currency"),
        ({"currency": "USD", "rate": "0", "valid_from": "2026-03-01"}, "A rate must be more than zero."),
        ({"currency": "U$D", "rate": "1", "valid_from": "2026-03-01"}, "three-letter currency code"),
    ],
)
def test_a_rate_that_makes_no_sense_is_refused_with_a_reason(
    manager_client: BrowserClient, typed: dict[str, str], message: str
) -> None:
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.91"), valid_from=date(2026, 1, 1))
    response = manager_client.post(RATES, typed)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert ExchangeRate.objects.count() == 1


def test_a_csv_file_adds_every_rate(manager_client: BrowserClient) -> None:
    text = "currency;rate;valid_from\nUSD;0,92;2026-01-01\ngbp;1.17;2026-01-01\nUSD;0.90;2026-02-01\n"
    response = manager_client.post(IMPORT, {"file": _upload(text)}, follow=True)

    assert "Imported 3 exchange rates." in response.content.decode()
    assert _rates() == [
        ("GBP", Decimal("1.17"), date(2026, 1, 1)),
        ("USD", Decimal("0.92"), date(2026, 1, 1)),
        ("USD", Decimal("0.90"), date(2026, 2, 1)),
    ]


def test_one_bad_row_imports_no_rate_and_names_row_and_column(manager_client: BrowserClient) -> None:
    ExchangeRate.objects.create(currency="CHF", rate=Decimal("1.05"), valid_from=date(2026, 1, 1))
    text = (
        "currency,rate,valid_from\nUSD,0.92,2026-01-01\nUSD,abc,2026-02-01\nCHF,1.04,2026-01-01\n"
        "GBP,1.1,2026-13-01\nUSD,0.93,2026-01-01\n"
    )
    response = manager_client.post(IMPORT, {"file": _upload(text)})

    problems = [(row, column) for row, column, _message in _problem_rows(response.context["problems"])]
    assert problems == [(3, "rate"), (4, "valid_from"), (5, "valid_from"), (6, "valid_from")]
    assert "Nothing was imported" in response.content.decode()
    assert _rates() == [("CHF", Decimal("1.05"), date(2026, 1, 1))]


def _problem_rows(problems: list[object]) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in problems]  # type: ignore[attr-defined]


def test_a_file_with_other_columns_is_refused_as_a_whole(manager_client: BrowserClient) -> None:
    response = manager_client.post(IMPORT, {"file": _upload("currency,value\nUSD,1\n")})

    assert "must name the columns currency, rate and valid_from" in response.content.decode()
    assert ExchangeRate.objects.count() == 0


def test_account_managers_may_not_see_or_change_the_rates(am_client: BrowserClient) -> None:
    assert am_client.get(RATES).status_code == 403
    assert am_client.post(RATES, {"currency": "USD", "rate": "1", "valid_from": "2026-01-01"}).status_code == 403
    assert am_client.post(IMPORT, {"file": _upload("currency,rate,valid_from\nUSD,1,2026-01-01\n")}).status_code == 403
    assert ExchangeRate.objects.count() == 0
