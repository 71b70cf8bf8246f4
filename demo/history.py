"""Years of history for `seed_demo --history N`: closed cases long before the generated ones, written in SQL.

Whether the dashboard costs what the period it shows costs, rather than what the
whole history costs, shows only on a database with years of history behind the
last twelve months. Generating 900,000 cases in Python takes a quarter of an
hour; this copies the closed cases already in the database inside PostgreSQL
instead: copy k of a case has every date moved back by k times the span the
cases cover, so copies never overlap each other or the originals, and the recent
months stay exactly as they were. A copy carries what the dashboard reads: the
case, its six steps, its sent survey invitations and their answers (anonymous
answers are copied once per copy of the whole set).

PostgreSQL only; the bulk generator (demo/bulk.py) fills the recent years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, models, transaction

from feedback.models import SurveyAnswer
from offboarding.models import DepartureCase, FollowUp
from offboarding.services.cases import STEP_MODELS


@dataclass(frozen=True)
class HistoryResult:
    cases: int
    copies: int
    span_days: int
    oldest_notice: date | None


def history_add(*, cases: int, today: date) -> HistoryResult:
    """Add `cases` closed cases (with what the dashboard reads about them) before the oldest existing case."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("History is written in PostgreSQL's SQL.")
    originals = DepartureCase.objects.exclude(status=DepartureCase.Status.OPEN)
    oldest = originals.order_by("notice_received_on").values_list("notice_received_on", flat=True).first()
    if cases <= 0 or oldest is None:
        return HistoryResult(cases=0, copies=0, span_days=0, oldest_notice=oldest)
    # Survey invitations fall due a week after leaving; a week's margin keeps copies apart.
    span = (today - oldest).days + 8
    copies = -(-cases // originals.count())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _skip_reference_checks(cursor)
        _map_cases(cursor, cases=cases, copies=copies)
        _copy_cases(cursor, span)
        _map_follow_ups(cursor)
        _copy_follow_ups(cursor, span)
        _copy_answers(cursor, span, copies)
    first = DepartureCase.objects.order_by("notice_received_on").values_list("notice_received_on", flat=True).first()
    return HistoryResult(cases=cases, copies=copies, span_days=span, oldest_notice=first)


def _skip_reference_checks(cursor: Any) -> None:
    """Switch off the foreign-key checks for this transaction, when allowed: it halves the time.

    Every copy refers to rows that exist (the originals' clients, users and reasons, and copies
    made earlier in the same transaction); the app defines no triggers of its own. Only a
    superuser may do this; anyone else gets the checks.
    """
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _next_id(model: type[models.Model]) -> str:
    return f"nextval(pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}'))"


def _map_cases(cursor: Any, *, cases: int, copies: int) -> None:
    """history_case: (original id, copy number, new id), copy 1 of every closed case first."""
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE history_case ON COMMIT DROP AS
        SELECT old_id, copy, {_next_id(DepartureCase)} AS new_id
        FROM (
            SELECT c.id AS old_id, k.copy
            FROM {_table(DepartureCase)} c CROSS JOIN generate_series(1, %s) AS k(copy)
            WHERE c.status <> 'open'
            ORDER BY k.copy, c.id
            LIMIT %s
        ) AS wanted
        """,  # noqa: S608 (names from the models, numbers as parameters)
        [copies, cases],
    )
    cursor.execute("CREATE INDEX ON history_case (old_id)")
    cursor.execute("ANALYZE history_case")


def _map_follow_ups(cursor: Any) -> None:
    """history_follow_up: the sent survey invitations of the copied cases, with new ids."""
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE history_follow_up ON COMMIT DROP AS
        SELECT f.id AS old_id, m.copy, m.new_id AS new_case_id, {_next_id(FollowUp)} AS new_id
        FROM history_case m JOIN {_table(FollowUp)} f ON f.case_id = m.old_id
        WHERE f.kind = %s AND f.status = %s
        """,  # noqa: S608 (names from the models, values as parameters)
        [FollowUp.Kind.SURVEY, FollowUp.Status.SENT],
    )
    cursor.execute("CREATE INDEX ON history_follow_up (old_id)")
    cursor.execute("ANALYZE history_follow_up")


def _copy(cursor: Any, model: type[models.Model], source: str, span: int, **columns: str) -> None:
    """INSERT ... SELECT every column of `model` from `source` (alias t), dates moved back by m.copy spans.

    `columns` replaces a column's expression; a primary key not named there is left to its sequence.
    """
    names, values = [], []
    for field in model._meta.concrete_fields:
        expression = columns.get(field.column) or _moved_back(field, span)
        if expression is None:
            continue
        names.append(connection.ops.quote_name(field.column))
        values.append(expression)
    # Names come from the models, expressions from this module: no outside input.
    insert = f"INSERT INTO {_table(model)} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"  # noqa: S608
    cursor.execute(insert)


def _moved_back(field: models.Field[Any, Any], span: int) -> str | None:
    column = f"t.{connection.ops.quote_name(field.column)}"
    if field.primary_key:
        return None
    if isinstance(field, models.DateTimeField):  # before DateField: a DateTimeField is one
        return f"{column} - make_interval(days => m.copy * {span})"
    if isinstance(field, models.DateField):
        return f"{column} - m.copy * {span}"
    return column


def _copy_cases(cursor: Any, span: int) -> None:
    source = f"history_case m JOIN {_table(DepartureCase)} t ON t.id = m.old_id"
    _copy(cursor, DepartureCase, source, span, id="m.new_id")
    for step in STEP_MODELS:
        _copy(cursor, step, f"history_case m JOIN {_table(step)} t ON t.case_id = m.old_id", span, case_id="m.new_id")


def _copy_follow_ups(cursor: Any, span: int) -> None:
    source = f"history_follow_up m JOIN {_table(FollowUp)} t ON t.id = m.old_id"
    _copy(
        cursor,
        FollowUp,
        source,
        span,
        id="m.new_id",
        case_id="m.new_case_id",
        key="'history-' || m.new_id",
        message_id="'<history-' || m.new_id || '@bulk.example>'",
    )


def _copy_answers(cursor: Any, span: int, copies: int) -> None:
    month = f"date_trunc('month', t.month - m.copy * {span})::date"
    identified = f"history_follow_up m JOIN {_table(SurveyAnswer)} t ON t.follow_up_id = m.old_id"
    new_links = {"id": "gen_random_uuid()", "month": month, "case_id": "m.new_case_id", "follow_up_id": "m.new_id"}
    _copy(cursor, SurveyAnswer, identified, span, **new_links)
    anonymous = f"{_table(SurveyAnswer)} t CROSS JOIN generate_series(1, {int(copies)}) AS m(copy) WHERE t.is_anonymous"
    _copy(cursor, SurveyAnswer, anonymous, span, id="gen_random_uuid()", month=month)
