"""Reading an exchange-rate CSV file (currency, rate, valid_from): the client import's conventions, for rates.

The same limits, encodings, delimiters and problem list as clients/csv_import.py; the service
`services_rates.exchange_rates_import_csv` decides what is written: every row, or none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils.translation import gettext as _

from clients.csv_import import FIRST_DATA_ROW, MAX_IMPORT_ROWS, FileRejected, ImportProblem, _decoded, _header_line

RATE_COLUMNS = ("currency", "rate", "valid_from")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RateRow:
    number: int
    currency: str
    rate: Decimal
    valid_from: date


def _delimiter(header_line: str) -> str:
    def known(delimiter: str) -> int:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(cell.strip().lower() in RATE_COLUMNS for cell in cells)

    return max(DELIMITERS, key=known)


def _checked_header(cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    if sorted(header) != sorted(RATE_COLUMNS):
        raise FileRejected(
            _("The header row must name the columns currency, rate and valid_from (in any order); it names: %(names)s.")
            % {"names": ", ".join(header) or _("nothing")}
        )
    return header


def _parsed(number: int, cells: dict[str, str]) -> RateRow | list[ImportProblem]:
    problems = []
    try:
        rate = Decimal(cells["rate"].replace(",", "."))
    except InvalidOperation:
        rate = Decimal(0)
        problems.append(ImportProblem(number, "rate", _("Enter a number such as 0.9215.")))
    try:
        valid_from = date.fromisoformat(cells["valid_from"])
    except ValueError:
        valid_from = date.min
        problems.append(ImportProblem(number, "valid_from", _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01.")))
    return problems or RateRow(number, cells["currency"].upper(), rate, valid_from)


def read_rate_rows(file: IO[bytes]) -> list[RateRow | ImportProblem]:
    """Every data row of the file as a rate, or the problems that keep it from being one."""
    text = _decoded(file)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(_header_line(text)))
    rows: list[RateRow | ImportProblem] = []
    try:
        header = _checked_header(next(reader, []))
        for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
            if not any(cell.strip() for cell in cells):
                continue
            if number - FIRST_DATA_ROW >= MAX_IMPORT_ROWS:
                raise FileRejected(_("The file has more than %(rows)s rows.") % {"rows": f"{MAX_IMPORT_ROWS:,}"})
            if len(cells) != len(header):
                rows.append(ImportProblem(number, "", _("This row does not have three cells.")))
                continue
            parsed = _parsed(number, dict(zip(header, (cell.strip() for cell in cells), strict=True)))
            rows.extend(parsed) if isinstance(parsed, list) else rows.append(parsed)
    except csv.Error as error:
        raise FileRejected(_("The file is not a readable CSV file (%(error)s).") % {"error": error}) from None
    if not rows:
        raise FileRejected(_("The file has a header row but no rates."))
    return rows
