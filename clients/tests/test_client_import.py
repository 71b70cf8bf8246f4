from __future__ import annotations

import io
import time
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as BrowserClient
from django.urls import reverse

from clients.csv_format import CSV_HEADER
from clients.csv_import import MAX_IMPORT_ROWS
from clients.models import Client
from clients.services import clients_import_csv
from clients.tests.factories import ClientFactory
from clients.tests.helpers import client_row, csv_upload

IMPORT_URL = reverse("clients:import")


@pytest.fixture
def owners(account_manager: User, other_account_manager: User) -> None:
    """Both account managers exist, so rows can name amelia and jonas."""


def test_an_account_manager_cannot_open_the_import(am_client: BrowserClient) -> None:
    assert am_client.get(IMPORT_URL).status_code == 403
    assert am_client.post(IMPORT_URL, {"file": csv_upload([client_row("a@a.example")])}).status_code == 403
    assert not Client.objects.exists()


def test_the_import_page_documents_the_columns(manager_client: BrowserClient) -> None:
    page = manager_client.get(IMPORT_URL)
    assert page.status_code == 200
    for column in CSV_HEADER:
        assert f"<code>{column}</code>" in page.text
    assert "YYYY-MM-DD" in page.text


def test_a_good_file_creates_every_client(manager_client: BrowserClient, owners: None, account_manager: User) -> None:
    rows = [
        client_row("sofia@alder.example", company_name="Alder Logistics", monthly_value="2400.50"),
        client_row("liam@bramley.example", account_manager="jonas", contract_start="", contract_end=""),
        client_row("noah@calder.example", status="Active", keep_in_touch_consent="", currency="", time_zone=""),
    ]
    response = manager_client.post(IMPORT_URL, {"file": csv_upload(rows)}, follow=True)
    assert "Imported 3 clients." in response.text
    assert Client.objects.count() == 3
    alder = Client.objects.get(contact_email="sofia@alder.example")
    assert alder.company_name == "Alder Logistics"
    assert alder.account_manager == account_manager
    assert alder.monthly_value == Decimal("2400.50")
    assert alder.contract_end == date(2026, 12, 31)
    assert (alder.keep_in_touch, alder.keep_in_touch_changed_by) == ("yes", "import")
    bramley = Client.objects.get(contact_email="liam@bramley.example")
    assert bramley.account_manager.username == "jonas"
    assert bramley.contract_start is None
    calder = Client.objects.get(contact_email="noah@calder.example")
    assert (calder.status, calder.keep_in_touch, calder.currency, calder.time_zone) == (
        Client.Status.ACTIVE,
        Client.KeepInTouch.NOT_ASKED,
        "EUR",
        "",
    )


def test_one_bad_row_imports_nothing_and_names_row_and_column(manager_client: BrowserClient, owners: None) -> None:
    rows = [
        client_row("sofia@alder.example"),
        client_row("liam@bramley.example"),
        client_row("noah@calder.example", contract_start="2026-05-01", contract_end="2026-04-01"),
        client_row("ines@dunmore.example", monthly_value="-5", contract_end="31/12/2026"),
        client_row("aoife@eastgate.example", monthly_value="lots", contract_end="2020-01-01"),
    ]
    response = manager_client.post(IMPORT_URL, {"file": csv_upload(rows)})
    assert response.status_code == 200
    assert not Client.objects.exists()
    assert "Nothing was imported: 5 problems" in response.text
    problems = {(p.row, p.column) for p in response.context["problems"]}
    assert problems == {
        (4, "contract_end"),
        (5, "monthly_value"),
        (5, "contract_end"),
        (6, "monthly_value"),
        (6, "contract_end"),
    }
    assert (
        "<td>4</td><td><code>contract_end</code></td><td>The contract cannot end before it starts.</td>"
        in response.text
    )


def test_duplicate_emails_are_reported_not_doubled(account_manager: User, manager: User) -> None:
    ClientFactory.create(contact_email="Sofia@Alder.example")
    rows = [
        client_row("liam@bramley.example"),
        client_row("sofia@alder.EXAMPLE"),
        client_row("LIAM@bramley.example"),
    ]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert not result.ok
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "contact_email", "A client with sofia@alder.EXAMPLE already exists."),
        (4, "contact_email", "LIAM@bramley.example is also in row 2."),
    ]
    assert Client.objects.count() == 1


