"""Demo currencies and exchange rates: clients in London pay in pounds, in New York in dollars, the rest in euros.

The rates are a monthly history for the last four years, made up but plausible, so every dashboard
figure has a rate to convert at; `manage.py seed_demo` adds those missing and leaves the rest.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from clients.models import Client, ClientValueChange, ExchangeRate

CURRENCY_BY_ZONE = {"Europe/London": "GBP", "America/New_York": "USD"}
# What one unit was worth in euros, about; each month moves it a little around this.
BASE_RATES = {"GBP": Decimal("1.16"), "USD": Decimal("0.92"), "EUR": Decimal(1)}
MONTHS_OF_RATES = 48


def demo_currency(time_zone: str) -> str:
    return CURRENCY_BY_ZONE.get(time_zone, "EUR")


def _month(today: date, back: int) -> date:
    months = today.year * 12 + today.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def _rate(base: Decimal, back: int) -> Decimal:
    wobble = Decimal(str(round(math.sin(back / 3) * 0.03, 4)))
    return (base * (1 + wobble)).quantize(Decimal("0.0001"))


def seed_exchange_rates(today: date) -> int:
    """A rate for each demo currency from the first of each of the last MONTHS_OF_RATES months; returns how many."""
    kept = set(ExchangeRate.objects.values_list("currency", "valid_from"))
    rates = [
        ExchangeRate(currency=currency, rate=_rate(base, back), valid_from=_month(today, back))
        for currency, base in BASE_RATES.items()
        if currency != settings.BUSINESS_CURRENCY
        for back in range(MONTHS_OF_RATES)
        if (currency, _month(today, back)) not in kept
    ]
    ExchangeRate.objects.bulk_create(rates)
    return len(rates)


def first_value_change(client: Client) -> ClientValueChange:
    """A demo client's value since their contract began (the demo adds clients without the client form)."""
    return ClientValueChange(
        client=client,
        monthly_value=client.monthly_value,
        currency=client.currency,
        effective_on=client.contract_start or timezone.localdate(),
        source=ClientValueChange.Source.CREATED,
    )
