"""The dashboard's save rate is the kept one, with saves still being watched apart, at the edges of the watch.

Today is 15 Jun 2026; the watch is 90 days, so a save made on 17 Mar is kept today and one made
on 18 Mar is watched one more day. Five offers were made:

| case | saved on | outcome                        | state today |
|------|----------|--------------------------------|-------------|
| E    | 17 Mar   | no notice since                | kept        |
| F    | 18 Mar   | no notice since                | watching    |
| G    | 1 Mar    | notice again on 29 May (day 89)| relapsed    |
| H    | -        | offer declined, departed       | lost        |
| I    | -        | offer declined, departed       | lost        |

Save rate: 1 kept of the 4 offers not still being watched = 25%.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from feedback.selectors.departures import headline_figures
from feedback.selectors.filters import DashboardFilter
from feedback.tests.factories import make_case
from offboarding.models import DepartureCase

pytestmark = pytest.mark.django_db

PERIOD = DashboardFilter(start=date(2025, 7, 1), end=date(2026, 6, 15))


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        yield


@pytest.fixture
def saves(account_manager: User) -> None:
    def saved(name: str, on: date) -> DepartureCase:
        return make_case(owner=account_manager, name=name, notice=date(2026, 2, 20), status="saved", closed_on=on,
                         offer_type="price_change")  # fmt: skip

    saved("E Ltd", date(2026, 3, 17))
    saved("F Ltd", date(2026, 3, 18))
    relapsed = saved("G Ltd", date(2026, 3, 1))
    DepartureCase.objects.filter(pk=relapsed.pk).update(relapsed_on=date(2026, 5, 29))
    for name in ("H Ltd", "I Ltd"):
        make_case(owner=account_manager, name=name, notice=date(2026, 2, 20), departed_on=date(2026, 3, 20),
                  offer_type="price_change")  # fmt: skip


def test_the_save_rate_counts_kept_saves_and_shows_watching_and_relapsed_apart(saves: None) -> None:
    figures = headline_figures(PERIOD)
    assert (figures.offers_made, figures.saved_after_offer) == (5, 3)
    assert (figures.saves_kept, figures.saves_watching, figures.saves_relapsed) == (1, 1, 1)
    assert figures.save_rate == pytest.approx(0.25)


def test_the_next_day_the_watched_save_is_kept_too(saves: None) -> None:
    with time_machine.travel(datetime(2026, 6, 16, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        figures = headline_figures(PERIOD)
    assert (figures.saves_kept, figures.saves_watching, figures.saves_relapsed) == (2, 0, 1)
    assert figures.save_rate == pytest.approx(0.4)  # 2 of 5


def test_the_figures_say_what_they_count_and_open_the_cases_behind_them(
    saves: None, manager_client: BrowserClient
) -> None:
    page = manager_client.get(reverse("feedback:dashboard")).content.decode()
    assert "Save rate (kept)" in page
    assert "Saves still with us 90 days after the save" in page
    assert "(1 kept, 1 relapsed)" in page
    watching = manager_client.get(reverse("feedback:cases"), {**_period(), "outcome": "save_watching"})
    assert "F Ltd" in watching.content.decode()
    assert "E Ltd" not in watching.content.decode()
    relapsed = manager_client.get(reverse("feedback:cases"), {**_period(), "outcome": "save_relapsed"})
    assert "G Ltd" in relapsed.content.decode()
    assert "F Ltd" not in relapsed.content.decode()


def _period() -> dict[str, str]:
    return {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}
