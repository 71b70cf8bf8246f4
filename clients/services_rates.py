"""Writes on exchange rates: one added by hand, or a CSV file of them (all rows or none)."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.csv_import import FileRejected, ImportProblem, ImportResult
from clients.csv_rates import RateRow, read_rate_rows
from clients.models import ExchangeRate
from clients.roles import is_manager

logger = logging.getLogger(__name__)


def _check_manager(user: User) -> None:
    if not is_manager(user):
        raise PermissionDenied("Only managers keep the exchange rates.")


@transaction.atomic
def exchange_rate_add(*, currency: str, rate: Decimal, valid_from: date, added_by: User) -> ExchangeRate:
    """A new rate for a currency from a day on; a day that already has one is refused (rates are never edited)."""
    _check_manager(added_by)
    exchange_rate = ExchangeRate(currency=currency.upper(), rate=rate, valid_from=valid_from, added_by=added_by)
    exchange_rate.full_clean()
    exchange_rate.save()
    logger.info("exchange rate %s added by %s", exchange_rate, added_by.pk)
    return exchange_rate


def _row_problems(
    row: RateRow, first_row: dict[tuple[str, date], int], existing: set[tuple[str, date]]
) -> list[ImportProblem]:
    """What is wrong with one row, without a query: the rows already kept are looked up once for the file."""
    rate = ExchangeRate(currency=row.currency, rate=row.rate, valid_from=row.valid_from)
    problems = []
    try:
        rate.clean_fields()
        rate.clean()
    except ValidationError as error:
        problems = [
            ImportProblem(row.number, column, str(message))
            for column, messages in error.message_dict.items()
            for message in messages
        ]
    if row.rate <= 0:
        problems.append(ImportProblem(row.number, "rate", _("A rate must be more than zero.")))
    key = (row.currency, row.valid_from)
    if key in existing:
        problems.append(ImportProblem(row.number, "valid_from", _("This currency already has a rate from this date.")))
    elif key in first_row:
        message = _("%(currency)s from %(day)s is also in row %(row)s.")
        problems.append(
            ImportProblem(
                row.number, "valid_from", message % {"currency": key[0], "day": key[1], "row": first_row[key]}
            )
        )
    first_row.setdefault(key, row.number)
    return problems


def _existing(rates: list[RateRow]) -> set[tuple[str, date]]:
    kept = ExchangeRate.objects.filter(
        currency__in={row.currency for row in rates}, valid_from__in={row.valid_from for row in rates}
    )
    return set(kept.values_list("currency", "valid_from"))


@transaction.atomic
def exchange_rates_import_csv(*, file: IO[bytes], imported_by: User) -> ImportResult:
    """Add every rate of a CSV file: every row is checked first, then all are written or none."""
    _check_manager(imported_by)
    try:
        rows = read_rate_rows(file)
    except FileRejected as rejection:
        return ImportResult(problems=[ImportProblem(None, "", str(rejection))])
    problems = [row for row in rows if isinstance(row, ImportProblem)]
    rates = [row for row in rows if isinstance(row, RateRow)]
    first_row: dict[tuple[str, date], int] = {}
    existing = _existing(rates)
    for row in rates:
        problems.extend(_row_problems(row, first_row, existing))
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda problem: (problem.row or 0, problem.column)))
    new = [ExchangeRate(currency=r.currency, rate=r.rate, valid_from=r.valid_from, added_by=imported_by) for r in rates]
    try:
        with transaction.atomic():
            ExchangeRate.objects.bulk_create(new)
    except IntegrityError:
        message = _("One of these rates was added while the file was imported. Nothing was imported.")
        return ImportResult(problems=[ImportProblem(None, "valid_from", message)])
    logger.info("%s exchange rates imported by %s", len(new), imported_by.pk)
    return ImportResult(created=len(new))
