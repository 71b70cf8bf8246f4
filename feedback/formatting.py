"""How the dashboard writes its numbers, shared by the page model and the template filters."""

from __future__ import annotations

from typing import Any

from clients.formatting import money


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value):
        return f"{value:.0f} day" if value == 1 else f"{value:.0f} days"
    return f"{value:.1f} days"


def count(value: int, noun: str) -> str:
    """`1 answer`, `3 answers`: a count with its noun (every noun on the dashboard takes an s)."""
    return f"{value:,} {noun}" if value == 1 else f"{value:,} {noun}s"


def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def measure(value: Any, attribute: str, currency: str) -> str:
    """One cell of a breakdown table, written for its kind of number (`attribute` of a BreakdownRow)."""
    if attribute == "save_rate":
        return percent(value)
    if attribute == "revenue":
        return money(value, currency)
    return f"{value:,}"
