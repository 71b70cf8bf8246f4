from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def validate_currency_code(value: str) -> None:
    if not _CURRENCY_CODE.fullmatch(value):
        raise ValidationError(_("Enter a three-letter currency code such as EUR."))


# Dates outside these years are typing mistakes; they would also overflow the date
# arithmetic that plans handovers and follow-ups (9999-12-31 plus a week).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def validate_plausible_date(value: date) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year}
        )


def undeliverable_address_reason(address: str) -> str:
    """Why mail cannot go to this address as written, or empty: letters outside ASCII before the @.

    International domains are fine (they are sent in punycode). Before the @ such letters need
    SMTPUTF8, which Django's mail backend does not use: it encodes them into an RFC 2047 word,
    and the message goes to `=?utf-8?b?...?=@domain`. Many receiving servers lack SMTPUTF8 anyway.
    """
    local_part = address.rpartition("@")[0]
    letters = "".join(dict.fromkeys(letter for letter in local_part if not letter.isascii()))
    if not letters:
        return ""
    return _(
        "Mail servers cannot deliver to an address with “%(letters)s” before the @. Use plain letters (a-z), "
        "digits and . _ + - there; the part after the @ may have accents."
    ) % {"letters": letters}


def validate_deliverable_email(value: str) -> None:
    """The rule for every email address a person types or imports: one we can mail."""
    reason = undeliverable_address_reason(value)
    if reason:
        raise ValidationError(reason, code="undeliverable")
    validate_email(value)


# Invisible controls that change the direction text is shown in: embeddings and overrides
# (U+202A-U+202E), isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). In a name
# they make "Alder\u202egnp.exe" show as "Alderexe.png": what a person reads is not what is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def validate_no_bidi_controls(value: str) -> None:
    if not BIDI_CONTROLS.isdisjoint(value):
        raise ValidationError(
            _(
                "Remove the invisible text-direction characters (such as U+202E): they make a name show "
                "differently from what it holds."
            ),
            code="bidi_control",
        )
