"""Recurring themes counted against texts written by hand: words and phrases, per reason, by cases."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.client_words import WordsFilter
from feedback.selectors.filters import DashboardFilter
from feedback.selectors.themes import _themes_fallback, recurring_themes
from feedback.tests.factories import make_case
from offboarding.models import ChurnReason, DepartureCase, ProbeStep

pytestmark = pytest.mark.django_db

SPRING = DashboardFilter(start=date(2026, 3, 1), end=date(2026, 5, 31))


def _case(owner: User, reason_key: str, words: str, notice: date = date(2026, 3, 10)) -> DepartureCase:
    case = make_case(owner=owner, notice=notice, reason=ChurnReason.objects.get(key=reason_key))
    ProbeStep.objects.filter(case=case).update(client_words=words)
    return case


def _themes(words_filter: WordsFilter) -> dict[str, dict[str, int]]:
    return {
        group.reason: {theme.term: theme.cases for theme in group.themes} for group in recurring_themes(words_filter)
    }


@pytest.fixture
def book(account_manager: User, other_account_manager: User) -> None:
    _case(account_manager, "price-cheaper-elsewhere", "The invoices arrived late. Late, late, late!")
    second = _case(account_manager, "price-cheaper-elsewhere", "Invoices arrived late again")
    SurveyAnswer.objects.create(
        client=second.client, case=second, month=date(2026, 4, 1), satisfaction=2, likelihood_to_return=3,
        could_do_better="Thin reports",
    )  # fmt: skip
    third = _case(account_manager, "price-cheaper-elsewhere", "Too expensive")
    RecordedFeedback.objects.create(
        case=third, heard_on=date(2026, 3, 20), what_they_said="The thin reports, mostly", recorded_by=account_manager
    )
    _case(other_account_manager, "service-quality", "Invoices late")
    _case(other_account_manager, "service-quality", "invoices late, every time")
    _case(account_manager, "service-quality", "Invoices late", notice=date(2025, 12, 1))  # before the period
    for _ in range(5):  # anonymous answers have no case: they count in no theme
        SurveyAnswer.objects.create(
            is_anonymous=True, month=date(2026, 4, 1), satisfaction=1, likelihood_to_return=0,
            could_do_better="Too expensive",
        )  # fmt: skip


def test_themes_count_the_cases_mentioning_each_word_and_phrase_per_reason(book: None) -> None:
    themes = _themes(WordsFilter(dashboard=SPRING))

    assert themes == {
        "Found a cheaper offer elsewhere": {
            "arrived": 2,
            "arrived late": 2,
            "invoices": 2,
            "invoices arrived": 2,
            "late": 2,
            "reports": 2,
            "thin": 2,
            "thin reports": 2,
        },
        "Quality of our work": {"invoices": 2, "invoices late": 2, "late": 2},
    }


def test_themes_follow_the_filter(book: None, other_account_manager: User) -> None:
    jonas = DashboardFilter(start=SPRING.start, end=SPRING.end, account_manager_id=other_account_manager.pk)
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")

    assert list(_themes(WordsFilter(dashboard=jonas))) == ["Quality of our work"]
    assert list(_themes(WordsFilter(dashboard=SPRING, reason=str(price.pk)))) == ["Found a cheaper offer elsewhere"]
    assert _themes(WordsFilter(dashboard=SPRING, competitor="Nobody")) == {}


def test_a_word_in_one_case_only_is_no_theme(account_manager: User) -> None:
    _case(account_manager, "price-cheaper-elsewhere", "Expensive expensive expensive")
    _case(account_manager, "price-cheaper-elsewhere", "Cheaper elsewhere")

    assert _themes(WordsFilter(dashboard=SPRING)) == {}


def test_the_sqlite_fallback_counts_single_words_of_four_letters_by_case(book: None) -> None:
    rows = _themes_fallback(WordsFilter(dashboard=SPRING))

    assert rows == [
        ("Found a cheaper offer elsewhere", "arrived", 2),
        ("Found a cheaper offer elsewhere", "invoices", 2),
        ("Found a cheaper offer elsewhere", "late", 2),
        ("Found a cheaper offer elsewhere", "reports", 2),
        ("Found a cheaper offer elsewhere", "thin", 2),
        ("Quality of our work", "invoices", 2),
        ("Quality of our work", "late", 2),
    ]
