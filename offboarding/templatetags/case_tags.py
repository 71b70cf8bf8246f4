"""A case's status and a step's as coloured badges, the same on every page.

`{{ case.status|case_status_badge }}`, `{{ step.status|step_status_badge }}`.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clients.formatting import status_badge
from offboarding.models import CaseStep, DepartureCase

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


STEP_COLOURS: dict[str, str] = {
    CaseStep.Status.DONE: "text-bg-success",
    CaseStep.Status.SKIPPED: "text-bg-secondary",
}


@register.filter
def step_status_badge(status: str) -> SafeString:
    """Done in green, skipped in grey, anything else still to do (a light badge)."""
    label = CaseStep.Status(status).label if status in CaseStep.Status.values else CaseStep.Status.PENDING.label
    return status_badge(status, str(label), STEP_COLOURS, default="text-bg-light border")
