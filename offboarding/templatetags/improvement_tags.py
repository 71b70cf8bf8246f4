"""`{% apology_improvements case %}` for the apology step and `{% my_improvements %}` for My work.

Inclusion tags, so the case page and My work (whose views others are reworking) only include them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from clients.roles import is_manager
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
    user = context["request"].user
    return {
        "improvements": selectors.improvements_owned_by(user, today=today),
        "today": today,
        # The managers' navigation has no room left at desktop widths: their way in is here.
        "show_list_link": is_manager(user),
    }
