"""CSV downloads that are safe to open in a spreadsheet.

A cell such as `=HYPERLINK(...)` or `@SUM(1)` is run as a formula by Excel,
LibreOffice and Google Sheets (CSV injection). Every cell that starts with a
character a spreadsheet reads as the start of a formula is prefixed with a
single quote, which spreadsheets show as text and do not evaluate.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel only reads a CSV file as UTF-8 when it starts with a byte order mark.
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> StreamingHttpResponse:
    """A CSV download streamed row by row: `rows` may be a lazy iterator over thousands of rows."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response
