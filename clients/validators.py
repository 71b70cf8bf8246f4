from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def validate_currency_code(value: str) -> None:
    if not _CURRENCY_CODE.fullmatch(value):
        raise ValidationError("Enter a three-letter currency code such as EUR.")
