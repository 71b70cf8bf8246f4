from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def validate_currency_code(value: str) -> None:
    if not _CURRENCY_CODE.fullmatch(value):
        raise ValidationError("Enter a three-letter currency code such as EUR.")


# Dates outside these years are typing mistakes; they would also overflow the date
# arithmetic that plans handovers and follow-ups (9999-12-31 plus a week).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def validate_plausible_date(value: date) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
