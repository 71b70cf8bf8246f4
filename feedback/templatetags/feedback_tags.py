"""`{% case_feedback case %}` for the case page, which lives in offboarding and so cannot import feedback."""

from __future__ import annotations

from typing import Any

from django import template

from feedback import formatting
from feedback.selectors import case_feedback as case_feedback_selector
from offboarding.models import DepartureCase

register = template.Library()


@register.inclusion_tag("feedback/_case_feedback.html")
def case_feedback(case: DepartureCase) -> dict[str, Any]:
    return {"case": case, "feedback": case_feedback_selector(case)}


register.filter("percent", formatting.percent)
register.filter("days", formatting.days)
register.filter("one_decimal", formatting.one_decimal)
