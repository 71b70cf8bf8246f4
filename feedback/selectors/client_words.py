"""What clients said: every free text they gave, searchable, for the managers' "What clients said" page.

The texts are the probe step's "in the client's own words", the apology step's notes, named
survey answers' comments and feedback staff recorded; each hit belongs to a case. Anonymous
survey comments are read separately: never beside a case or client, and only where the
dashboard would show the anonymous answers they belong to (_shown_anonymous_answers).

PostgreSQL searches with its text search ('simple' configuration: clients write in their own
languages, so no one language's stemming applies; every word of the query matches as a
prefix, so "price" finds "prices") and ranks the hits; SQLite (`make run`) matches each word as
a plain case-insensitive substring, unranked. text_matching() is the one place that chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, FloatField, Model, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.case_lists import CaseDrilldown, narrowed_cases
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.surveys import anonymous_segments_shown
from offboarding.models import ApologyStep, DepartureCase, ProbeStep

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

# The text search configuration of every search vector, and of the index on the probe step's words.
SEARCH_CONFIG = "simple"
MAX_QUERY_WORDS = 10


@dataclass(frozen=True)
class WordsFilter:
    """The dashboard's filter, narrowed by reason and competitor, and the words searched for."""

    dashboard: DashboardFilter
    reason: str = ""  # a ChurnReason id: the case's primary reason
    competitor: str = ""
    query: str = ""

    @property
    def drilldown(self) -> CaseDrilldown:
        return CaseDrilldown(reason=self.reason, competitor=self.competitor)

    @property
    def words(self) -> list[str]:
        return query_words(self.query)

    @property
    def narrower_than_anonymous_answers(self) -> bool:
        """Whether the filter picks by something an anonymous answer does not keep (only its month and segment).

        The dashboard leaves anonymous answers out while an account manager is chosen; it has no
        reason or competitor filter for them at all. Here, as there, they are then left out.
        """
        return bool(self.dashboard.account_manager_id or self.reason or self.competitor)


def query_words(query: str) -> list[str]:
    """The words of a search, lowercased; punctuation (and with it any text search operator) dropped."""
    return [word.lower() for word in re.findall(r"\w+", query)][:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class TextSource:
    """One free-text field clients' words are kept in."""

    key: str
    label: _StrOrPromise
    model: type[Model]
    field: str
    case_path: str  # from the model to its case id


TEXT_SOURCES = [
    TextSource("probe", _("Probe: in the client's own words"), ProbeStep, "client_words", "case_id"),
    TextSource("apology_said", _("Apology: what we said"), ApologyStep, "what_we_said", "case_id"),
    TextSource("apology_change", _("Apology: what will change"), ApologyStep, "what_will_change", "case_id"),
    TextSource(
        "survey_better", _("Survey: what we could have done better"), SurveyAnswer, "could_do_better", "case_id"
    ),
    TextSource("survey_well", _("Survey: what we did well"), SurveyAnswer, "did_well", "case_id"),
    TextSource("feedback_said", _("Recorded feedback: what they said"), RecordedFeedback, "what_they_said", "case_id"),
    TextSource(
        "feedback_better",
        _("Recorded feedback: what we could have done better"),
        RecordedFeedback,
        "could_do_better",
        "case_id",
    ),
    TextSource("feedback_well", _("Recorded feedback: what we did well"), RecordedFeedback, "did_well", "case_id"),
]
SOURCE_LABELS = {source.key: source.label for source in TEXT_SOURCES}
ANONYMOUS_SOURCES = {
    "could_do_better": pgettext_lazy("anonymous survey comment", "What we could have done better"),
    "did_well": pgettext_lazy("anonymous survey comment", "What we did well"),
}


def text_matching(texts: QuerySet[Model], field: str, words: list[str]) -> QuerySet[Model]:
    """`texts` whose `field` holds every one of `words`, annotated with `rank` (higher is better).

    Without words every non-empty text matches, ranked alike.
    """
    texts = texts.exclude(**{field: ""})
    if not words:
        return texts.annotate(rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), config=SEARCH_CONFIG, search_type="raw")
        # Matching on the vector itself (`@@`) lets PostgreSQL use the GIN index where there is one.
        matched = texts.annotate(search=SearchVector(field, config=SEARCH_CONFIG)).filter(search=query)
        return matched.annotate(rank=SearchRank(F("search"), query))
    matching = Q()
    for word in words:
        matching &= Q(**{f"{field}__icontains": word})
    return texts.filter(matching).annotate(rank=Value(0.0, output_field=FloatField()))


