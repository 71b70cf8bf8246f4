"""Compiled dashboard queries give what the same querysets give, for every filter, run after run."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from feedback import selectors
from feedback.compiled_queries import CompiledQuery
from feedback.models import SurveyAnswer
from feedback.selectors import DashboardFilter, headline_figures
from feedback.tests.factories import make_case, survey_invitation
from offboarding.models import ChurnReason, DepartureCase

JANUARY = DashboardFilter(start=date(2026, 1, 1), end=date(2026, 1, 31))
MARCH = DashboardFilter(start=date(2026, 3, 1), end=date(2026, 3, 31))


def _book(amelia: User, jonas: User) -> None:
    price = ChurnReason.objects.get(key="price-cheaper-elsewhere")
    make_case(owner=amelia, notice=date(2026, 1, 10), departed_on=date(2026, 2, 1), reason=price, competitor="Acme")
    make_case(owner=amelia, notice=date(2026, 3, 5), segment="Marketing", status=DepartureCase.Status.SAVED,
              offer_type="price_change", closed_on=date(2026, 3, 20))  # fmt: skip
    case = make_case(owner=jonas, notice=date(2026, 3, 9), departed_on=date(2026, 4, 1), closed_on=date(2026, 4, 1),
                     kind="need_met", won_back_on=date(2026, 6, 1), status=DepartureCase.Status.WON_BACK)  # fmt: skip
    survey_invitation(case, due_at=datetime(2026, 3, 20, 10, tzinfo=timezone.get_current_timezone()))
    SurveyAnswer.objects.create(
        month=date(2026, 3, 1), segment="Consulting", satisfaction=4, likelihood_to_return=7, case=case
    )
    SurveyAnswer.objects.create(is_anonymous=True, month=date(2026, 1, 1), satisfaction=2, likelihood_to_return=3)


def _filters(amelia: User, jonas: User) -> list[DashboardFilter]:
    return [
        JANUARY,
        MARCH,
        DashboardFilter(start=MARCH.start, end=MARCH.end, account_manager_id=amelia.pk),
        DashboardFilter(start=MARCH.start, end=MARCH.end, segment="Consulting"),
        DashboardFilter(start=JANUARY.start, end=MARCH.end),
        DashboardFilter(start=MARCH.start, end=MARCH.end, account_manager_id=jonas.pk, segment="Marketing"),
        DashboardFilter(start=JANUARY.start, end=MARCH.end, account_manager_id=jonas.pk, segment="Consulting"),
    ]


def test_each_run_counts_its_own_period_and_filters(account_manager: User, other_account_manager: User) -> None:
    _book(account_manager, other_account_manager)
    # Run one after another through the same compiled queries: no run keeps an earlier one's values.
    cases = [headline_figures(dashboard).cases for dashboard in _filters(account_manager, other_account_manager)]
    assert cases == [1, 2, 1, 1, 3, 0, 1]


def _compiled_queries() -> dict[str, CompiledQuery]:
    return {name: value for name, value in vars(selectors).items() if isinstance(value, CompiledQuery)}


def _params(query: CompiledQuery, dashboard: DashboardFilter) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    derived = {
        "first_month": dashboard.start.replace(day=1),
        "starts_at": datetime.combine(dashboard.start, time.min, tzinfo=tz),
        "ends_before": datetime.combine(dashboard.end + timedelta(days=1), time.min, tzinfo=tz),
    }
    every = dashboard.as_params() | derived
    return {name: every[name] for name in query.fields}


@pytest.mark.parametrize("name", sorted(_compiled_queries()))
def test_compiled_rows_equal_the_querysets_rows(name: str, account_manager: User, other_account_manager: User) -> None:
    _book(account_manager, other_account_manager)
    query = _compiled_queries()[name]
    for dashboard in _filters(account_manager, other_account_manager):
        params = _params(query, dashboard)
        expected = list(query.build(**params))  # the ORM's own rows: dicts, or tuples from values_list()
        compiled = query.rows(params)
        if expected and isinstance(expected[0], tuple):
            compiled = [tuple(row.values()) for row in compiled]  # type: ignore[misc]
        assert compiled == expected, dashboard
    assert any(query.rows(_params(query, dashboard)) for dashboard in _filters(account_manager, other_account_manager))


def test_a_compiled_query_refuses_values_it_was_not_written_for() -> None:
    with pytest.raises(TypeError, match="expected values for"):
        selectors.HEADLINE.rows({"start": JANUARY.start, "end": JANUARY.end})


def test_days_to_close_follow_the_active_time_zone(account_manager: User) -> None:
    case = make_case(owner=account_manager, notice=date(2026, 1, 10), departed_on=date(2026, 1, 11))
    # Closed at 23:30 in London on the 11th, which is already the 12th in Tokyo.
    closed_at = datetime(2026, 1, 11, 23, 30, tzinfo=timezone.get_fixed_timezone(0))
    DepartureCase.objects.filter(pk=case.pk).update(closed_at=closed_at)
    with timezone.override("Europe/London"):
        assert headline_figures(JANUARY).median_days_to_close == 1
    with timezone.override("Asia/Tokyo"):
        assert headline_figures(JANUARY).median_days_to_close == 2


@pytest.mark.django_db(transaction=True)
def test_threads_with_their_own_connections_get_their_figures_and_share_the_compiled_sql(
    account_manager: User, other_account_manager: User
) -> None:
    _book(account_manager, other_account_manager)
    filters = _filters(account_manager, other_account_manager) * 3
    selectors.HEADLINE._compiled.clear()
    found: dict[int, int] = {}

    def count(index: int) -> None:
        try:
            found[index] = headline_figures(filters[index]).cases
        finally:
            connection.close()

    threads = [threading.Thread(target=count, args=(index,)) for index in range(len(filters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [found[index] for index in range(len(filters))] == [1, 2, 1, 1, 3, 0, 1] * 3
    # Kept once per shape for the whole process, not once per thread (runserver starts one a request).
    shapes = {(bool(dashboard.account_manager_id), bool(dashboard.segment)) for dashboard in filters}
    assert len(selectors.HEADLINE._compiled) == len(shapes)
