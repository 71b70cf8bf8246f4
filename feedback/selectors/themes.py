"""Recurring themes: the words and two-word phrases that recur most in clients' own words, per reason.

Clients' own words are the probe step's "in the client's own words", named survey answers'
comments and feedback staff recorded (not the apology step's notes: those are ours). Each theme
counts the cases whose texts mention it, and shows only once it recurs (two cases or more).

On PostgreSQL the counting happens in the database, from the texts' search vectors
('simple' configuration, as the search): a phrase is two words at neighbouring positions of one
text, and a word that is a stop word in any language the product ships ("the", "und", "les")
is no theme. On SQLite (`make run`) a plain fallback counts single words of four letters or more
in Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.case_lists import narrowed_cases
from feedback.selectors.client_words import SEARCH_CONFIG, WordsFilter
from offboarding.models import ChurnReason, DepartureCase, ProbeStep

THEMES_PER_REASON = 8
MIN_CASES = 2  # a theme recurs: one case's words alone are an anecdote

# PostgreSQL's text search configuration of each language the product ships, for its stop words.
STOP_WORD_CONFIGS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "nl": "dutch"}


@dataclass(frozen=True)
class Theme:
    term: str
    cases: int


@dataclass(frozen=True)
class ReasonThemes:
    reason: str
    themes: list[Theme]


def recurring_themes(words_filter: WordsFilter) -> list[ReasonThemes]:
    """The filter's recurring themes, per primary reason in the reason list's order (no reason last)."""
    rows = _themes_postgresql(words_filter) if connection.vendor == "postgresql" else _themes_fallback(words_filter)
    by_reason: dict[str, list[Theme]] = {}
    for label, term, cases in rows:
        by_reason.setdefault(label or _("No reason recorded"), []).append(Theme(term=term, cases=cases))
    return [ReasonThemes(reason=reason, themes=themes) for reason, themes in by_reason.items()]


def _stop_word_configs() -> list[str]:
    languages = {code.split("-")[0] for code, _name in settings.LANGUAGES}
    return sorted(STOP_WORD_CONFIGS[language] for language in languages if language in STOP_WORD_CONFIGS)


def _picked_cases(words_filter: WordsFilter) -> tuple[str, list[object]]:
    """The WHERE clause of the filter's cases (`c`) and their probe steps (`p`), as narrowed_cases() picks them."""
    dashboard, drilldown = words_filter.dashboard, words_filter.drilldown
    conditions = ["c.notice_received_on BETWEEN %s AND %s"]
    params: list[object] = [dashboard.start, dashboard.end]
    narrowing: list[tuple[str, object]] = [
        ("c.account_manager_id = %s", dashboard.account_manager_id),
        ("c.segment = %s", dashboard.segment),
        ("p.primary_reason_id = %s", drilldown.reason_id),
        ("p.competitor = %s", drilldown.competitor),
    ]
    for condition, value in narrowing:
        if value:
            conditions.append(condition)
            params.append(value)
    return " AND ".join(conditions), params


def _texts_sql() -> str:
    """Every text of the picked cases' clients' own words, one row each."""
    probe, survey, recorded = ProbeStep._meta.db_table, SurveyAnswer._meta.db_table, RecordedFeedback._meta.db_table
    # Table and column names from the models and this module; no value is written into the SQL.
    selects = [(probe, "client_words", "")]
    selects += [(survey, field, "WHERE NOT t.is_anonymous") for field in ("could_do_better", "did_well")]
    selects += [(recorded, field, "") for field in ("what_they_said", "could_do_better", "did_well")]
    return " UNION ALL ".join(
        f"SELECT picked.case_id, picked.reason_id, t.{field} AS body FROM picked JOIN {table} t USING (case_id) {where}"  # noqa: S608
        for table, field, where in selects
    )


