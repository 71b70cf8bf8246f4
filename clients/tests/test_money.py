"""Money is written one way everywhere: grouped thousands, two decimals, then the currency code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from clients.formatting import money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("4800"), "4,800.00 EUR"),
        (Decimal("1234567.5"), "1,234,567.50 EUR"),
        (Decimal("0"), "0.00 EUR"),
        (Decimal("99.995"), "100.00 EUR"),
        (10600.0, "10,600.00 EUR"),
        (None, "—"),
    ],
)
def test_an_amount_shows_grouped_with_two_decimals_and_its_currency(amount: Decimal | None, expected: str) -> None:
    assert money(amount, "EUR") == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(Decimal("-300"), "-300.00 EUR"), (Decimal("1250"), "+1,250.00 EUR"), (Decimal("0"), "0.00 EUR")],
)
def test_a_change_of_value_shows_its_sign(amount: Decimal, expected: str) -> None:
    assert money(amount, "EUR", signed=True) == expected


def test_the_template_filters_write_the_same_text() -> None:
    template = Template(
        "{% load money %}{{ value|money:currency }} | {{ effect|signed_money:currency }} | {{ missing|money:currency }}"
    )
    context = Context({"value": Decimal("4800"), "effect": Decimal("-300"), "missing": None, "currency": "GBP"})
    assert template.render(context) == "4,800.00 GBP | -300.00 GBP | —"
