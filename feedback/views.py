from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from clients.csv_safety import csv_response
from clients.formatting import display_name
from clients.languages import LANGUAGE_PARAMETER, activate_for_page
from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, form_errors_from, manager_required
from feedback.dashboard import dashboard_context, drilldown_description, drilldown_params, filter_params
from feedback.forms import DashboardFilterForm, RecordedFeedbackForm, SurveyForm
from feedback.selectors.case_lists import CaseDrilldown, case_list, case_list_page
from feedback.selectors.filters import DashboardFilter, account_manager_choices, case_segments, default_period
from feedback.services import (
    SurveyAlreadyAnswered,
    SurveyClosed,
    feedback_record,
    survey_answer_submit,
    survey_invitation_is_closed,
    survey_invitation_is_used,
)
from offboarding.models import DepartureCase, FollowUp
from offboarding.outbox.survey_links import survey_link_from_token

FilterForm = TypeVar("FilterForm", bound=DashboardFilterForm)

SURVEY_PROBLEMS = {
    # problem: (HTTP status, heading, explanation)
    "invalid": (400, _("This survey link does not work"), _("Please use the link exactly as it came in our email.")),
    "unknown": (404, _("We could not find this survey"), _("Please use the link exactly as it came in our email.")),
    "expired": (
        410,
        _("This survey has closed"),
        _("Survey links work for 30 days. Thank you for thinking of us."),
    ),
    "answered": (410, _("You have already answered"), _("Your answers reached us. Thank you for taking the time.")),
    "closed": (410, _("This survey has closed"), _("This survey takes no more answers. Thank you for thinking of us.")),
}


def _survey_problem(request: HttpRequest, problem: str) -> HttpResponse:
    status, heading, explanation = SURVEY_PROBLEMS[problem]
    context = {"heading": heading, "explanation": explanation}
    return render(request, "feedback/survey_problem.html", context, status=status)


def _survey_follow_up(token: str) -> FollowUp | str:
    """The invitation behind a survey link, or the name of the problem with the link."""
    try:
        link = survey_link_from_token(token)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "invalid"
    follow_up = FollowUp.objects.select_related("client", "case").filter(
        pk=link.follow_up_id, kind=FollowUp.Kind.SURVEY
    )
    return follow_up.first() or "unknown"


def _link_language(token: str, follow_up: FollowUp) -> str:
    """The language the survey email was written in: its link says so (older links: the client's)."""
    try:
        language = survey_link_from_token(token).language
    except signing.BadSignature:
        language = ""
    return language or (follow_up.client.mail_language if follow_up.client else "")


@login_not_required
def survey(request: HttpRequest, token: str) -> HttpResponse:
    follow_up = _survey_follow_up(token)
    if isinstance(follow_up, str):
        return _survey_problem(request, follow_up)
    activate_for_page(request, _link_language(token, follow_up))
    if survey_invitation_is_closed(follow_up=follow_up):
        return _survey_problem(request, "closed")
    if survey_invitation_is_used(follow_up=follow_up):
        return _survey_problem(request, "answered")
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer_submit(follow_up=follow_up, response=form.survey_response())
        except SurveyClosed:
            return _survey_problem(request, "closed")
        except SurveyAlreadyAnswered:
            return _survey_problem(request, "answered")
        # The thank-you page speaks the language the survey was answered in.
        thanks = reverse("feedback:survey_thanks")
        return redirect(f"{thanks}?{urlencode({LANGUAGE_PARAMETER: translation.get_language()})}")
    return render(request, "feedback/survey.html", {"form": form, "business_name": settings.BUSINESS_NAME})


@login_not_required
def survey_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/survey_thanks.html")


