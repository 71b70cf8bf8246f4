"""How the product writes money and people, on every page, form, email and timeline entry.

Money: `4,800.00 EUR`, and `-300.00 EUR` for a change. Django's number formatting groups the
thousands, so the separators follow the active language's formats once the pages are localised.
A person: their full name, or their username when no name was entered. A status: a coloured
badge, its colour looked up by its value in the mapping of the thing it is the status of.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

CENT = Decimal("0.01")


def money(amount: Decimal | float | None, currency: str, *, signed: bool = False) -> str:
    """An amount with two decimals and its currency code; `signed` adds + to a rise, as for an offer's effect."""
    if amount is None:
        return "—"
    # number_format cuts extra decimals off; round them as an invoice would.
    rounded = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    number = number_format(rounded, decimal_pos=2, force_grouping=True)
    sign = "+" if signed and rounded > 0 else ""
    return f"{sign}{number} {currency}"


def display_name(user: User) -> str:
    """A person as every page, email and timeline entry names them (the `display_name` template filter)."""
    return user.get_full_name() or user.get_username()


def status_badge(status: str, label: str, colours: dict[str, str], *, default: str, pill: bool = False) -> SafeString:
    """A status as a badge: `colours` maps each status value to its Bootstrap class, `default` the rest."""
    shape = "badge rounded-pill" if pill else "badge"
    return format_html('<span class="{} {}">{}</span>', shape, colours.get(status, default), label)
