"""`{{ user|display_name }}`: a person named as clients.formatting.display_name names them."""

from __future__ import annotations

from typing import Any

from django import template

from clients import formatting

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    """Empty for no one (an event without an actor, a step nobody closed), so `|default:` can say who instead."""
    return formatting.display_name(user) if user else ""
