"""Where a save stands today, for the case page's note and the watch list (the rule: DepartureCase.save_state)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from offboarding.models import DepartureCase

register = template.Library()


@register.filter
def save_state(case: DepartureCase) -> str:
    """`{{ case|save_state }}`: watching, kept or relapsed for a saved case, empty for any other."""
    return case.save_state(timezone.localdate())


@register.filter
def watch_days_left(case: DepartureCase) -> int | None:
    """`{{ case|watch_days_left }}`: days until a watched save counts as kept."""
    return case.watch_days_left(timezone.localdate())
