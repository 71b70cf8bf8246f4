"""Read queries of improvements: the managers' page by reason, My work, the case's apology step and the digest.

Each is a fixed number of queries whatever the number of improvements, cases or reasons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from offboarding.models import DepartureCase, Improvement, ImprovementCase, ImprovementNote


def _overdue_first(improvements: QuerySet[Improvement], today: date) -> QuerySet[Improvement]:
    overdue = Q(due_on__lt=today) & ~Q(status=Improvement.Status.DONE)
    done = Q(status=Improvement.Status.DONE)
    return improvements.annotate(
        overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
        finished=Case(When(done, then=Value(True)), default=Value(False), output_field=BooleanField()),
    ).order_by("-overdue", "finished", "due_on", "id")


@dataclass
class ReasonGroup:
    label: str
    improvements: list[Improvement] = field(default_factory=list)


# Done improvements stay on the managers' page this long by default: time to send their note.
RECENTLY_DONE = timedelta(days=90)


def improvements_by_reason(*, today: date, include_done: bool) -> list[ReasonGroup]:
    """Every improvement under each reason it answers (those answering none last), overdue first in each.

    Without include_done, those done more than RECENTLY_DONE ago are left out.
    """
    chosen = Improvement.objects.all()
    if not include_done:
        done_long_ago = Q(status=Improvement.Status.DONE, done_at__date__lt=today - RECENTLY_DONE)
        chosen = chosen.exclude(done_long_ago)
    improvements = _overdue_first(
        chosen.select_related("owner").prefetch_related("reasons").annotate(case_count=Count("case_links")), today
    )
    groups: dict[str, ReasonGroup] = {}
    without_reason = ReasonGroup(label=_("No reason given"))
    for improvement in improvements:
        reasons = sorted(improvement.reasons.all(), key=lambda reason: (reason.sort_order, reason.label))
        for reason in reasons:
            groups.setdefault(reason.label, ReasonGroup(label=reason.label)).improvements.append(improvement)
        if not reasons:
            without_reason.improvements.append(improvement)
    ordered = [groups[label] for label in sorted(groups)]
    return [*ordered, without_reason] if without_reason.improvements else ordered


def improvements_owned_by(user: User, *, today: date) -> list[Improvement]:
    """What My work lists for this person: the improvements they own that are not done, overdue first."""
    owned = Improvement.objects.filter(owner=user).not_done().annotate(case_count=Count("case_links"))
    return list(_overdue_first(owned, today))


def improvements_of_case(case: DepartureCase) -> list[ImprovementCase]:
    """The improvements this case asked for, as the apology step shows them."""
    return list(case.improvement_links.select_related("improvement__owner").order_by("added_at", "id"))


def improvements_to_attach(case: DepartureCase) -> QuerySet[Improvement]:
    """Improvements a case may join: every one not done that it has not joined yet.

    Only titles and dates are offered, so an account manager can find the improvement a colleague
    started for the same complaint; its page opens to them once their case is linked.
    """
    return Improvement.objects.not_done().exclude(case_links__case=case).order_by("title", "id")


@dataclass(frozen=True)
class ImprovementPage:
    improvement: Improvement
    case_links: list[ImprovementCase]  # those the viewer may see
    hidden_cases: int  # linked cases of other account managers' clients
    notes: list[ImprovementNote]


def improvement_page(improvement: Improvement, *, visible_cases: QuerySet[DepartureCase]) -> ImprovementPage:
    links = list(
        improvement.case_links.select_related("case__client", "case__account_manager").order_by("added_at", "id")
    )
    visible = set(visible_cases.filter(pk__in=[link.case_id for link in links]).values_list("pk", flat=True))
    shown = [link for link in links if link.case_id in visible]
    notes = list(
        improvement.notes.filter(client__cases__in=visible)
        .select_related("client", "follow_up")
        .distinct()
        .order_by("created_at", "id")
    )
    return ImprovementPage(improvement=improvement, case_links=shown, hidden_cases=len(links) - len(shown), notes=notes)


def improvements_due_for_digest(*, until: date, owner: User | None = None) -> dict[int, list[Improvement]]:
    """Not-done improvements due on or before `until`, by owner id: the digest lists them beside the reminders."""
    due = Improvement.objects.not_done().filter(due_on__lte=until).order_by("due_on", "id")
    if owner is not None:
        due = due.filter(owner=owner)
    by_owner: dict[int, list[Improvement]] = defaultdict(list)
    for improvement in due:
        by_owner[improvement.owner_id].append(improvement)
    return by_owner
