"""`{{ case.status|case_status_badge }}`: a departure case's status as a coloured badge, the same on every page."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clients.formatting import status_badge
from offboarding.models import DepartureCase

register = template.Library()

COLOURS: dict[str, str] = {
    DepartureCase.Status.OPEN: "text-bg-warning",
    DepartureCase.Status.SAVED: "text-bg-success",
    DepartureCase.Status.DEPARTED: "text-bg-secondary",
    DepartureCase.Status.WON_BACK: "text-bg-primary",
}


@register.filter
def case_status_badge(status: str) -> SafeString | str:
    """Nothing for a status the case model does not know."""
    if status not in DepartureCase.Status.values:
        return ""
    return status_badge(status, str(DepartureCase.Status(status).label), COLOURS, default="text-bg-secondary")