def record_feedback(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(DepartureCase.objects.visible_to(request.user).select_related("client"), pk=case_id)
    form = RecordedFeedbackForm(request.POST or None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            feedback_record(case=case, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Feedback saved on the case."))
            return redirect(case.get_absolute_url())
    return render(request, "feedback/record_feedback.html", {"case": case, "form": form})


def filter_form_and_filter(
    request: HttpRequest, form_class: type[FilterForm], **choices: Any
) -> tuple[FilterForm, DashboardFilter]:
    """The filter form bound to the query string, and the filter it means (defaults for anything invalid).

    `form_class` is the DashboardFilterForm or one with more fields, `choices` what those offer.
    """
    start, end = default_period(timezone.localdate())
    data = None
    if any(name in request.GET for name in form_class.base_fields):
        data = request.GET.copy()  # a link may set only some of them: the period defaults as unbound
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
    form = form_class(
        data,
        initial={"start": start, "end": end},
        account_managers=account_manager_choices(),
        segments=case_segments(),
        **choices,
    )
    if not form.is_bound:
        return form, DashboardFilter(start=start, end=end)
    cleaned = form.cleaned_data if form.is_valid() else {}
    return form, DashboardFilter(
        start=cleaned.get("start") or start,
        end=cleaned.get("end") or end,
        account_manager_id=cleaned.get("account_manager"),
        segment=cleaned.get("segment") or "",
    )


def _dashboard_filter(request: HttpRequest) -> tuple[DashboardFilterForm, DashboardFilter]:
    return filter_form_and_filter(request, DashboardFilterForm)


@manager_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, dashboard_filter = _dashboard_filter(request)
    context = dashboard_context(dashboard_filter, currency=settings.BUSINESS_CURRENCY)
    context.update(form=form, period=dashboard_filter)
    return render(request, "feedback/dashboard.html", context)


def _drilldown(request: HttpRequest) -> CaseDrilldown:
    month = request.GET.get("month", "")
    try:
        month_start = date.fromisoformat(f"{month}-01") if month else None
    except ValueError:
        month_start = None
    fields = ("outcome", "reason", "category", "kind", "competitor", "offer_type")
    return CaseDrilldown(month=month_start, **{name: _drilldown_text(request, name) for name in fields})


def _drilldown_text(request: HttpRequest, name: str) -> str:
    # No link of ours carries a NUL byte, and PostgreSQL refuses one in a query: read it as no narrowing.
    value = request.GET.get(name, "")[:120]
    return "" if "\x00" in value else value


@manager_required
def cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, dashboard_filter = _dashboard_filter(request)
    drilldown = _drilldown(request)
    page = Paginator(case_list_page(dashboard_filter, drilldown), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    narrowing = drilldown_params(drilldown)
    period = urlencode(filter_params(dashboard_filter))
    return render(
        request,
        "feedback/case_list.html",
        {
            "form": form,
            "page": page,
            "period": dashboard_filter,
            "extra_filters": narrowing,
            "narrowing": drilldown_description(drilldown),
            "query_string": urlencode({**filter_params(dashboard_filter), **narrowing}),
            "unnarrowed_url": f"{reverse('feedback:cases')}?{period}",
            "dashboard_url": f"{reverse('feedback:dashboard')}?{period}",
        },
    )


EXPORT_HEADER = (
    "Case",
    "Client",
    "Account manager",
    "Segment",
    "Status",
    "Notice received",
    "Departed",
    "Won back",
    "Monthly value",
    "Currency",
    "Primary reason",
    "Reason category",
    "Kind of departure",
    "Competitor",
    "Offer made",
    "Offer type",
    "Offer answer",
)


def _export_rows(cases: Any) -> Iterator[tuple[object, ...]]:
    for case in cases.iterator(chunk_size=2000):
        probe, offer = case.probe, case.offer
        reason = probe.primary_reason
        yield (
            case.pk,
            case.client.company_name,
            display_name(case.account_manager),
            case.segment,
            case.get_status_display(),
            case.notice_received_on,
            case.departed_on or "",
            case.won_back_on or "",
            case.monthly_value,
            case.currency,
            reason.label if reason else "",
            reason.get_category_display() if reason else "",
            probe.get_departure_kind_display(),
            probe.competitor,
            {True: "yes", False: "no", None: ""}[offer.offer_made],
            offer.get_offer_type_display(),
            offer.get_answer_display(),
        )


@manager_required
def export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _, dashboard_filter = _dashboard_filter(request)
    rows = case_list(dashboard_filter, _drilldown(request))
    params = filter_params(dashboard_filter)
    return csv_response(f"departure-cases-{params['start']}-to-{params['end']}.csv", EXPORT_HEADER, _export_rows(rows))
