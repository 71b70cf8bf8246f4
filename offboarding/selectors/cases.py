"""Read queries for the case page, the client page and My work; related rows fetched up front."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from clients.models import Client
from clients.selectors import account_manager_filter_choices
from offboarding.models import CaseEvent, CaseStep, ChurnReason, DepartureCase, FollowUp, HandoverItem, SaveOffer
from offboarding.models.cases import SaveWatchConditions
from offboarding.services.cases import STEPS, case_step_statuses


def case_steps(case: DepartureCase) -> list[tuple[str, CaseStep]]:
    """The six steps of a case in checklist order, as (slug, step)."""
    return [(step, getattr(case, step)) for step in STEPS]


def with_step_statuses(cases: QuerySet[DepartureCase]) -> QuerySet[DepartureCase]:
    """Each case with its six steps' statuses as columns of its own row, for the lists that show only
    where a case stands (My work, the client page).

    One subquery per step, each a probe of that step's case index: loading the six step tables'
    rows (six more queries, or six more joins) took longer than the rest of My work's list.
    """
    return cases.annotate(**_step_status_subqueries())


@cache
def _step_status_subqueries() -> dict[str, Subquery]:
    """The six subqueries, built once: annotate() resolves a copy of each for its own query, and
    building the six querysets again at every request cost My work about a millisecond."""
    return {
        _status_column(step): Subquery(model._default_manager.filter(Q(case=OuterRef("pk"))).values("status"))
        for step, model in STEPS.items()
    }


def _status_column(step: str) -> str:
    return f"{step}_status"


def listed_step_statuses(case: DepartureCase) -> dict[str, str]:
    """The six steps' statuses by slug, as with_step_statuses read them."""
    return {step: getattr(case, _status_column(step)) for step in STEPS}


def case_progress(case: DepartureCase, statuses: Mapping[str, str] | None = None) -> tuple[int, str | None]:
    """How many steps are closed, and the slug of the first step still to do.

    `statuses` (each step's status by slug, from listed_step_statuses) stands in for the steps loaded with the case.
    """
    if statuses is None:
        statuses = case_step_statuses(case)
    closed = sum(1 for status in statuses.values() if CaseStep.status_is_closed(status))
    next_step = next((slug for slug, status in statuses.items() if not CaseStep.status_is_closed(status)), None)
    return closed, next_step


