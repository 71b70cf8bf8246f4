"""Saves being watched: every saved case still inside its watch period, with its days left."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clients.roles import is_manager
from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest
from offboarding.models import DepartureCase
from offboarding.models.cases import save_watch_days
from offboarding.selectors import cases as case_selectors
from offboarding.views.cases import account_manager_shown


def saves_watching(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Managers see every watched save (and may narrow to one account manager); account managers their own."""
    today = timezone.localdate()
    filter_form, account_manager_id = account_manager_shown(request)
    saves = case_selectors.saves_being_watched(
        cases=DepartureCase.objects.visible_to(request.user), today=today, account_manager_id=account_manager_id
    )
    page = Paginator(saves, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"case": case, "days_left": case.watch_days_left(today)} for case in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "is_manager": is_manager(request.user),
        "watch_days": save_watch_days(),
    }
    return render(request, "offboarding/saves_watching.html", context)