def test_unknown_account_managers_and_consent_values_are_reported(account_manager: User, manager: User) -> None:
    rows = [client_row("a@a.example", account_manager="nobody", keep_in_touch_consent="maybe")]
    rows.append(client_row("b@b.example", account_manager="marta"))
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "account_manager"),
        (2, "keep_in_touch_consent"),
        (3, "account_manager"),
    ]
    assert "No account manager has the username 'nobody'." in result.problems[0].message


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["company_name", "contact_name", "contact_email", "account_manager", "shoe_size"],
            "unknown columns: shoe_size",
        ),
        (["company_name", "contact_email"], "missing columns: contact_name, account_manager"),
        (
            ["company_name", "contact_name", "contact_email", "account_manager", "company_name"],
            "columns given twice: company_name",
        ),
    ],
)
def test_a_wrong_header_is_explained(
    manager_client: BrowserClient, owners: None, header: list[str], message: str
) -> None:
    rows = [["Alder", "Sofia", "sofia@alder.example", "amelia", "x"][: len(header)]]
    response = manager_client.post(IMPORT_URL, {"file": csv_upload(rows, header=header)})
    assert "The header row does not match the client columns" in response.text
    assert message in response.text
    assert not Client.objects.exists()


def test_only_the_required_columns_are_enough(manager: User, owners: None) -> None:
    header = ["Company_Name ", "contact_name", "contact_email", "account_manager"]
    result = clients_import_csv(
        file=csv_upload([["Alder", "Sofia", "s@a.example", "amelia"]], header=header), imported_by=manager
    )
    assert result.created == 1
    assert Client.objects.get().currency == "EUR"


def test_a_file_that_is_not_utf8_is_explained(manager_client: BrowserClient, owners: None) -> None:
    content = ",".join(CSV_HEADER).encode() + "\nCafé Noir".encode("latin-1")
    upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
    response = manager_client.post(IMPORT_URL, {"file": upload})
    assert "The file is not UTF-8 text." in response.text


@pytest.mark.parametrize(
    "content",
    [
        ",".join(CSV_HEADER).encode()
        + b"\nAlder\x00Foods,"
        + b",".join(c.encode() for c in client_row("s@a.example")[1:]),
        "\n".join([",".join(CSV_HEADER), ",".join(client_row("s@a.example"))]).encode("utf-16-le"),
    ],
    ids=["nul-in-a-cell", "utf-16"],
)
def test_a_file_with_nul_bytes_is_explained_and_nothing_imported(
    manager_client: BrowserClient, owners: None, content: bytes
) -> None:
    upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
    response = manager_client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    assert "The file is not UTF-8 text." in response.text
    assert not Client.objects.exists()


def test_contract_dates_outside_1900_to_2199_are_reported(manager: User, owners: None) -> None:
    rows = [client_row("s@a.example", contract_start="0001-01-01", contract_end="9999-12-31")]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert {(p.row, p.column, p.message) for p in result.problems} == {
        (2, "contract_start", "Enter a date between 1900 and 2199."),
        (2, "contract_end", "Enter a date between 1900 and 2199."),
    }


def test_an_empty_file_and_a_header_without_rows_are_explained(manager: User) -> None:
    empty = clients_import_csv(file=io.BytesIO(b""), imported_by=manager)
    assert "The header row does not match" in empty.problems[0].message
    header_only = clients_import_csv(file=csv_upload([]), imported_by=manager)
    assert header_only.problems[0].message == "The file has a header row but no clients."


def test_a_file_over_the_row_limit_is_refused(manager: User, owners: None) -> None:
    rows = [client_row(f"c{n}@c.example") for n in range(MAX_IMPORT_ROWS + 1)]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert "more than 10,000 rows" in result.problems[0].message
    assert not Client.objects.exists()


def test_a_file_over_the_size_limit_is_refused(manager_client: BrowserClient, settings: object) -> None:
    upload = SimpleUploadedFile("big.csv", b"x" * (5 * 1024 * 1024 + 1), content_type="text/csv")
    response = manager_client.post(IMPORT_URL, {"file": upload})
    assert "larger than 5 MB" in response.text


def test_rows_with_the_wrong_number_of_cells_are_reported(manager: User, owners: None) -> None:
    rows = [client_row("a@a.example"), ["Only", "three", "cells"]]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.message) for p in result.problems] == [(3, "This row has 3 cells but the header has 16.")]


