from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, DurationField, Expression


class Median(Aggregate):
    """PostgreSQL's continuous median; on intervals it returns an interval (a timedelta)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Expression | str, **extra: Any) -> None:
        super().__init__(expression, output_field=DurationField(), **extra)
