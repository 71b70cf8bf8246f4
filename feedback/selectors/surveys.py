"""Survey figures for the dashboard, and a case's own feedback for the case page.

An anonymous answer keeps only its month and segment. Groups of fewer than
ANONYMITY_THRESHOLD anonymous answers are never shown, nor counted in an
average on their own: anonymous_answers_shown() is that rule, and every figure
below asks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.filters import NOT_RECORDED, DashboardFilter, next_month, share
from offboarding.models import DepartureCase, FollowUp

# Anonymous answers are shown only in groups at least this big, so no one can
# work out a single person's answer from a small breakdown.
ANONYMITY_THRESHOLD = 5


def anonymous_answers_shown(count: int) -> bool:
    """Whether a group of `count` anonymous answers may be shown, and counted in an average."""
    return count >= ANONYMITY_THRESHOLD


def anonymous_segments_shown(counts: dict[str, int]) -> set[str]:
    """The segments whose anonymous answers may be shown together, given each segment's number of them.

    Every segment large enough to show its own, and the segments too small only when together they
    may be shown, as overall_survey_group counts them: otherwise the whole less the segments shown
    one by one would give away a group too small to show.
    """
    shown = {segment for segment, count in counts.items() if anonymous_answers_shown(count)}
    hidden = sum(count for segment, count in counts.items() if segment not in shown)
    return set(counts) if anonymous_answers_shown(hidden) else shown


@dataclass(frozen=True)
class AnswerTotals:
    """A number of survey answers and the sums of their two scores: they add up across groups."""

    answers: int = 0
    satisfaction: int = 0
    likelihood: int = 0

    def __add__(self, other: AnswerTotals) -> AnswerTotals:
        return AnswerTotals(
            answers=self.answers + other.answers,
            satisfaction=self.satisfaction + other.satisfaction,
            likelihood=self.likelihood + other.likelihood,
        )


NO_ANSWERS = AnswerTotals()


@dataclass(frozen=True)
class SurveyGroup:
    """The answers of one group: the named ones always count, the anonymous ones only when they may be shown."""

    label: str
    named: AnswerTotals
    anonymous_answers: AnswerTotals

    @property
    def identified(self) -> int:
        return self.named.answers

    @property
    def anonymous(self) -> int:
        return self.anonymous_answers.answers

    @property
    def anonymous_shown(self) -> bool:
        return anonymous_answers_shown(self.anonymous)

    @property
    def anonymous_hidden(self) -> bool:
        return self.anonymous > 0 and not self.anonymous_shown

    @property
    def counted(self) -> AnswerTotals:
        """The answers in this group's averages."""
        return self.named + self.anonymous_answers if self.anonymous_shown else self.named

    @property
    def average_satisfaction(self) -> float | None:
        return self.counted.satisfaction / self.counted.answers if self.counted.answers else None

    @property
    def average_likelihood(self) -> float | None:
        return self.counted.likelihood / self.counted.answers if self.counted.answers else None


@dataclass(frozen=True)
class SurveyFigures:
    invitations_sent: int
    answers: int
    overall: SurveyGroup
    by_segment: list[SurveyGroup]
    anonymous_excluded_by_filter: bool
    anonymous_left_out: int  # anonymous answers of groups too small to show: in the response rate only

    @property
    def response_rate(self) -> float | None:
        return share(self.answers, self.invitations_sent)


# The survey figures count the whole months of the period, answers by the month they were given and
# invitations by the month they were due: an anonymous answer keeps only its month.


def _answers_for(dashboard: DashboardFilter) -> QuerySet[SurveyAnswer]:
    answers = SurveyAnswer.objects.filter(month__range=(dashboard.start.replace(day=1), dashboard.end))
    if dashboard.segment:
        answers = answers.filter(segment=dashboard.segment)
    if dashboard.account_manager_id:
        # An anonymous answer has no owner, so it cannot count for one account manager.
        answers = answers.filter(is_anonymous=False, case__account_manager_id=dashboard.account_manager_id)
    return answers


def _invitations_sent(dashboard: DashboardFilter) -> int:
    tz = timezone.get_current_timezone()
    invitations = FollowUp.objects.filter(
        kind=FollowUp.Kind.SURVEY,
        status=FollowUp.Status.SENT,
        due_at__gte=datetime.combine(dashboard.start.replace(day=1), time.min, tzinfo=tz),
        due_at__lt=datetime.combine(next_month(dashboard.end), time.min, tzinfo=tz),
    )
    if dashboard.account_manager_id:
        invitations = invitations.filter(case__account_manager_id=dashboard.account_manager_id)
    if dashboard.segment:
        invitations = invitations.filter(case__segment=dashboard.segment)
    return invitations.count()


