"""The label of a field's chosen value, translated once per call rather than once per choice.

Django's own `get_FOO_display()` builds a dict of every choice on each call, and building it
hashes every label: a lazily translated label is translated to be hashed. A list of fifty
follow-ups showing the kind of each (nine kinds) thus translated some five hundred labels to
show fifty. A model sets `get_FOO_display = choice_display("FOO")` in its class body, which
Django leaves in place (it only adds the method when the class does not define it), and every
template and service calling `get_FOO_display` gets the same label as before.

Django adds the method to each concrete class, so a field declared on an abstract model needs
the line in each concrete subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.encoding import force_str


def choice_display(field_name: str) -> Callable[[models.Model], Any]:
    labels: dict[Any, Any] = {}

    def get_display(instance: models.Model) -> Any:
        if not labels:
            labels.update(instance._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]
        value = getattr(instance, field_name)
        # As Django's: an unknown value shows as itself, and a lazy label becomes a str.
        return force_str(labels.get(value, value), strings_only=True)

    get_display.__name__ = f"get_{field_name}_display"
    return get_display
