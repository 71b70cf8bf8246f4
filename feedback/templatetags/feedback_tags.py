"""`{% case_feedback case %}` for the case page, which lives in offboarding and so cannot import feedback."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from feedback import formatting
from feedback.selectors.surveys import case_feedback as case_feedback_selector
from offboarding.models import DepartureCase

register = template.Library()


@register.inclusion_tag("feedback/_case_feedback.html")
def case_feedback(case: DepartureCase) -> dict[str, Any]:
    return {"case": case, "feedback": case_feedback_selector(case)}


register.filter("percent", formatting.percent)
register.filter("days", formatting.days)
register.filter("one_decimal", formatting.one_decimal)


@register.filter
def chart_data(value: Any, element_id: str) -> SafeString:
    """`json_script` for the dashboard's chart data, with the same output.

    json_script escapes <, > and & with str.translate, which walks the string a character at a
    time; the dashboard's charts carry about 30 KB of labels and links, so that cost about 2 ms a
    page. Three str.replace calls do the same in C.
    """
    text = json.dumps(value, cls=DjangoJSONEncoder)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))  # noqa: S308