def test_semicolon_separated_files_from_european_spreadsheets_import(manager: User, owners: None) -> None:
    content = (
        "company_name;contact_name;contact_email;account_manager;monthly_value\nAlder;Sofia;s@a.example;amelia;99.5\n"
    )
    result = clients_import_csv(file=io.BytesIO(content.encode("utf-8-sig")), imported_by=manager)
    assert result.created == 1
    assert Client.objects.get().monthly_value == Decimal("99.5")


def test_blank_lines_are_skipped_and_row_numbers_stay_true(manager: User, owners: None) -> None:
    rows = [client_row("a@a.example"), ["", "", "", "", "", "", "", "", "", "", "", "", "", ""], client_row("bad")]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(4, "contact_email")]


def test_an_address_with_accents_before_the_at_is_reported_with_the_reason(manager: User, owners: None) -> None:
    rows = [client_row("tomás.ruiz@ruiz.example"), client_row("rosa@bücher.example")]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (
            2,
            "contact_email",
            "Mail servers cannot deliver to an address with “á” before the @. Use plain letters (a-z), digits "
            "and . _ + - there; the part after the @ may have accents.",
        )
    ]


def test_a_hostile_one_line_file_is_refused_at_once_and_imports_nothing(
    manager_client: BrowserClient, owners: None
) -> None:
    # One 150 KB line of `;"a`: sniffing the delimiter from the whole line took minutes.
    upload = SimpleUploadedFile("clients.csv", b';"a' * 50_000, content_type="text/csv")
    started = time.monotonic()
    response = manager_client.post(IMPORT_URL, {"file": upload})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "The first line is not a header row of client columns" in response.text
    assert not Client.objects.exists()
    assert elapsed < 2


def test_a_hostile_row_after_a_good_header_is_reported_at_once(manager: User, owners: None) -> None:
    content = ",".join(CSV_HEADER) + "\n" + ';"a' * 50_000 + "\n"
    started = time.monotonic()
    result = clients_import_csv(file=io.BytesIO(content.encode()), imported_by=manager)
    assert time.monotonic() - started < 2
    assert not result.ok
    assert not Client.objects.exists()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_the_one_that_splits_the_header_into_client_columns(
    manager: User, owners: None, delimiter: str
) -> None:
    # Commas and semicolons inside the cells do not mislead it; quoted header names are fine too.
    header = delimiter.join(['"company_name"', "contact_name", "contact_email", "account_manager", "notes"])
    row = delimiter.join(['"Alder, Smith; Partners"', "Sofia", "s@a.example", "amelia", '"a, b; c"'])
    result = clients_import_csv(file=io.BytesIO(f"{header}\r\n{row}\r\n".encode()), imported_by=manager)
    assert result.created == 1, result.problems
    alder = Client.objects.get()
    assert (alder.company_name, alder.notes) == ("Alder, Smith; Partners", "a, b; c")


def test_the_import_adds_active_clients_only_and_explains_every_other_status(manager: User, owners: None) -> None:
    # A client's status follows their departure cases; an import creates no case.
    rows = [
        client_row("a@a.example", status="active"),
        client_row("b@b.example", status=""),
        client_row("c@c.example", status="departed"),
        client_row("d@d.example", status="Departing"),
        client_row("e@e.example", status="returned"),
        client_row("f@f.example", status="zombie"),
    ]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(4, "status"), (5, "status"), (6, "status"), (7, "status")]
    assert result.problems[0].message == (
        "Only active clients can be imported: a client's status follows their departure cases, which an import "
        "does not create. Leave this cell empty or write active, or leave the row out."
    )
    assert not Client.objects.exists()

    result = clients_import_csv(file=csv_upload(rows[:2]), imported_by=manager)
    assert result.created == 2
    assert set(Client.objects.values_list("status", flat=True)) == {Client.Status.ACTIVE}


def test_names_with_text_direction_controls_are_reported_and_nothing_imported(manager: User, owners: None) -> None:
    rows = [
        client_row("a@a.example", company_name="Alder\u202eskrow"),
        client_row("b@b.example", contact_name="Sofia\u200f Nowak"),
    ]
    result = clients_import_csv(file=csv_upload(rows), imported_by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(2, "company_name"), (3, "contact_name")]
    assert "Remove the invisible text-direction characters" in result.problems[0].message
    assert not Client.objects.exists()