def _leave_date_passed(today: date) -> Case:
    """An open case whose leave date is behind us: the client should have left by now."""
    return Case(
        When(status=DepartureCase.Status.OPEN, planned_leave_date__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _handover_item_overdue(today: date) -> Q:
    """A handover item not done by its due date."""
    return Q(done_at__isnull=True, due_on__lt=today)


def case_for_page(cases: QuerySet[DepartureCase], pk: int, *, today: date) -> DepartureCase:
    """One case with everything its page shows, in a fixed number of queries.

    Annotated as My work is: `leave_date_passed`, and `is_overdue` on each handover item.
    """
    handover_items = HandoverItem.objects.select_related("done_by").annotate(
        is_overdue=Case(
            When(_handover_item_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    case = (
        cases.annotate(leave_date_passed=_leave_date_passed(today))
        # The save a departure relapsed (relapse_of) is read only on such a case, by itself.
        .select_related("client", "probe__primary_reason", *STEPS)
        .prefetch_related(
            Prefetch("probe__contributing_reasons", queryset=ChurnReason.objects.order_by("sort_order", "label")),
            Prefetch("handover_items", queryset=handover_items),
            Prefetch("offers", queryset=SaveOffer.objects.select_related("approved_by").order_by("position")),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        )
        .get(pk=pk)
    )
    _attach_people(case)
    return case


def _attach_people(case: DepartureCase) -> None:
    """The staff the case page names (its owner, who opened it, the client's owner, who closed each step
    and who approved the offer), fetched in one query.

    Joining the user table once for each of them made the case's query 19 joins long, and
    PostgreSQL spent longer planning it than a second query takes to run.
    """
    holders: list[tuple[Any, str]] = [
        (case, "account_manager"),
        (case, "opened_by"),
        (case.client, "account_manager"),
        (case.offer, "approved_by"),
        *((record, "completed_by") for _, record in case_steps(case)),
    ]
    people = User.objects.in_bulk({getattr(holder, f"{name}_id") for holder, name in holders} - {None})
    for holder, name in holders:
        person_id = getattr(holder, f"{name}_id")
        setattr(holder, name, people[person_id] if person_id is not None else None)


def case_with_steps(pk: int) -> DepartureCase:
    """A case with its six steps, in one query: enough to say which step comes next."""
    return DepartureCase.objects.select_related(*STEPS).get(pk=pk)


def cases_for_client(client: Client) -> list[DepartureCase]:
    """The client's cases, newest first, with their steps' statuses (listed_step_statuses)."""
    cases = with_step_statuses(client.cases.select_related("account_manager"))
    return list(cases.order_by("-opened_at", "-id"))


def events_for_client(client: Client) -> QuerySet[CaseEvent]:
    """The client's whole timeline, every case included, newest first."""
    return client.events.select_related("actor", "case").order_by("-created_at", "-id")


def _overdue_item(today: date) -> Exists:
    return Exists(HandoverItem.objects.filter(_handover_item_overdue(today), case=OuterRef("pk")))


def open_cases_for_my_work(
    *, cases: QuerySet[DepartureCase], today: date, account_manager_id: int | None = None
) -> QuerySet[DepartureCase]:
    """Open cases, overdue ones first (leave date passed or a handover item late), then by leave date."""
    rows = cases.filter(status=DepartureCase.Status.OPEN)
    if account_manager_id is not None:
        rows = rows.filter(client__account_manager_id=account_manager_id)
    return (
        # The steps' statuses, not their rows: PostgreSQL spent longer planning a join of eight tables
        # (several milliseconds, at every request) than the statement takes to run, and six queries of
        # their own took longer than the rest of the list.
        with_step_statuses(rows.select_related("client__account_manager"))
        .annotate(
            has_overdue_items=_overdue_item(today),
            leave_date_passed=_leave_date_passed(today),
        )
        .annotate(
            is_overdue=Case(
                When(Q(has_overdue_items=True) | Q(leave_date_passed=True), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "planned_leave_date", "id")
    )


def my_work_account_managers() -> QuerySet[User]:
    """Whom My work's filter lists: the account managers, and anyone else who still owns clients."""
    return account_manager_filter_choices(owning=Client)


def open_case_of(client: Client) -> DepartureCase | None:
    """The client's open departure case, if they have one (at most one: a constraint holds it)."""
    return client.cases.filter(status=DepartureCase.Status.OPEN).first()


def cases_listed(
    *, cases: QuerySet[DepartureCase], status: str = "", client_id: int | None = None
) -> QuerySet[DepartureCase]:
    """Cases newest first (the API's list), optionally of one status or one client."""
    if status:
        cases = cases.filter(status=status)
    if client_id is not None:
        cases = cases.filter(client_id=client_id)
    return cases.select_related("client", "account_manager").order_by("-opened_at", "-id")


MY_WORK_REMINDERS = 20


def reminders_due_for(*, person: User, until: datetime) -> list[FollowUp]:
    """The person's staff reminders still to do and due before `until` (the end of their today), oldest first.

    The same reminders their digest gathers (a card to send, a call to make, a happy leaver to ask
    for a referral), at most MY_WORK_REMINDERS of them: the page stays the same size.
    """
    reminders = FollowUp.objects.filter(
        kind=FollowUp.Kind.STAFF_REMINDER, status=FollowUp.Status.SCHEDULED, recipient_user=person, due_at__lt=until
    )
    return list(reminders.select_related("client", "case").order_by("due_at", "id")[:MY_WORK_REMINDERS])


def saves_being_watched(
    *, cases: QuerySet[DepartureCase], today: date, account_manager_id: int | None = None
) -> QuerySet[DepartureCase]:
    """Saved cases still inside their watch period (SaveWatchConditions), the nearest to being kept first."""
    rows = cases.filter(SaveWatchConditions.on(today).watching)
    if account_manager_id is not None:
        rows = rows.filter(client__account_manager_id=account_manager_id)
    return rows.select_related("client__account_manager").order_by("saved_on", "id")
