# ruff: noqa: F811 (fixtures are imported from outbox_fixtures; pytest injects them by parameter name)
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client as BrowserClient
from django.utils import timezone, translation
from django.utils.html import escape

from clients.models import Client
from offboarding.models import CaseEvent, FollowUp
from offboarding.outbox.dispatch import follow_ups_dispatch_batch
from offboarding.outbox.emails import (
    SURVEY_LINK_PLACEHOLDER,
    UNSUBSCRIBE_LINK_PLACEHOLDER,
    unsubscribe_details,
    unsubscribe_token,
)
from offboarding.outbox.services import message_id_for
from offboarding.outbox.survey_links import follow_up_id_from_survey_token
from offboarding.services.cases import step_complete
from offboarding.tests.factories import ClientFactory, step_values
from offboarding.tests.outbox_fixtures import (  # noqa: F401
    always_open,
    by_kind,
    departed_case,
    former_client,
    planned_case,
)

LONDON = ZoneInfo("Europe/London")
Status = FollowUp.Status
Kind = FollowUp.Kind


def make_follow_ups(count: int, status: str = Status.SCHEDULED) -> None:
    now = timezone.now()
    for number in range(count):
        client = ClientFactory.create()
        key = f"test:{status}:{number}:{client.pk}"
        FollowUp.objects.create(
            key=key,
            kind=Kind.CHECK_IN,
            client=client,
            recipient_email=client.contact_email,
            due_at=now,
            next_attempt_at=now,
            status=status,
            message_id=message_id_for(key),
        )


@pytest.mark.django_db
def test_account_managers_may_not_open_the_outbox(am_client: BrowserClient) -> None:
    assert am_client.get("/outbox/").status_code == 403