def _themes_sql(where: str) -> str:
    cases, probe, reasons = DepartureCase._meta.db_table, ProbeStep._meta.db_table, ChurnReason._meta.db_table
    no_stop_word = " AND ".join(f"length(to_tsvector('{config}', w.lexeme)) > 0" for config in _stop_word_configs())
    return f"""
    WITH picked AS (
        SELECT c.id AS case_id, p.primary_reason_id AS reason_id
        FROM {cases} c JOIN {probe} p ON p.case_id = c.id WHERE {where}
    ), texts AS (
        SELECT row_number() OVER () AS text_id, case_id, reason_id, body
        FROM ({_texts_sql()}) AS bodies WHERE body <> ''
    ), words AS (
        SELECT t.text_id, t.case_id, t.reason_id, w.lexeme, position
        FROM texts t,
             unnest(to_tsvector('{SEARCH_CONFIG}', t.body)) AS w(lexeme, positions, weights),
             unnest(w.positions) AS position
        WHERE char_length(w.lexeme) >= 3 AND w.lexeme !~ '^[0-9]+$' AND {no_stop_word or "TRUE"}
    ), terms AS (
        SELECT case_id, reason_id, lexeme AS term FROM words
        UNION ALL
        SELECT a.case_id, a.reason_id, a.lexeme || ' ' || b.lexeme
        FROM words a JOIN words b ON b.text_id = a.text_id AND b.position = a.position + 1
    ), counted AS (
        SELECT reason_id, term, count(DISTINCT case_id) AS cases,
               row_number() OVER (PARTITION BY reason_id ORDER BY count(DISTINCT case_id) DESC, term) AS place
        FROM terms GROUP BY reason_id, term HAVING count(DISTINCT case_id) >= %s
    )
    SELECT r.label, counted.term, counted.cases
    FROM counted LEFT JOIN {reasons} r ON r.id = counted.reason_id
    WHERE counted.place <= %s
    ORDER BY r.id IS NULL, r.sort_order, r.label, counted.cases DESC, counted.term
    """  # noqa: S608 - table names from the models, stop word configurations from a fixed list; values are params


def _themes_postgresql(words_filter: WordsFilter) -> list[tuple[str | None, str, int]]:
    where, params = _picked_cases(words_filter)
    with connection.cursor() as cursor:
        cursor.execute(_themes_sql(where), [*params, MIN_CASES, THEMES_PER_REASON])  # type: ignore[list-item]
        return list(cursor.fetchall())


def _themes_fallback(words_filter: WordsFilter) -> list[tuple[str | None, str, int]]:
    """SQLite's plain count: single words of four letters or more, counted per case in Python."""
    cases = narrowed_cases(words_filter.dashboard, words_filter.drilldown)
    case_reasons = dict(cases.values_list("pk", "probe__primary_reason__label"))
    mentions: dict[str | None, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for case_id, body in _fallback_texts(cases):
        for word in set(re.findall(r"\w{4,}", body.lower())):
            mentions[case_reasons.get(case_id)][word].add(case_id)
    order = {label: place for place, label in enumerate(ChurnReason.objects.values_list("label", flat=True))}
    rows = []
    for label in sorted(mentions, key=lambda label: order.get(label, len(order)) if label else len(order) + 1):
        counted = sorted(((len(ids), word) for word, ids in mentions[label].items()), key=lambda c: (-c[0], c[1]))
        rows += [(label, word, cases) for cases, word in counted if cases >= MIN_CASES][:THEMES_PER_REASON]
    return rows


def _fallback_texts(cases: object) -> list[tuple[int, str]]:
    texts = list(ProbeStep.objects.filter(case__in=cases).values_list("case_id", "client_words"))
    for field in ("could_do_better", "did_well"):
        texts += SurveyAnswer.objects.filter(case__in=cases, is_anonymous=False).values_list("case_id", field)
    for field in ("what_they_said", "could_do_better", "did_well"):
        texts += RecordedFeedback.objects.filter(case__in=cases).values_list("case_id", field)
    return texts
