"""Small helpers for the client tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from clients.csv_format import CSV_HEADER


def csv_upload(rows: list[list[str]], *, header: list[str] | tuple[str, ...] = CSV_HEADER) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("clients.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def client_row(email: str, *, account_manager: str = "amelia", **cells: str) -> list[str]:
    """A valid row in CSV_HEADER order; keyword arguments replace single cells."""
    values = {
        "company_name": f"Company of {email}",
        "contact_name": "Sofia Nowak",
        "contact_email": email,
        "contact_phone": "+44 20 7946 0000",
        "account_manager": account_manager,
        "segment": "Consulting",
        "monthly_value": "1500.00",
        "currency": "EUR",
        "contract_start": "2024-01-01",
        "contract_end": "2026-12-31",
        "time_zone": "Europe/Berlin",
        "language": "",
        "keep_in_touch_consent": "yes",
        "status": "active",
        "notes": "",
        "referred_by": "",
    }
    values.update(cells)
    return [values[name] for name in CSV_HEADER]


def downloaded_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))
