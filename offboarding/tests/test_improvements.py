"""Improvements: an apology's "what will change" becomes work with an owner, gathering every case that asked for it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from offboarding.models import CaseEvent, ChurnReason, DepartureCase, FollowUp, Improvement
from offboarding.outbox.digests import staff_digests_plan
from offboarding.services import improvements as services
from offboarding.services.cases import step_complete
from offboarding.tests.factories import ClientFactory, improvement_for, step_values

pytestmark = pytest.mark.django_db


def test_an_account_manager_turns_the_apology_into_an_improvement_filled_in_from_the_step(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    step_complete(case=own_case, step="probe", actor=account_manager, values=step_values("probe"))
    step_complete(case=own_case, step="apology", actor=account_manager, values=step_values("apology"))
    form_page = am_client.get(reverse("improvements:new", args=[own_case.pk]))
    assert form_page.status_code == 200
    text = form_page.content.decode()
    assert 'value="A 1-day SLA."' in text, "the title starts from what the apology said will change"

    due = timezone.localdate() + timedelta(days=14)
    reasons = ChurnReason.objects.filter(key__in=["price-budget-cuts", "service-responsiveness"])
    response = am_client.post(
        reverse("improvements:new", args=[own_case.pk]),
        {
            "title": "A 1-day SLA",
            "what_changes": "Every email answered within one working day.",
            "owner": account_manager.pk,
            "due_on": due.isoformat(),
            "reasons": [reason.pk for reason in reasons],
        },
    )
    improvement = Improvement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == improvement.get_absolute_url()
    assert (improvement.title, improvement.owner, improvement.due_on) == ("A 1-day SLA", account_manager, due)
    assert improvement.status == Improvement.Status.PLANNED
    assert list(improvement.cases.all()) == [own_case]
    assert own_case.events.filter(verb="improvement_linked").get().summary == "Asked for the improvement “A 1-day SLA”"
    case_page = am_client.get(own_case.get_absolute_url()).content.decode()
    assert "A 1-day SLA" in case_page, "the apology step shows the improvement it asked for"


def test_an_improvement_with_a_due_date_in_the_past_is_refused_and_nothing_is_saved(
    am_client: BrowserClient, own_case: DepartureCase, account_manager: User
) -> None:
    response = am_client.post(
        reverse("improvements:new", args=[own_case.pk]),
        {"title": "Faster replies", "owner": account_manager.pk, "due_on": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.content.decode()
    assert not Improvement.objects.exists()
    assert not CaseEvent.objects.filter(verb="improvement_linked").exists()


def test_an_improvement_gathers_two_cases_of_two_account_managers(
    own_case: DepartureCase,
    others_case: DepartureCase,
    account_manager: User,
    other_account_manager: User,
    other_am_client: BrowserClient,
    manager_client: BrowserClient,
) -> None:
    improvement = improvement_for(own_case, account_manager)
    attach = reverse("improvements:attach", args=[others_case.pk])
    apology_page = reverse("offboarding:step_save", args=[others_case.pk, "apology"])
    case_page = other_am_client.get(apology_page).content.decode()
    assert "Answer every email within a day" in case_page, "offered to join from the apology step's page"

    response = other_am_client.post(attach, {"improvement": improvement.pk})

    assert response.status_code == 302
    assert set(improvement.cases.all()) == {own_case, others_case}
    assert others_case.events.filter(verb="improvement_linked").exists()
    page = manager_client.get(improvement.get_absolute_url()).content.decode()
    assert "Alder Foods" in page
    assert "Juniper Legal" in page
    # Jonas now sees the improvement, through his case, but not Amelia's client.
    his_view = other_am_client.get(improvement.get_absolute_url()).content.decode()
    assert "Juniper Legal" in his_view
    assert "Alder Foods" not in his_view
    assert "1 case of another account manager\u2019s client" in his_view

    again = other_am_client.post(attach, {"improvement": improvement.pk}, follow=True)
    assert "Choose an improvement that is not done yet." in again.content.decode()
    assert improvement.cases.count() == 2


def test_linking_a_case_twice_is_refused_by_the_service(own_case: DepartureCase, account_manager: User) -> None:
    improvement = improvement_for(own_case, account_manager)
    with pytest.raises(ValidationError, match="already linked"):
        services.improvement_attach_case(improvement=improvement, case=own_case, actor=account_manager)


def test_account_managers_see_their_own_improvements_and_those_of_their_cases_only(
    own_case: DepartureCase,
    others_case: DepartureCase,
    account_manager: User,
    other_account_manager: User,
    am_client: BrowserClient,
    other_am_client: BrowserClient,
    manager_client: BrowserClient,
) -> None:
    improvement = improvement_for(others_case, other_account_manager)
    assert am_client.get(improvement.get_absolute_url()).status_code == 404
    assert am_client.post(reverse("improvements:status", args=[improvement.pk]), {"status": "done"}).status_code == 404
    assert other_am_client.get(improvement.get_absolute_url()).status_code == 200
    assert manager_client.get(improvement.get_absolute_url()).status_code == 200
    # Owned by Amelia, about Jonas's case: hers to see and to do.
    owned = improvement_for(others_case, account_manager, title="Owned by Amelia")
    assert am_client.get(owned.get_absolute_url()).status_code == 200
    assert am_client.get(reverse("improvements:list")).status_code == 403


def test_the_owner_marks_it_done_and_someone_who_only_sees_it_cannot(
    own_case: DepartureCase,
    others_case: DepartureCase,
    account_manager: User,
    other_account_manager: User,
    am_client: BrowserClient,
    other_am_client: BrowserClient,
) -> None:
    improvement = improvement_for(own_case, account_manager)
    services.improvement_attach_case(improvement=improvement, case=others_case, actor=other_account_manager)
    status_url = reverse("improvements:status", args=[improvement.pk])

    assert other_am_client.post(status_url, {"status": "done"}).status_code == 403
    improvement.refresh_from_db()
    assert improvement.status == Improvement.Status.PLANNED

    response = am_client.post(status_url, {"status": "done"}, follow=True)
    improvement.refresh_from_db()
    assert improvement.status == Improvement.Status.DONE
    assert improvement.done_at is not None
    assert "Status saved: Done." in response.content.decode()
    am_client.post(status_url, {"status": "in_progress"})
    improvement.refresh_from_db()
    assert (improvement.status, improvement.done_at) == (Improvement.Status.IN_PROGRESS, None)


def test_the_managers_page_lists_improvements_by_reason_overdue_first(
    own_case: DepartureCase, account_manager: User, manager_client: BrowserClient
) -> None:
    improvement_for(own_case, account_manager, title="Later one")
    overdue = improvement_for(own_case, account_manager, title="Overdue one")
    Improvement.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    improvement_for(
        own_case, account_manager, title="About price", reasons=[ChurnReason.objects.get(key="price-budget-cuts")]
    )
    done = improvement_for(own_case, account_manager, title="Done already")
    services.improvement_set_status(improvement=done, status="done", actor=account_manager)
    long_done = improvement_for(own_case, account_manager, title="Done long ago")
    services.improvement_set_status(
        improvement=long_done, status="done", actor=account_manager, now=timezone.now() - timedelta(days=120)
    )

    text = manager_client.get(reverse("improvements:list")).content.decode()

    responsiveness = ChurnReason.objects.get(key="service-responsiveness").label
    section = text[text.index(responsiveness) :]
    assert section.index("Overdue one") < section.index("Later one")
    assert "About price" in text
    assert section.index("Later one") < section.index("Done already"), "done ones last, while their note may go"
    assert "Done long ago" not in text, "those done long ago only on asking"
    assert "Done long ago" in manager_client.get(reverse("improvements:list") + "?done=1").content.decode()


def test_the_managers_page_query_count_does_not_grow_with_improvements(
    own_case: DepartureCase, account_manager: User, manager_client: BrowserClient, django_assert_max_num_queries: Any
) -> None:
    for number in range(12):
        improvement_for(own_case, account_manager, title=f"Improvement {number}")
    with django_assert_max_num_queries(8):
        assert manager_client.get(reverse("improvements:list")).status_code == 200


def test_owners_see_their_open_improvements_on_my_work_overdue_first(
    own_case: DepartureCase, account_manager: User, other_account_manager: User, am_client: BrowserClient
) -> None:
    improvement_for(own_case, account_manager, title="Mine, later")
    overdue = improvement_for(own_case, account_manager, title="Mine, overdue")
    Improvement.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    improvement_for(own_case, other_account_manager, title="Jonas's")

    text = am_client.get(reverse("home")).content.decode()

    assert "Your improvements" in text
    assert text.index("Mine, overdue") < text.index("Mine, later")
    assert "Jonas&#x27;s" not in text


def test_the_owner_s_digest_lists_improvements_due_even_with_no_reminder(
    own_case: DepartureCase, account_manager: User, settings: Any
) -> None:
    due = improvement_for(own_case, account_manager, title="Due today")
    Improvement.objects.filter(pk=due.pk).update(due_on=timezone.localdate())
    improvement_for(own_case, account_manager, title="Not due yet")
    evening = timezone.localtime().replace(hour=max(settings.FOLLOW_UP_DIGEST_HOUR, 12), minute=0)

    assert staff_digests_plan(now=evening) == 1

    digest = FollowUp.objects.get(kind=FollowUp.Kind.STAFF_DIGEST)
    assert digest.recipient_user == account_manager
    assert "Your improvements due:" in digest.body_text
    assert f"Due today, due {timezone.localdate():%-d %b}" in digest.body_text
    assert f"http://testserver{due.get_absolute_url()}" in digest.body_text
    assert "Not due yet" not in digest.body_text


def test_a_client_of_another_account_manager_is_not_offered_to_create_from(
    am_client: BrowserClient, others_case: DepartureCase
) -> None:
    assert am_client.get(reverse("improvements:new", args=[others_case.pk])).status_code == 404
    assert am_client.post(reverse("improvements:attach", args=[others_case.pk]), {}).status_code == 404


def test_an_owner_without_a_role_is_refused(own_case: DepartureCase, account_manager: User) -> None:
    outsider = ClientFactory.create().account_manager
    outsider.groups.clear()
    with pytest.raises(ValidationError, match="owner"):
        improvement_for(own_case, outsider)
    assert not Improvement.objects.exists()
    assert Client.objects.exists()