def _sums(name: str, condition: Q) -> dict[str, Count | Sum]:
    """The aggregates behind an AnswerTotals of the answers meeting `condition`, named after `name`."""
    return {
        name: Count("pk", filter=condition),
        f"{name}_satisfaction": Sum("satisfaction", filter=condition, default=0),
        f"{name}_likelihood": Sum("likelihood_to_return", filter=condition, default=0),
    }


def _totals(row: dict[str, int], name: str) -> AnswerTotals:
    return AnswerTotals(
        answers=row[name], satisfaction=row[f"{name}_satisfaction"], likelihood=row[f"{name}_likelihood"]
    )


def survey_groups_by_segment(dashboard: DashboardFilter) -> list[SurveyGroup]:
    rows = (
        _answers_for(dashboard)
        .values("segment")
        .annotate(**_sums("named", Q(is_anonymous=False)), **_sums("anonymous", Q(is_anonymous=True)))
        .order_by("segment")
    )
    return [
        SurveyGroup(
            label=row["segment"] or str(NOT_RECORDED),
            named=_totals(row, "named"),
            anonymous_answers=_totals(row, "anonymous"),
        )
        for row in rows
    ]


def overall_survey_group(by_segment: list[SurveyGroup]) -> SurveyGroup:
    """Every named answer, and the anonymous answers of the segments that show theirs.

    The anonymous answers of the segments too small to show count only when together they may be
    shown: otherwise the overall average less the segments' would give away a group too small to show.
    Counts and sums add up, so the segments' totals serve (one query fewer).
    """
    named = sum((group.named for group in by_segment), NO_ANSWERS)
    shown = sum((group.anonymous_answers for group in by_segment if group.anonymous_shown), NO_ANSWERS)
    hidden = sum((group.anonymous_answers for group in by_segment if not group.anonymous_shown), NO_ANSWERS)
    anonymous = shown + hidden if anonymous_answers_shown(hidden.answers) else shown
    return SurveyGroup(label=str(_("All answers")), named=named, anonymous_answers=anonymous)


def survey_figures(dashboard: DashboardFilter) -> SurveyFigures:
    by_segment = survey_groups_by_segment(dashboard)
    overall = overall_survey_group(by_segment)
    answers = sum(group.identified + group.anonymous for group in by_segment)
    return SurveyFigures(
        invitations_sent=_invitations_sent(dashboard),
        answers=answers,
        overall=overall,
        by_segment=by_segment,
        anonymous_excluded_by_filter=bool(dashboard.account_manager_id),
        anonymous_left_out=answers - overall.counted.answers,
    )


@dataclass(frozen=True)
class CaseFeedback:
    survey_answers: list[SurveyAnswer]
    recorded: list[RecordedFeedback]


def case_feedback(case: DepartureCase) -> CaseFeedback:
    """Identified survey answers and recorded feedback of one case (anonymous answers never appear here)."""
    answers = SurveyAnswer.objects.filter(case=case, is_anonymous=False).prefetch_related("reasons")
    recorded = RecordedFeedback.objects.filter(case=case).select_related("recorded_by")
    return CaseFeedback(survey_answers=list(answers.order_by("-submitted_at")), recorded=list(recorded))


def named_survey_answers(*, cases: QuerySet[DepartureCase]) -> QuerySet[SurveyAnswer]:
    """The named survey answers of these cases (the cases a person may see), newest first.

    Anonymous answers never appear here: they have no case, and are read only as the dashboard's
    figures, in groups large enough to show (anonymous_answers_shown).
    """
    return (
        SurveyAnswer.objects.filter(is_anonymous=False, case__in=cases)
        .prefetch_related("reasons")
        .order_by("-submitted_at", "-id")
    )


def recorded_feedback_of(*, cases: QuerySet[DepartureCase]) -> QuerySet[RecordedFeedback]:
    """Feedback staff recorded on these cases (the cases a person may see), most recently heard first."""
    return RecordedFeedback.objects.filter(case__in=cases).select_related("recorded_by").order_by("-heard_on", "-id")
