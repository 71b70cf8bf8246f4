"""The client CSV format, shared by the import and the export so an export can be imported again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


@dataclass(frozen=True)
class CsvColumn:
    name: str
    required: bool
    description: _StrOrPromise


CSV_COLUMNS = (
    CsvColumn("company_name", True, _("Company name.")),
    CsvColumn("contact_name", True, _("Primary contact's name.")),
    CsvColumn("contact_email", True, _("Primary contact's email; unique across all clients, ignoring case.")),
    CsvColumn("contact_phone", False, _("Primary contact's phone.")),
    CsvColumn("account_manager", True, _('Username of the account manager (a member of "Account managers").')),
    CsvColumn("segment", False, _("Segment or service line.")),
    CsvColumn("monthly_value", False, _("Monthly recurring value, e.g. 1500.00; 0 or more. Empty means 0.")),
    CsvColumn("currency", False, _("Three-letter currency code, e.g. EUR. Empty means the business's currency.")),
    CsvColumn("contract_start", False, _("Contract start date as YYYY-MM-DD.")),
    CsvColumn("contract_end", False, _("Contract end (renewal) date as YYYY-MM-DD; not before the start.")),
    CsvColumn("time_zone", False, _("Time zone such as Europe/Berlin. Empty means the business's time zone.")),
    CsvColumn(
        "language",
        False,
        _(
            "Preferred language of their emails: en-gb, de, fr, es or nl. Empty means the business's language. "
            "Dates in the file are always YYYY-MM-DD and amounts 1500.00, whatever the language."
        ),
    ),
    CsvColumn(
        "keep_in_touch_consent",
        False,
        _("Whether we may keep in touch: yes or no (also true/false, 1/0). Empty means the client was not asked."),
    ),
    CsvColumn(
        "status",
        False,
        _(
            "The export writes the client's status (active, departing, departed or returned). The import adds active "
            "clients only, so the cell must be active or empty: a status follows the client's departure cases."
        ),
    ),
    CsvColumn("notes", False, _("Free text.")),
    CsvColumn(
        "referred_by",
        False,
        _("Contact email of the client who referred them, if one did: a client already in the app."),
    ),
)
CSV_HEADER = tuple(column.name for column in CSV_COLUMNS)
REQUIRED_COLUMNS = frozenset(column.name for column in CSV_COLUMNS if column.required)

_ANSWERS = {
    **dict.fromkeys(("yes", "y", "true", "1"), "yes"),
    **dict.fromkeys(("no", "n", "false", "0"), "no"),
    "": "not_asked",
}


def format_consent(answer: str) -> str:
    """The keep-in-touch answer as the CSV writes it: yes, no, or empty when the client was not asked."""
    return {"yes": "yes", "no": "no"}.get(answer, "")


def parse_consent(text: str) -> str | None:
    """The keep-in-touch answer of a cell (empty: not asked), None when the cell is none of these."""
    return _ANSWERS.get(text.strip().lower())
