"""CSV downloads that are safe to open in a spreadsheet.

A cell such as `=HYPERLINK(...)` or `@SUM(1)` is run as a formula by Excel,
LibreOffice and Google Sheets (CSV injection). Every cell that starts like a
formula is prefixed with a single quote, which spreadsheets show as text and
do not evaluate. A cell starts like a formula when it starts with a tab or a
carriage return, or when its first visible character is `=`, `+`, `-` or `@`
or a look-alike of one. Spreadsheets skip leading spaces (Excel trims some when
it opens a CSV file, LibreOffice's "trim spaces" option all of them); East
Asian input methods type the full-width forms (U+FF1D, U+FF0B, U+FF0D,
U+FF20), which spreadsheets in those locales may take for the operators.
Look-alikes are the characters that NFKC (compatibility normalisation) turns
into an operator, plus the minus sign U+2212.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTS = frozenset("=+-@\u2212")
# Invisible characters a spreadsheet may skip before reading a formula: controls (Cc, such as
# a line feed) and format characters (Cf: zero-width space, byte order mark, direction marks).
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf"})


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read this cell as a formula."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in _SKIPPED_CATEGORIES:
            continue
        # The character alone, not in context: NFC would compose "=" and a following U+0338 into "≠".
        return char in FORMULA_STARTS or unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


# Excel only reads a CSV file as UTF-8 when it starts with a byte order mark.
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if starts_like_formula(text):
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
