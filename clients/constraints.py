"""Database constraints whose refusal names the field it is about.

A model rule over a row (a leave date not before the notice, an email no other client has) is a
constraint with its message (`violation_error_message`) and code: PostgreSQL holds it for every
write, and `full_clean()` checks it with the same words, in the services and in a ModelForm
alike. Django reports a failed constraint as an error of the whole row, so a form would show it
above its fields; these say which field, so the message appears next to it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models


class _OnField(models.BaseConstraint):
    # Which field a refusal is about is Django's business, not PostgreSQL's: changing it alters no table.
    non_db_attrs = ("violation_error_code", "violation_error_message", "field")

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        self.field = field
        super().__init__(*args, **kwargs)

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: str = DEFAULT_DB_ALIAS) -> None:
        try:
            super().validate(model, instance, exclude=exclude, using=using)  # type: ignore[misc]  # not in the stubs
        except ValidationError as error:
            raise ValidationError({self.field: error}) from None

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "field": self.field}

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.field == getattr(other, "field", None)


class CheckConstraintOn(_OnField, models.CheckConstraint):
    """A CheckConstraint whose refusal is an error of `field`."""


class UniqueConstraintOn(_OnField, models.UniqueConstraint):
    """A UniqueConstraint whose refusal is an error of `field` (Django does so only for one plain field)."""
