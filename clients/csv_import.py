"""Reading and checking a client CSV file; `services.clients_import_csv` decides what is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clients.csv_format import CSV_HEADER, REQUIRED_COLUMNS, parse_consent
from clients.csv_safety import starts_like_formula
from clients.models import Client
from clients.validators import validate_plausible_date

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# A header naming every client column, quoted and spaced, is well under 1,000 characters.
MAX_HEADER_CHARS = 4096
DELIMITERS = (",", ";", "\t")

# Row numbers as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2


class FileRejected(Exception):
    """The file as a whole cannot be read as a client CSV; the message says why."""


@dataclass(frozen=True)
class ImportProblem:
    row: int | None  # None when the problem is with the file as a whole
    column: str
    message: str


@dataclass
class ClientRow:
    number: int
    cells: dict[str, str]


@dataclass
class ImportResult:
    created: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decoded(file: IO[bytes]) -> str:
    content = file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise FileRejected(
            _("The file is larger than %(megabytes)s MB; split it into smaller files.")
            % {"megabytes": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\x00"
    # NUL bytes mean another encoding (UTF-16) or a binary file; PostgreSQL could not store them either.
    if "\x00" in text:
        raise FileRejected(
            _('The file is not UTF-8 text. In your spreadsheet choose "Save as" > "CSV UTF-8" and upload that file.')
        )
    return text


def _header_line(text: str) -> str:
    # Only a bounded start of the file is read to find the header: a file that is one huge
    # line must be refused at once, not parsed (sniffing a 150 KB line took minutes).
    line, newline, _rest = text[: MAX_HEADER_CHARS + 1].partition("\n")
    if not newline and len(line) > MAX_HEADER_CHARS:
        raise FileRejected(
            _(
                "The first line is not a header row of client columns: it is longer than %(limit)s characters. "
                "The first line must name the columns, such as company_name,contact_name,contact_email,account_manager."
            )
            % {"limit": f"{MAX_HEADER_CHARS:,}"}
        )
    return line.rstrip("\r")


def _known_columns(header_line: str, delimiter: str) -> int:
    cells = next(csv.reader([header_line], csv.excel, delimiter=delimiter), [])
    return sum(cell.strip().lower() in CSV_HEADER for cell in cells)


def _delimiter(header_line: str) -> str:
    """The one of comma, semicolon and tab that splits the header into the most client column names.

    The header must be made of known names, so the choice needs no guessing; on a tie (or a
    header of one column) it is the comma, and the header check then says what is wrong.
    Spreadsheets in many European locales save CSV with semicolons.
    """
    return max(DELIMITERS, key=lambda delimiter: _known_columns(header_line, delimiter))


def _checked_header(cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    unknown = [name for name in header if name not in CSV_HEADER]
    missing = sorted(REQUIRED_COLUMNS - set(header), key=CSV_HEADER.index)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if unknown or missing or repeated:
        parts = []
        if unknown:
            parts.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        if missing:
            parts.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if repeated:
            parts.append(_("columns given twice: %(columns)s") % {"columns": ", ".join(repeated)})
        raise FileRejected(
            _("The header row does not match the client columns (%(problems)s).") % {"problems": "; ".join(parts)}
        )
    return header


def _restored(cell: str) -> str:
    # Our export prefixes formula-like cells with a quote; take it off again so
    # an exported file imports unchanged (a phone number "+44 ..." stays as it was).
    if cell.startswith("'") and starts_like_formula(cell[1:]):
        return cell[1:]
    return cell.strip()


def _records(reader: Iterator[list[str]], header: list[str]) -> Iterator[ClientRow | ImportProblem]:
    for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
        if not any(cell.strip() for cell in cells):
            continue
        if number - FIRST_DATA_ROW >= MAX_IMPORT_ROWS:
            raise FileRejected(
                _("The file has more than %(rows)s rows; split it into smaller files.")
                % {"rows": f"{MAX_IMPORT_ROWS:,}"}
            )
        if len(cells) != len(header):
            cells_vs_header = {"cells": len(cells), "header": len(header)}
            yield ImportProblem(
                number, "", _("This row has %(cells)s cells but the header has %(header)s.") % cells_vs_header
            )
            continue
        yield ClientRow(number, {name: _restored(cell) for name, cell in zip(header, cells, strict=True)})


def read_client_rows(file: IO[bytes]) -> list[ClientRow | ImportProblem]:
    """Every data row of the file, or a problem for rows that cannot even be split into columns."""
    text = _decoded(file)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(_header_line(text)))
    try:
        header = _checked_header(next(reader, []))
        rows = list(_records(reader, header))
    except csv.Error as error:
        raise FileRejected(
            _("The file is not a readable CSV file (line %(line)s: %(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise FileRejected(_("The file has a header row but no clients."))
    return rows


def _with_defaults(cells: dict[str, str]) -> dict[str, object]:
    return {
        "monthly_value": cells.get("monthly_value") or "0",
        "currency": (cells.get("currency") or settings.BUSINESS_CURRENCY).upper(),
        "time_zone": cells.get("time_zone", ""),
        "language": cells.get("language", "").lower(),
        "contract_start": cells.get("contract_start") or None,
        "contract_end": cells.get("contract_end") or None,
    }


def _owner_problems(username: str, owner: User | None, number: int) -> list[ImportProblem]:
    if not username:
        return [ImportProblem(number, "account_manager", _("This field cannot be blank."))]
    if owner is None:
        unknown = _("No account manager has the username %(username)s.") % {"username": repr(username)}
        return [ImportProblem(number, "account_manager", unknown)]
    return []


def _status_problems(row: ClientRow) -> list[ImportProblem]:
    # The export writes every client's real status; an import adds active clients only, since a
    # client's status follows their departure cases and an import creates none.
    if row.cells.get("status", "").lower() in ("", Client.Status.ACTIVE):
        return []
    message = _(
        "Only active clients can be imported: a client's status follows their departure cases, which an import "
        "does not create. Leave this cell empty or write active, or leave the row out."
    )
    return [ImportProblem(row.number, "status", message)]


def _referrer_problems(email: str, referrer: Client | None, number: int) -> list[ImportProblem]:
    if email and referrer is None:
        return [
            ImportProblem(number, "referred_by", _("No client has the contact email %(email)s.") % {"email": email})
        ]
    return []


def client_from_row(
    row: ClientRow, owners: dict[str, User], referrers: dict[str, Client] | None = None
) -> tuple[Client, list[ImportProblem]]:
    """An unsaved client built from one row, and everything wrong with the row (no database queries).

    `referrers` are the clients already in the app the file names as referrers, by lowercased email.
    """
    cells: dict[str, object] = {name: row.cells.get(name, "") for name in CSV_HEADER}
    cells.update(_with_defaults(row.cells))
    username = row.cells.get("account_manager", "")
    problems = _owner_problems(username, owners.get(username), row.number)
    answer = parse_consent(row.cells.get("keep_in_touch_consent", ""))
    if answer is None:
        problems.append(ImportProblem(row.number, "keep_in_touch_consent", _("Enter yes, no or leave it empty.")))
    problems.extend(_status_problems(row))
    referrer_email = row.cells.get("referred_by", "").strip()
    referrer = (referrers or {}).get(referrer_email.lower())
    problems.extend(_referrer_problems(referrer_email, referrer, row.number))
    del cells["account_manager"], cells["keep_in_touch_consent"], cells["status"], cells["referred_by"]
    keep_in_touch = answer or Client.KeepInTouch.NOT_ASKED
    client = Client(**cells, account_manager=owners.get(username), keep_in_touch=keep_in_touch, referred_by=referrer)
    problems.extend(_model_problems(client, row.number))
    return client, problems


# What the client form checks beyond the model's own rules.
FORM_CHECKS: tuple[tuple[str, Callable[[Any], None]], ...] = (
    ("contract_start", validate_plausible_date),
    ("contract_end", validate_plausible_date),
)


def _model_problems(client: Client, number: int) -> list[ImportProblem]:
    # Email uniqueness is checked for the whole file at once by the caller, not row by row.
    errors: dict[str, list[str]] = {}
    try:
        client.clean_fields(exclude=["account_manager"])
    except ValidationError as error:
        errors = error.message_dict
    # The model's own rule compares the contract dates, so it can only run once both cells are dates.
    if not {"contract_start", "contract_end"} & errors.keys():
        try:
            client.clean()
        except ValidationError as error:
            errors = {**errors, **error.message_dict}
    for name, check in FORM_CHECKS:
        value = getattr(client, name)
        if name in errors or value is None:
            continue
        try:
            check(value)
        except ValidationError as error:
            errors = {**errors, name: error.messages}
    return [ImportProblem(number, column, message) for column, messages in errors.items() for message in messages]
