"""`{{ amount|money:currency }}` and `{{ change|signed_money:currency }}`: money written as clients.formatting does."""

from __future__ import annotations

from decimal import Decimal

from django import template

from clients import formatting

register = template.Library()


@register.filter
def money(amount: Decimal | float | None, currency: str) -> str:
    return formatting.money(amount, currency)


@register.filter
def signed_money(amount: Decimal | float | None, currency: str) -> str:
    return formatting.money(amount, currency, signed=True)
