"""Converting money to the business's currency at the rate valid on a date, in Python and in SQL.

The rate valid on a day is the latest of its currency starting on or before it; the business's own
currency needs none. Where no rate is valid the conversion is None (NULL in SQL), never a guess: a
figure that adds converted amounts asks `missing_rates` which currencies and months it could not
convert (`unconverted`: the days before a currency's first rate), and says so beside the figure.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncMonth
from django.db.models.sql.compiler import SQLCompiler
from django.utils.dateformat import format as format_date

from clients.models import ExchangeRate

RATE_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=8)
AMOUNT_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)


def rate_on(currency: str, on: date) -> Decimal | None:
    """What one unit of `currency` was worth in the business currency on `on`, or None when no rate is kept."""
    if currency == settings.BUSINESS_CURRENCY:
        return Decimal(1)
    rate = ExchangeRate.objects.filter(currency=currency, valid_from__lte=on).order_by("-valid_from").first()
    return rate.rate if rate else None


def money_convert(*, amount: Decimal, currency: str, on: date) -> Decimal | None:
    """`amount` of `currency` in the business currency at the rate valid on `on`; None when there is none."""
    rate = rate_on(currency, on)
    return None if rate is None else amount * rate


RATE_COLUMNS = ("rate", "currency", "valid_from")  # of ExchangeRate
RATES = "valid_rate"  # the alias of the rates table in RateValidOn


class RateValidOn(Func):
    """The rate of a currency valid on a day, as SQL: 1 for the business currency, NULL when no rate is kept.

    A correlated subquery, so a figure stays one query however many rows it adds; the unique index on
    (currency, valid_from) finds each rate with one probe. It is written out once here rather than built
    as a Subquery of ExchangeRate: a dashboard converts in nine places, and resolving and compiling a
    Subquery's own query at each of them cost more Python than running it.
    """

    arity = 2
    output_field = RATE_FIELD

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        (currency, currency_params), (day, day_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        # The rates table under an alias of its own, so the row's columns never resolve to its columns.
        name = connection.ops.quote_name
        rate, rate_currency, valid_from = (f"{RATES}.{name(column)}" for column in RATE_COLUMNS)
        latest = (  # the names are the model's, every value is a parameter
            f"SELECT {rate} FROM {name(ExchangeRate._meta.db_table)} {RATES} WHERE {rate_currency} = {currency} "  # noqa: S608
            f"AND {valid_from} <= {day} ORDER BY {valid_from} DESC LIMIT 1"
        )
        sql = f"CASE WHEN {currency} = %s THEN 1 ELSE ({latest}) END"
        return sql, (*currency_params, settings.BUSINESS_CURRENCY, *currency_params, *day_params)


def rate_valid_on(currency_field: str, on: str | date) -> Expression:
    """The rate of the row's currency valid on the row's date (a field name) or on a given day, as SQL."""
    return RateValidOn(F(currency_field), F(on) if isinstance(on, str) else Value(on))


def converted(amount: str | Any, currency_field: str, on: str | date) -> Any:
    """The row's amount (a field name or an expression) in the business currency at the rate of `on`, as SQL.

    NULL without a rate, so a sum of it leaves the row out: ask `missing_rates` about the same rows.
    """
    value = F(amount) if isinstance(amount, str) else amount
    return ExpressionWrapper(value * rate_valid_on(currency_field, on), output_field=AMOUNT_FIELD)


@dataclass(frozen=True)
class MissingRate:
    currency: str
    month: date  # the first day of the month that has no rate

    @property
    def month_label(self) -> str:
        return format_date(self.month, "F Y")


def first_rate_days() -> dict[str, date]:
    """The day each currency's first rate is valid from (one small query over the rates kept)."""
    firsts = ExchangeRate.objects.values("currency").annotate(first=Min("valid_from")).order_by()
    return {row["currency"]: row["first"] for row in firsts}


def unconverted(currency_field: str, on: str | date, firsts: dict[str, date]) -> Q:
    """The rows whose rate_valid_on is NULL: not in the business currency, dated before their currency's first rate.

    Since a rate stays valid until the next one, a day has no rate exactly when it comes before the first
    rate of its currency (or the currency has none). With `firsts` (first_rate_days) read once, that is a
    condition of plain comparisons on each row, where asking rate_valid_on would probe the rates' index
    once per row.
    """
    rated = {currency: first for currency, first in firsts.items() if currency != settings.BUSINESS_CURRENCY}
    never_rated = ~Q(**{f"{currency_field}__in": [settings.BUSINESS_CURRENCY, *rated]})
    if isinstance(on, date):
        not_yet_rated = [currency for currency, first in rated.items() if first > on]
        return never_rated | Q(**{f"{currency_field}__in": not_yet_rated})
    before_first = (Q(**{currency_field: currency, f"{on}__lt": first}) for currency, first in rated.items())
    return reduce(operator.or_, before_first, never_rated)


@dataclass(frozen=True)
class Converted:
    """Rows a figure converts: the field holding their currency, and their day (a field name, or one day for all)."""

    rows: QuerySet[Any]
    currency_field: str
    on: str | date


def missing_rates(source: Converted, *more: Converted) -> list[MissingRate]:
    """The currencies and months of the sources' rows that no rate converts, by currency and month.

    Two queries however many sources: first_rate_days, then the sources' pairs in one UNION.
    """
    sources = (source, *more)
    firsts = first_rate_days()
    pairs = [
        each.rows.filter(unconverted(each.currency_field, each.on, firsts))
        .annotate(_month=TruncMonth(each.on) if isinstance(each.on, str) else Value(each.on.replace(day=1)))
        .values_list(each.currency_field, "_month")
        .order_by()
        for each in sources
    ]
    found = {MissingRate(currency=currency, month=_as_date(month)) for currency, month in pairs[0].union(*pairs[1:])}
    return sorted(found, key=lambda gap: (gap.currency, gap.month))


def _as_date(month: Any) -> date:
    return month.date() if hasattr(month, "date") and callable(month.date) else month