@dataclass
class Hit:
    source: str
    case_id: int
    text: str
    rank: float
    case: DepartureCase | None = None  # filled in for the page shown

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def _source_texts(source: TextSource, cases: QuerySet[DepartureCase, Any], words: list[str]) -> QuerySet[Model]:
    texts = source.model._default_manager.filter(case__in=cases)
    if source.model is SurveyAnswer:
        texts = texts.filter(is_anonymous=False)
    return (
        text_matching(texts, source.field, words)
        .annotate(source=Value(source.key), text=F(source.field), notice=F("case__notice_received_on"))
        .values_list("source", source.case_path, "text", "rank", "notice")
        .order_by()
    )


def client_word_hits(words_filter: WordsFilter) -> QuerySet[Model]:
    """Every named text of the filter's cases matching its words, best first: rows for hits_from().

    One query for all the sources (a UNION), so a page of hits is one query and its count another.
    """
    cases = narrowed_cases(words_filter.dashboard, words_filter.drilldown).values("pk")
    first, *others = [_source_texts(source, cases, words_filter.words) for source in TEXT_SOURCES]
    return first.union(*others, all=True).order_by("-rank", "-notice", "-case_id", "source")


def hits_from(rows: list[tuple[str, int, str, float, object]]) -> list[Hit]:
    """Hits of one page of rows, with their cases (client, owner, reason) fetched in one query."""
    hits = [Hit(source=source, case_id=case_id, text=text, rank=rank) for source, case_id, text, rank, _ in rows]
    cases = DepartureCase.objects.select_related("client", "account_manager", "probe__primary_reason").in_bulk(
        {hit.case_id for hit in hits}
    )
    for hit in hits:
        hit.case = cases.get(hit.case_id)
    return hits


@dataclass(frozen=True)
class AnonymousComment:
    label: str
    text: str


@dataclass(frozen=True)
class AnonymousComments:
    """The anonymous survey comments a filter may show, or why none are shown."""

    shown: bool
    left_out_by_filter: bool
    comments: list[AnonymousComment]
    more: int  # matching comments beyond those listed


NO_ANONYMOUS_COMMENTS = AnonymousComments(shown=False, left_out_by_filter=True, comments=[], more=0)
ANONYMOUS_COMMENTS_LISTED = 20


def _anonymous_answers(dashboard: DashboardFilter) -> QuerySet[SurveyAnswer]:
    """The anonymous answers of the dashboard's period and segment, counted by whole months as its figures are."""
    answers = SurveyAnswer.objects.filter(
        is_anonymous=True, month__range=(dashboard.start.replace(day=1), dashboard.end)
    )
    return answers.filter(segment=dashboard.segment) if dashboard.segment else answers


def _shown_anonymous_answers(words_filter: WordsFilter) -> QuerySet[SurveyAnswer] | None:
    """The filter's anonymous answers the dashboard's anonymity rule lets it show, or None when it shows none.

    A filter an anonymous answer can meet (period and segment), and within it the segments
    anonymous_segments_shown() allows: one query for the counts by segment.
    """
    if words_filter.narrower_than_anonymous_answers:
        return None
    answers = _anonymous_answers(words_filter.dashboard)
    counts = answers.order_by().values("segment").annotate(answers=Count("pk")).values_list("segment", "answers")
    segments = anonymous_segments_shown(dict(counts))
    return answers.filter(segment__in=segments) if segments else None


def anonymous_comments(words_filter: WordsFilter) -> AnonymousComments:
    """The matching anonymous comments, best first and otherwise in no telling order (answers have random ids)."""
    if words_filter.narrower_than_anonymous_answers:
        return NO_ANONYMOUS_COMMENTS
    answers = _shown_anonymous_answers(words_filter)
    if answers is None:
        return AnonymousComments(shown=False, left_out_by_filter=False, comments=[], more=0)
    first, second = (
        text_matching(answers, field, words_filter.words)
        .annotate(source=Value(field), text=F(field))
        .values_list("source", "text", "rank", "id")
        .order_by()
        for field in ANONYMOUS_SOURCES
    )
    matching = first.union(second, all=True).order_by("-rank", "id")
    rows = list(matching[: ANONYMOUS_COMMENTS_LISTED + 1])
    comments = [AnonymousComment(label=str(ANONYMOUS_SOURCES[field]), text=text) for field, text, _, _ in rows]
    more = matching.count() - ANONYMOUS_COMMENTS_LISTED if len(rows) > ANONYMOUS_COMMENTS_LISTED else 0
    return AnonymousComments(
        shown=True, left_out_by_filter=False, comments=comments[:ANONYMOUS_COMMENTS_LISTED], more=more
    )
