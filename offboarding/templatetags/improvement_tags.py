"""`{% apology_improvements case %}` for the apology step and `{% my_improvements %}` for My work.

Inclusion tags, so the case page and My work (whose views others are reworking) only include them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from offboarding.forms.improvements import ImprovementAttachForm
from offboarding.models import DepartureCase
from offboarding.selectors import improvements as selectors

register = template.Library()


@register.inclusion_tag("offboarding/_apology_improvements.html")
def apology_improvements(case: DepartureCase) -> dict[str, Any]:
    attachable = selectors.improvements_to_attach(case)
    return {
        "case": case,
        "links": selectors.improvements_of_case(case),
        "attach_form": ImprovementAttachForm(improvements=attachable),
        "can_attach": attachable.exists(),
        "today": timezone.localdate(),
    }


@register.inclusion_tag("offboarding/_my_improvements.html", takes_context=True)
def my_improvements(context: template.Context) -> dict[str, Any]:
    today = timezone.localdate()
    return {"improvements": selectors.improvements_owned_by(context["request"].user, today=today), "today": today}
