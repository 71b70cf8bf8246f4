"""Hypothesis strategies for what a careless person or an attacker types into a form or a URL."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from clients.csv_format import CSV_HEADER
from clients.tests.helpers import client_row, csv_upload
from offboarding.tests.pageforms import FormField

EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "null",
    "None",
    "[]",
    "{}",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "12.345.678,90",
    "0x1F",
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-13-01T25:61",
    "31/12/2024",
    "../../etc/passwd",
    "' OR 1=1 --",
    "%00",
    "\ufeff",
    "\u202e",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil")',
]
HUGE_TEXT = [("x", 100_000), ("\x00", 1000), ("é", 20_000)]  # (character, times), repeated when drawn
# The last day of the calendar first: Hypothesis starts from the first choice, so its first
# example of a date field is the one that most often overflows date arithmetic.
EDGE_DATES = [date.max, date.min, date(9999, 12, 30), date(1, 1, 2), date(1900, 2, 28), date(2000, 2, 29)]
EDGE_NUMBERS = [0, -1, 1, -(2**31), 2**31, -(2**63), 2**63, 10**30, -(10**30)]

# Any Unicode text without surrogates (which cannot travel in UTF-8), NUL and control characters included.
any_text = st.text(st.characters(codec="utf-8"), max_size=300)

with_nul = any_text.map(lambda text: f"{text}\x00{text}")
nasty_text = st.one_of(
    any_text,
    with_nul,
    st.sampled_from(EDGE_TEXT),
    st.sampled_from(HUGE_TEXT).map(lambda huge: huge[0] * huge[1]),
    with_nul,
    st.integers().map(str),
    st.sampled_from(EDGE_NUMBERS).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)

iso_dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates()).map(date.isoformat)
iso_datetimes = st.one_of(
    st.sampled_from(EDGE_DATES).map(lambda day: datetime(day.year, day.month, day.day, 23, 59)),
    st.datetimes(),
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
numbers = st.one_of(st.sampled_from(EDGE_NUMBERS), st.integers(), st.decimals(places=3, allow_nan=False)).map(str)


def _spoiled(row: list[str], changes: dict[int, str]) -> list[str]:
    return [changes.get(index, cell) for index, cell in enumerate(row)]


# A client CSV whose rows are valid but for a cell or two, or one that is not a client CSV at all.
import_rows = st.builds(
    _spoiled,
    st.integers(min_value=0, max_value=10**6).map(lambda number: client_row(f"fuzz{number}@import.example")),
    st.dictionaries(
        st.integers(min_value=0, max_value=len(CSV_HEADER) - 1),
        st.one_of(with_nul, nasty_text),  # a NUL first: PostgreSQL cannot store one
        min_size=1,
        max_size=2,
    ),
)
valid_but_for_a_cell = st.lists(import_rows, min_size=1, max_size=3).map(csv_upload)
csv_files = st.one_of(
    valid_but_for_a_cell,
    valid_but_for_a_cell,
    st.lists(st.lists(nasty_text, max_size=len(CSV_HEADER) + 1), max_size=3).map(csv_upload),
    st.lists(st.lists(nasty_text, max_size=4), min_size=1, max_size=3).map(
        lambda rows: csv_upload(rows[1:], header=rows[0])
    ),
    st.binary(max_size=2000).map(lambda content: SimpleUploadedFile("clients.csv", content, content_type="text/csv")),
)

TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "file": csv_files,
    "date": iso_dates,
    "datetime-local": iso_datetimes,
    "number": numbers,
    "email": st.one_of(st.emails(), any_text.map(lambda text: f"{text}@example.com")),
}


def plausible_value(form_field: FormField) -> st.SearchStrategy[Any]:
    """A value of the right shape for the field: a real choice, a date for a date input..."""
    typed = TYPED_VALUES.get(form_field.kind)
    if not form_field.options:
        return any_text if typed is None else typed
    # A real choice first, so the simplest example is a form that passes most checks.
    choices = st.sampled_from(sorted(form_field.options, key=lambda option: option == ""))
    return choices if typed is None else st.one_of(typed, choices)


def field_values(form_field: FormField) -> st.SearchStrategy[list[Any] | None]:
    """Once (most often), missing (None), or repeated with different values (a duplicated key)."""
    value = st.one_of(plausible_value(form_field), plausible_value(form_field), nasty_text)
    once = st.lists(value, min_size=1, max_size=1)
    return st.one_of(once, once, st.none(), st.lists(value, min_size=2, max_size=3))


def form_data(fields: list[FormField]) -> st.SearchStrategy[dict[str, list[Any]]]:
    """Form data for these fields, some missing or repeated, plus a few keys nobody asked for."""
    known = st.fixed_dictionaries({form_field.name: field_values(form_field) for form_field in fields})
    unknown = st.dictionaries(any_text.filter(bool), st.lists(nasty_text, min_size=1, max_size=2), max_size=2)
    return st.builds(_merged, known, unknown)


def _merged(known: dict[str, list[Any] | None], unknown: dict[str, list[Any]]) -> dict[str, list[Any]]:
    values = {name: value for name, value in unknown.items() if name not in known}
    values.update({name: value for name, value in known.items() if value is not None})
    return values


Request = dict[str, Any]  # keyword arguments for django.test.Client.post


def encoded(data: dict[str, list[Any]], encoding: str) -> Request:
    """The form data as a browser (multipart or URL-encoded), a script (JSON) or a broken client sends it."""
    if encoding == "multipart":
        return {"data": data}
    data = {name: [getattr(value, "name", value) for value in values] for name, values in data.items()}
    if encoding == "urlencoded":
        return {"data": urlencode(data, doseq=True), "content_type": "application/x-www-form-urlencoded"}
    if encoding == "json":
        return {"data": json.dumps(data), "content_type": "application/json"}
    return {"data": b"\xff\xfe\x00garbage=%ZZ&&==", "content_type": "application/x-www-form-urlencoded"}


ENCODINGS = st.sampled_from(["multipart"] * 4 + ["urlencoded"] * 2 + ["json", "raw"])

# Tokens and path arguments: random text, or a real token with a character changed, cut or added.
path_text = st.one_of(nasty_text, st.text(st.characters(codec="ascii"), min_size=1, max_size=80)).filter(
    lambda text: bool(text.strip("/"))
)


def tampered(token: str) -> st.SearchStrategy[str]:
    position = st.integers(min_value=0, max_value=max(len(token) - 1, 0))
    return st.one_of(
        position.map(lambda index: token[:index]),
        position.map(
            lambda index: token[:index] + ("A" if token[index : index + 1] != "A" else "B") + token[index + 1 :]
        ),
        st.just(token + "x"),
        st.just(token.upper()),
    ).filter(lambda changed: changed != token and bool(changed))
