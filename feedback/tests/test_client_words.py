"""The "What clients said" page: search across every text clients gave, anonymous comments only in groups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.client_words import TEXT_SOURCES, text_matching
from feedback.tests.factories import make_case
from offboarding.models import ApologyStep, ChurnReason, DepartureCase, ProbeStep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_june_2026() -> Iterator[None]:
    """Today is 15 June 2026: the default period runs from 1 July 2025, so March 2026 is in it."""
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


PAGE = reverse("feedback:client_words")


def _case_with_words(owner: User, name: str, words: str, **case: object) -> DepartureCase:
    departed = make_case(owner=owner, notice=date(2026, 3, 1), name=name, **case)  # type: ignore[arg-type]
    ProbeStep.objects.filter(case=departed).update(client_words=words)
    return departed


def _anonymous_answers(count: int, comment: str, segment: str = "Consulting") -> None:
    for _ in range(count):
        SurveyAnswer.objects.create(
            is_anonymous=True,
            month=date(2026, 3, 1),
            segment=segment,
            satisfaction=2,
            likelihood_to_return=3,
            could_do_better=comment,
        )


def _four_sources(account_manager: User) -> dict[str, DepartureCase]:
    probe = _case_with_words(account_manager, "Probe Ltd", "Your invoices arrived late every month")
    apology = make_case(owner=account_manager, notice=date(2026, 3, 2), name="Apology Ltd")
    ApologyStep.objects.filter(case=apology).update(what_will_change="Invoicing moves to the first working day")
    survey = make_case(owner=account_manager, notice=date(2026, 3, 3), name="Survey Ltd")
    SurveyAnswer.objects.create(
        client=survey.client,
        case=survey,
        month=date(2026, 4, 1),
        satisfaction=2,
        likelihood_to_return=4,
        could_do_better="Clearer invoice lines, please",
    )
    recorded = make_case(owner=account_manager, notice=date(2026, 3, 4), name="Recorded Ltd")
    RecordedFeedback.objects.create(
        case=recorded,
        heard_on=date(2026, 3, 20),
        what_they_said="The invoice was wrong twice",
        recorded_by=account_manager,
    )
    make_case(owner=account_manager, notice=date(2026, 3, 5), name="Quiet Ltd")
    return {"probe": probe, "apology": apology, "survey": survey, "recorded": recorded}


def test_a_search_finds_the_word_in_all_four_sources_each_linked_to_its_case(
    manager_client: BrowserClient, account_manager: User
) -> None:
    cases = _four_sources(account_manager)
    _case_with_words(account_manager, "Other Words Ltd", "The team was friendly")

    page = manager_client.get(PAGE, {"query": "invoic"})

    text = page.content.decode()
    assert page.status_code == 200
    for case in cases.values():
        assert f'href="{case.get_absolute_url()}"' in text
    assert "4 texts match" in text
    assert "Other Words Ltd" not in text
    assert "Quiet Ltd" not in text


def test_every_word_of_the_search_must_match_and_the_better_match_comes_first(
    manager_client: BrowserClient, account_manager: User
) -> None:
    _case_with_words(account_manager, "Once Ltd", "Slow replies, and the price")
    _case_with_words(account_manager, "Twice Ltd", "Slow replies, slow fixes, slow everything, and the price")
    _case_with_words(account_manager, "Never Ltd", "Slow replies only")

    text = manager_client.get(PAGE, {"query": "slow price"}).content.decode()

    assert "2 texts match" in text
    assert "Never Ltd" not in text
    assert text.index("Twice Ltd") < text.index("Once Ltd")


def test_filters_narrow_the_texts_to_the_reason_competitor_and_account_manager(
    manager_client: BrowserClient, account_manager: User, other_account_manager: User
) -> None:
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    _case_with_words(account_manager, "Cheaper Ltd", "Too dear", reason=price, competitor="Acme")
    _case_with_words(account_manager, "Elsewhere Ltd", "Too dear, went elsewhere", reason=price)
    _case_with_words(other_account_manager, "Jonas Client Ltd", "Too dear for us", competitor="Acme")

    by_reason = manager_client.get(PAGE, {"reason": price.pk}).content.decode()
    by_competitor = manager_client.get(PAGE, {"competitor": "Acme"}).content.decode()
    by_owner = manager_client.get(PAGE, {"account_manager": other_account_manager.pk}).content.decode()

    assert ("Cheaper Ltd" in by_reason, "Elsewhere Ltd" in by_reason, "Jonas Client Ltd" in by_reason) == (
        True,
        True,
        False,
    )
    assert ("Cheaper Ltd" in by_competitor, "Jonas Client Ltd" in by_competitor, "Elsewhere Ltd" in by_competitor) == (
        True,
        True,
        False,
    )
    assert ("Jonas Client Ltd" in by_owner, "Cheaper Ltd" in by_owner) == (True, False)


def test_anonymous_comments_show_once_the_period_holds_five_anonymous_answers(
    manager_client: BrowserClient, account_manager: User
) -> None:
    _anonymous_answers(4, "Invoices were a mess")

    below = manager_client.get(PAGE, {"query": "invoices"}).content.decode()
    _anonymous_answers(1, "Nothing to add", segment="Marketing")
    at_threshold = manager_client.get(PAGE, {"query": "invoices"}).content.decode()

    assert "Invoices were a mess" not in below
    assert "Fewer than 5 anonymous answers" in below
    assert at_threshold.count("Invoices were a mess") == 4
    assert "Nothing to add" not in at_threshold  # it does not match the search


def test_anonymous_comments_stay_hidden_in_a_segment_with_fewer_than_five(
    manager_client: BrowserClient, account_manager: User
) -> None:
    _anonymous_answers(5, "Lovely people", segment="Consulting")
    _anonymous_answers(2, "Invoices were a mess", segment="Marketing")
    make_case(owner=account_manager, notice=date(2026, 3, 1), segment="Marketing")

    marketing = manager_client.get(PAGE, {"segment": "Marketing"}).content.decode()
    consulting = manager_client.get(PAGE, {"segment": "Consulting"}).content.decode()

    assert "Invoices were a mess" not in marketing
    assert "Lovely people" in consulting


def test_without_a_segment_a_small_segments_comments_stay_hidden_unless_the_small_ones_reach_five(
    manager_client: BrowserClient, account_manager: User
) -> None:
    _anonymous_answers(5, "Lovely people", segment="Consulting")
    _anonymous_answers(2, "Invoices were a mess", segment="Marketing")

    two_small = manager_client.get(PAGE).content.decode()
    _anonymous_answers(3, "Slow replies", segment="Payroll")
    five_small = manager_client.get(PAGE).content.decode()

    # Every segment's comments less Consulting's would otherwise give away Marketing's two.
    assert (two_small.count("Lovely people"), two_small.count("Invoices were a mess")) == (5, 0)
    assert (five_small.count("Invoices were a mess"), five_small.count("Slow replies")) == (2, 3)


@pytest.mark.parametrize("narrowing", ["account_manager", "reason", "competitor"])
def test_anonymous_comments_never_show_under_a_filter_an_anonymous_answer_cannot_meet(
    manager_client: BrowserClient, account_manager: User, narrowing: str
) -> None:
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    _case_with_words(account_manager, "Cheaper Ltd", "Too dear", reason=price, competitor="Acme")
    _anonymous_answers(6, "Invoices were a mess")
    value = {"account_manager": str(account_manager.pk), "reason": str(price.pk), "competitor": "Acme"}[narrowing]

    text = manager_client.get(PAGE, {narrowing: value}).content.decode()

    assert "Cheaper Ltd" in text
    assert "Invoices were a mess" not in text
    assert "they are left out while an account manager, a reason or a competitor is chosen" in text


def test_an_anonymous_comment_never_stands_beside_a_case_or_client(
    manager_client: BrowserClient, account_manager: User
) -> None:
    _anonymous_answers(5, "Invoices were a mess")

    page = manager_client.get(PAGE, {"query": "mess"})

    section = page.content.decode().split('id="anonymous-comments"')[1].split("</ul>")[0]
    assert section.count("Invoices were a mess") == 5
    assert "href=" not in section
    assert "Consulting" not in section
    assert "2026" not in section


def test_the_page_reads_a_fixed_number_of_queries_however_many_texts(
    manager_client: BrowserClient, account_manager: User, django_assert_max_num_queries: object
) -> None:
    for number in range(30):
        _case_with_words(account_manager, f"Client {number}", "Invoices late, invoices wrong")
    _anonymous_answers(5, "Invoices were a mess")

    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert manager_client.get(PAGE, {"query": "invoices"}).status_code == 200


def test_account_managers_may_not_open_the_page(am_client: BrowserClient) -> None:
    assert am_client.get(PAGE).status_code == 403


def test_the_search_of_the_probe_steps_words_can_use_its_gin_index(account_manager: User) -> None:
    _case_with_words(account_manager, "Probe Ltd", "Your invoices arrived late every month")
    probe_source = next(source for source in TEXT_SOURCES if source.model is ProbeStep)
    matching = text_matching(ProbeStep.objects.all(), probe_source.field, ["invoic"])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is otherwise read whole
        plan = matching.explain()

    assert "probe_client_words_search" in plan
    assert list(matching.values_list("case__client__company_name", flat=True)) == ["Probe Ltd"]
