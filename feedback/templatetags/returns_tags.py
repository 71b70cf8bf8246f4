"""`{% returns_by_cause period currency %}`: the dashboard's win-backs by what brought them back."""

from __future__ import annotations

from typing import Any

from django import template

from feedback.selectors.filters import DashboardFilter
from feedback.selectors.returns import returns_by_cause as returns_by_cause_selector

register = template.Library()


@register.inclusion_tag("feedback/_returns_by_cause.html")
def returns_by_cause(period: DashboardFilter, currency: str) -> dict[str, Any]:
    return {"rows": returns_by_cause_selector(period), "currency": currency}
