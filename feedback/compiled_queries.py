"""Queries the ORM builds and compiles once, then runs with each request's values.

The dashboard runs a dozen aggregate queries whose SQL depends only on which
filters are set, never on their values. Building and compiling them cost
Django about 15 ms a page, a third of what PostgreSQL spent answering them at
10,000 cases (`make bench-dashboard`). A `CompiledQuery` is written as an
ordinary queryset, built from `Param` placeholders instead of values; it is
compiled on first use for each *shape* (the set of values given, i.e. not
empty), and later runs put their values where the placeholders are. The rows
are converted exactly as the queryset's own would be.

The builder must depend on its placeholders only through whether a value is
given (`if segment:`), as filters do: that is what the shape captures. The
compiled SQL is kept for the life of the process, per database alias and per
active time zone, which Django writes into date truncations; it holds no
connection, so every thread of a server shares it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, QuerySet, Value
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone


class Param(Expression):
    """A named placeholder, filled with a value of `output_field` at each run."""

    contains_aggregate = False

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return "%s", [self]  # the parameter list carries the placeholder itself, replaced at each run

    def get_group_by_cols(self) -> list[Any]:
        return []  # a value, like Value(): never grouped by

    def prepared(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        """The value as a lookup on the field would send it (a date as SQLite's text, say)."""
        return self.output_field.get_db_prep_value(value, connection, prepared=False)


def totals(queryset: QuerySet[Any, Any], **aggregates: Any) -> QuerySet[Any, Any]:
    """`queryset.aggregate(**aggregates)` as a values() queryset, which can be compiled: one row, always.

    Grouped by a constant only, which Django leaves out of GROUP BY, the aggregates cover every row
    of the queryset and give their empty values (0, None) when it has none.
    """
    return queryset.order_by().annotate(totals=Value(True)).values("totals").annotate(**aggregates)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    query: Query
    select: list[Any]  # the compiler's select list, whose converters the rows go through


class CompiledQuery:
    """A values() queryset from `build(**placeholders)`, compiled once per shape, run with given values."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **fields: Field[Any, Any]) -> None:
        self.build = build
        self.fields = fields
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def rows(self, values: Mapping[str, Any], using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
        connection = connections[using]
        compiled = self._compiled_for(connection, values)
        params = [
            param.prepared(values[param.name], connection) if isinstance(param, Param) else param
            for param in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        # Converted as the queryset's own compiler converts them, from the select list compiled once.
        compiler = compiled.query.get_compiler(connection=connection)
        compiler.select, compiler.col_count = compiled.select, len(compiled.select)
        converted = compiler.results_iter(results=[[row[: compiler.col_count] for row in fetched]])
        return [dict(zip(compiled.names, row, strict=True)) for row in converted]

    def _compiled_for(self, connection: BaseDatabaseWrapper, values: Mapping[str, Any]) -> _Compiled:
        if values.keys() != self.fields.keys():
            raise TypeError(f"expected values for {sorted(self.fields)}, got {sorted(values)}")
        given = frozenset(name for name, value in values.items() if value)
        key = (connection.alias, timezone.get_current_timezone_name(), given)
        compiled = self._compiled.get(key)
        if compiled is None:  # two threads may both compile it: the same SQL either way
            placeholders = {
                name: Param(name, field) if name in given else values[name] for name, field in self.fields.items()
            }
            compiled = self._compiled[key] = self._compile(connection, placeholders)
        return compiled

    def _compile(self, connection: BaseDatabaseWrapper, placeholders: dict[str, Any]) -> _Compiled:
        query = self.build(**placeholders).query
        compiler: SQLCompiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        # Column names as values() gives them (django.db.models.query.ValuesIterable).
        names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
        return _Compiled(sql=sql, params=tuple(params), names=names, query=query, select=list(compiler.select))