@pytest.mark.django_db
def test_managers_filter_the_outbox_by_status_and_kind(manager_client: BrowserClient) -> None:
    make_follow_ups(2, Status.FAILED)
    make_follow_ups(3, Status.SENT)
    page = manager_client.get("/outbox/", {"status": "failed", "kind": "check_in"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 follow-ups matching the filter" in text
    # The filter shows what it is set to: one option chosen in each list, the one asked for.
    assert re.findall(r'<option value="(\w*)" selected>', text) == ["failed", "check_in"]
    assert manager_client.get("/outbox/", {"status": "sent", "kind": "win_back"}).content.decode().count("<tr>") == 2


@pytest.mark.django_db
def test_each_status_is_a_badge_coloured_by_whether_the_message_went(manager_client: BrowserClient) -> None:
    for status in (Status.FAILED, Status.SENT, Status.RETRY_WAIT, Status.SCHEDULED, Status.CANCELLED):
        make_follow_ups(1, status)
    text = manager_client.get("/outbox/").content.decode()
    badges = {label: css for css, label in re.findall(r'<span class="badge ([\w-]+)">([^<]+)</span>', text)}
    assert badges == {
        "Failed": "text-bg-danger",
        "Sent": "text-bg-success",
        "Waiting to retry": "text-bg-warning",
        "Scheduled": "text-bg-primary",
        "Cancelled": "text-bg-secondary",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_outbox_page_costs_the_same_queries_for_3_or_30_rows(
    manager_client: BrowserClient, django_assert_max_num_queries, rows: int
) -> None:
    make_follow_ups(rows)
    with django_assert_max_num_queries(8):
        assert manager_client.get("/outbox/").status_code == 200


@pytest.mark.django_db
def test_a_manager_sees_the_rendered_message_and_retries_a_failed_one(
    manager_client: BrowserClient, former_client: Client
) -> None:
    now = timezone.now()
    thank_you = by_kind(planned_case(former_client, date.today() - timedelta(days=1), now))[Kind.THANK_YOU][0]
    FollowUp.objects.filter(pk=thank_you.pk).update(status=Status.FAILED, attempts=6, last_error="550 No such user")
    page = manager_client.get(f"/outbox/{thank_you.pk}/").content.decode()
    assert "Thank you from all of us at Northwind Partners" in page
    assert "550 No such user" in page
    assert "no reactivation fee" in page
    response = manager_client.post(f"/outbox/{thank_you.pk}/retry/", follow=True)
    assert "Queued to be sent again." in response.content.decode()
    retried = FollowUp.objects.get(pk=thank_you.pk)
    assert (retried.status, retried.attempts) == (Status.SCHEDULED, 0)


@pytest.mark.django_db
def test_the_html_preview_is_a_whole_escaped_document_inside_its_frame(
    manager_client: BrowserClient, former_client: Client
) -> None:
    thank_you = by_kind(planned_case(former_client, date.today() - timedelta(days=1), timezone.now()))[Kind.THANK_YOU][
        0
    ]
    page = manager_client.get(f"/outbox/{thank_you.pk}/").content.decode()
    # The email's markup stays inside the srcdoc attribute: nothing of it leaks into the page.
    assert 'srcdoc="&lt;!doctype html&gt;' in page
    assert '<html lang="en-gb">\n<head><meta charset="utf-8"><meta name="viewport"' not in page.split("srcdoc=", 1)[1]


# Django's signed values: payload (a leading dot when compressed), timestamp and signature.
SIGNED_VALUE = re.compile(r"\.?[\w-]+:[\w-]+:[\w-]+")


def _is_personal_token(value: str) -> bool:
    for check in (
        lambda: follow_up_id_from_survey_token(value, max_age=timedelta(days=36500)),
        lambda: unsubscribe_details(value),
    ):
        try:
            check()
        except signing.BadSignature:
            continue
        return True
    return False


def personal_tokens_in(text: str) -> list[str]:
    """Every string that the survey page or the unsubscribe page would accept as its token."""
    return [value for value in SIGNED_VALUE.findall(text) if _is_personal_token(value)]


def assert_only_placeholders_for_personal_links(page: str) -> None:
    assert escape(SURVEY_LINK_PLACEHOLDER) in page, "the text part names the survey link"
    assert escape(UNSUBSCRIBE_LINK_PLACEHOLDER) in page, "the text part names the unsubscribe link"
    # The HTML part is escaped twice: once as an email, once for the frame's srcdoc.
    assert escape(f'href="{escape(SURVEY_LINK_PLACEHOLDER)}"') in page
    assert "/feedback/survey/" not in page
    assert "/outbox/unsubscribe/" not in page
    assert personal_tokens_in(page) == []


@pytest.mark.django_db
def test_the_preview_of_a_scheduled_survey_invitation_shows_placeholders_for_the_clients_links(
    manager_client: BrowserClient, former_client: Client
) -> None:
    survey = by_kind(planned_case(former_client, date.today() + timedelta(days=10), timezone.now()))[Kind.SURVEY][0]
    response = manager_client.get(f"/outbox/{survey.pk}/")
    assert response.status_code == 200
    assert "Two minutes to tell us how we did?" in response.content.decode()
    assert_only_placeholders_for_personal_links(response.content.decode())


@pytest.mark.django_db
def test_a_sent_survey_invitation_keeps_its_working_link_but_its_outbox_page_hides_it(
    manager_client: BrowserClient, former_client: Client, always_open: None
) -> None:
    survey = by_kind(planned_case(former_client, date.today() + timedelta(days=10), timezone.now()))[Kind.SURVEY][0]
    FollowUp.objects.exclude(pk=survey.pk).update(status=Status.CANCELLED)
    follow_ups_dispatch_batch(now=max(survey.due_at, timezone.now()))
    [message] = mail.outbox
    sent = FollowUp.objects.get(pk=survey.pk)
    assert (sent.status, sent.body_text, message.extra_headers["Message-ID"]) == (
        Status.SENT,
        message.body,
        survey.message_id,
    )
    assert len(personal_tokens_in(sent.body_text)) == 2, "the stored body holds the survey and unsubscribe links"
    assert_only_placeholders_for_personal_links(manager_client.get(f"/outbox/{survey.pk}/").content.decode())
    survey_link = re.search(r"http://testserver(/feedback/survey/\S+)", str(message.body))
    assert survey_link is not None
    survey_page = BrowserClient().get(survey_link[1])
    assert (survey_page.status_code, "Send my answers" in survey_page.content.decode()) == (200, True)
    assert FollowUp.objects.get(pk=survey.pk).body_text == message.body, "showing the page changed nothing"


@pytest.mark.django_db
def test_a_manager_opens_a_staff_reminder_in_the_outbox(manager_client: BrowserClient, former_client: Client) -> None:
    card = by_kind(planned_case(former_client, date.today(), timezone.now()))[Kind.STAFF_REMINDER][0]
    response = manager_client.get(f"/outbox/{card.pk}/")
    assert response.status_code == 200
    assert "Send the handwritten card" in response.content.decode()


@pytest.mark.django_db
def test_account_managers_cannot_retry(am_client: BrowserClient) -> None:
    make_follow_ups(1, Status.FAILED)
    assert am_client.post(f"/outbox/{FollowUp.objects.get().pk}/retry/").status_code == 403


@pytest.fixture
def own_planned(former_client: Client) -> dict[str, list[FollowUp]]:
    return by_kind(planned_case(former_client, date.today() + timedelta(days=10), timezone.now(), consent=True))


@pytest.mark.django_db
def test_the_case_page_lists_the_follow_ups(am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]) -> None:
    case = own_planned[Kind.THANK_YOU][0].case
    assert case is not None
    page = am_client.get(case.get_absolute_url()).content.decode()
    assert "Thank-you email" in page
    assert "Send the handwritten card" in page
    assert "Add a follow-up" in page


@pytest.mark.django_db
def test_an_account_manager_cancels_a_follow_up_from_the_case_page(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    check_in = own_planned[Kind.CHECK_IN][0]
    response = am_client.post(f"/outbox/follow-ups/{check_in.pk}/cancel/", follow=True)
    assert response.redirect_chain[-1][0] == check_in.case.get_absolute_url()  # type: ignore[union-attr]
    assert "Keep-in-touch check-in cancelled." in response.content.decode()
    assert FollowUp.objects.get(pk=check_in.pk).status == Status.CANCELLED
    assert CaseEvent.objects.filter(verb="follow_up_cancelled", client=check_in.client).exists()


@pytest.mark.django_db
def test_a_cancelled_follow_up_is_told_in_the_readers_language(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    check_in = own_planned[Kind.CHECK_IN][0]
    response = am_client.post(f"/outbox/follow-ups/{check_in.pk}/cancel/", follow=True, HTTP_ACCEPT_LANGUAGE="de")
    with translation.override("de"):
        expected = f"{check_in.get_kind_display()} abgebrochen."
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_an_account_manager_moves_a_follow_up_into_business_hours(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    survey = own_planned[Kind.SURVEY][0]
    assert am_client.get(f"/outbox/follow-ups/{survey.pk}/move/").status_code == 200
    response = am_client.post(f"/outbox/follow-ups/{survey.pk}/move/", {"due_at": "2030-06-04T22:15"}, follow=True)
    assert "moved to 05 Jun 2030 09:00" in response.content.decode()
    assert FollowUp.objects.get(pk=survey.pk).due_at == datetime(2030, 6, 5, 9, 0, tzinfo=LONDON)


@pytest.mark.django_db
def test_an_account_manager_adds_a_check_in_and_marks_a_reminder_done(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    case = own_planned[Kind.THANK_YOU][0].case
    assert case is not None
    response = am_client.post(
        f"/outbox/cases/{case.pk}/add/",
        {"kind": "check_in", "due_at": "2030-01-08T11:00", "note": "Ask about the new office"},
        follow=True,
    )
    assert "Keep-in-touch check-in added." in response.content.decode()
    assert FollowUp.objects.filter(case=case, note="Ask about the new office", kind=Kind.CHECK_IN).exists()
    card = own_planned[Kind.STAFF_REMINDER][0]
    am_client.post(f"/outbox/follow-ups/{card.pk}/done/")
    assert FollowUp.objects.get(pk=card.pk).status == Status.DONE


@pytest.mark.django_db
def test_a_follow_up_moved_past_2199_is_refused_with_a_message(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    survey = own_planned[Kind.SURVEY][0]
    response = am_client.post(f"/outbox/follow-ups/{survey.pk}/move/", {"due_at": "9999-12-31T23:59"})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2199." in response.content.decode()
    assert FollowUp.objects.get(pk=survey.pk).due_at == survey.due_at


@pytest.mark.django_db
def test_adding_a_follow_up_in_the_past_is_refused_with_a_message(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    case = own_planned[Kind.THANK_YOU][0].case
    assert case is not None
    response = am_client.post(f"/outbox/cases/{case.pk}/add/", {"kind": "check_in", "due_at": "2001-01-08T11:00"})
    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.CHECK_IN, Kind.WIN_BACK])
def test_a_follow_up_added_for_an_address_that_unsubscribed_is_refused_on_the_form(
    am_client: BrowserClient, former_client: Client, kind: str
) -> None:
    planned = planned_case(former_client, date.today() - timedelta(days=10), timezone.now())
    case = planned[0].case
    assert case is not None
    token = unsubscribe_token(client_id=former_client.pk, email=former_client.contact_email)
    BrowserClient().post(f"/outbox/unsubscribe/{token}/")
    # Later the client says yes to keeping in touch: their answer allows both kinds, the address stays unsubscribed.
    step_complete(
        case=case, step="keep_in_touch", actor=case.client.account_manager, values=step_values("keep_in_touch")
    )
    response = am_client.post(f"/outbox/cases/{case.pk}/add/", {"kind": kind, "due_at": "2030-01-08T11:00"})
    assert response.status_code == 200
    assert "This client unsubscribed; we no longer email them." in response.content.decode()
    assert not FollowUp.objects.filter(case=case, kind=kind, status__in=FollowUp.PENDING_STATUSES).exists()
    assert not CaseEvent.objects.filter(case=case, verb="follow_up_added").exists()


@pytest.mark.django_db
def test_another_account_managers_follow_ups_are_not_found(
    other_am_client: BrowserClient, own_planned: dict[str, list[FollowUp]]
) -> None:
    follow_up = own_planned[Kind.CHECK_IN][0]
    case = follow_up.case
    assert case is not None
    for path in ("cancel", "move", "done"):
        assert other_am_client.post(f"/outbox/follow-ups/{follow_up.pk}/{path}/").status_code == 404
    assert other_am_client.get(f"/outbox/follow-ups/{follow_up.pk}/move/").status_code == 404
    assert other_am_client.post(f"/outbox/cases/{case.pk}/add/").status_code == 404
    assert FollowUp.objects.get(pk=follow_up.pk).status == Status.SCHEDULED


@pytest.mark.django_db
def test_the_client_page_lists_their_follow_ups(
    am_client: BrowserClient, own_planned: dict[str, list[FollowUp]], account_manager: User
) -> None:
    client = own_planned[Kind.THANK_YOU][0].client
    assert client is not None
    page = am_client.get(client.get_absolute_url()).content.decode()
    assert "Survey invitation" in page
