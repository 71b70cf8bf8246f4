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
