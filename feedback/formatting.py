"""How the dashboard writes its numbers, shared by the page model and the template filters."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.formatting import money


def count(value: int) -> str:
    """A whole number grouped as the reader's language groups it: 1,234 in English, 1.234 in German."""
    return number_format(value, force_grouping=True)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value):
        return ngettext("%(days)s day", "%(days)s days", int(value)) % {"days": f"{value:.0f}"}
    return _("%(days)s days") % {"days": f"{value:.1f}"}


def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def measure(value: Any, attribute: str, currency: str) -> str:
    """One cell of a breakdown table, written for its kind of number (`attribute` of a BreakdownRow)."""
    if attribute == "save_rate":
        return percent(value)
    if attribute == "revenue":
        return money(value, currency)
    return count(value)
