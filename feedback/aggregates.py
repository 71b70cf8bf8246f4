from __future__ import annotations

import statistics
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, DurationField, Expression
from django.db.models.sql.compiler import SQLCompiler


class Median(Aggregate):
    """PostgreSQL's continuous median; on intervals it returns an interval (a timedelta)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Expression | str, **extra: Any) -> None:
        super().__init__(expression, output_field=DurationField(), **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any) -> Any:
        # The embedded SQLite of `make run` has no PERCENTILE_CONT: it uses the
        # MEDIAN aggregate registered on each connection (feedback.apps).
        median = self.copy()
        median.function = "MEDIAN"
        median.template = "%(function)s(%(expressions)s)"
        return median.as_sql(compiler, connection, **extra_context)


class SqliteMedian:
    """MEDIAN(x) for SQLite, interpolating an even count like PERCENTILE_CONT(0.5)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None
