from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from clients.csv_safety import csv_response, spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Alder Logistics", "Alder Logistics"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(cell: str, expected: str) -> None:
    assert spreadsheet_safe(cell) == expected


# Full-width and small forms, superscripts and subscripts: an East Asian input method types them,
# and spreadsheets read several of them as the ASCII operator (they are the same under NFKC).
LOOK_ALIKE_STARTS = {
    "\uff1d": "full-width equals",
    "\uff0b": "full-width plus",
    "\uff0d": "full-width hyphen-minus",
    "\uff20": "full-width commercial at",
    "\ufe66": "small equals",
    "\ufe62": "small plus",
    "\ufe63": "small hyphen-minus",
    "\ufe6b": "small commercial at",
    "\u207c": "superscript equals",
    "\u208c": "subscript equals",
    "\u207a": "superscript plus",
    "\u208a": "subscript plus",
    "\u207b": "superscript minus",
    "\u2212": "minus sign",
}


@pytest.mark.parametrize("start", LOOK_ALIKE_STARTS, ids=LOOK_ALIKE_STARTS.values())
def test_cells_starting_with_a_look_alike_of_a_formula_character_get_a_leading_quote(start: str) -> None:
    cell = f'{start}HYPERLINK("http://evil.example")'
    assert spreadsheet_safe(cell) == "'" + cell


# Spreadsheets skip leading spaces (Excel trims some on opening a CSV, LibreOffice's "trim spaces"
# option all) and invisible characters before they decide whether a cell is a formula.
LEADING = {
    " ": "space",
    "   ": "spaces",
    "\u00a0": "no-break space",
    "\u3000": "ideographic space",
    "\u2003": "em space",
    "\n": "line feed",
    "\u200b": "zero-width space",
    "\ufeff": "byte order mark",
    "\u200e": "left-to-right mark",
    " \u200b\u3000": "a mix",
}


@pytest.mark.parametrize("leading", LEADING, ids=LEADING.values())
@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\uff1d"])
def test_formula_characters_after_leading_spaces_or_invisible_characters_get_a_leading_quote(
    leading: str, trigger: str
) -> None:
    cell = f"{leading}{trigger}1+1"
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "  Alder Logistics",
        "\u3000Tokyo office",
        "\uff21lder (full-width A)",
        "e-mail",
        "44 20 7946 0000",
        "\u00a0",
        " ",
    ],
)
def test_text_that_does_not_start_like_a_formula_is_left_alone(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell


def test_values_that_are_not_text_become_text() -> None:
    assert spreadsheet_safe(None) == ""
    assert spreadsheet_safe(Decimal("1500.00")) == "1500.00"
    assert spreadsheet_safe(-3) == "'-3"


def test_csv_response_is_a_download_with_every_cell_neutralised() -> None:
    rows: list[list[object]] = [["=1+1", "ok"], ["@x", 2]]
    response = csv_response("report.csv", ["name", "=total"], iter(rows))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    assert list(csv.reader(io.StringIO(text))) == [["name", "'=total"], ["'=1+1", "ok"], ["'@x", "2"]]
