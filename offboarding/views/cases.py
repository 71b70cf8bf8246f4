"""Pages of departure cases: My work, the client page, the case page and its step forms."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.formatting import display_name, money
from clients.models import Client
from clients.roles import is_manager
from clients.web import AuthenticatedHttpRequest, form_errors_from, refusal_message
from offboarding.forms.cases import (
    AccountManagerFilterForm,
    CaseOpenForm,
    HandoverItemForm,
    StepSkipForm,
    step_form,
)
from offboarding.models import CaseStep, DepartureCase, HandoverItem, KeepInTouchStep
from offboarding.outbox.selectors import follow_ups_for_case
from offboarding.selectors import cases as case_selectors
from offboarding.services import cases as case_services
from offboarding.services.cases import STEPS

CASES_PER_PAGE = 50  # My work: open cases per page


@dataclass
class StepPanel:
    """One step of the case page: the row, its forms and whether it can still change."""

    number: int
    slug: str
    record: CaseStep
    form: forms.BaseForm
    skip_form: forms.BaseForm
    editable: bool
    currency: str  # the case's, for the amount a step records

    @property
    def title(self) -> str:
        return str(self.record.title)

    @property
    def guidance_template(self) -> str:
        return f"offboarding/guidance/{self.slug}.html"

    @property
    def summary(self) -> list[tuple[str, Any]]:
        """What the step recorded, as (label, readable value), for reading without the form."""
        return [
            (str(field.label), value)
            for name, field in self.form.fields.items()
            if (value := _readable(self.record, name, self.currency)) not in (None, "")
        ]


def _readable(record: CaseStep, name: str, currency: str) -> Any:
    if isinstance(record, KeepInTouchStep) and name == "consent":
        return record.consent_display  # asked at the step, kept on the client
    model_field = record._meta.get_field(name)
    value = getattr(record, name)
    if model_field.many_to_many:
        return ", ".join(str(item) for item in value.all())
    if getattr(model_field, "choices", None):
        return getattr(record, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, User):
        return display_name(value)
    if isinstance(value, Decimal):
        # The only amount a step records is a change to the case's monthly value (the offer's effect).
        return money(value, currency, signed=True)
    return value


def _visible_case(request: AuthenticatedHttpRequest, pk: int) -> DepartureCase:
    cases = DepartureCase.objects.visible_to(request.user)
    try:
        return case_selectors.case_for_page(cases, pk, today=timezone.localdate())
    except DepartureCase.DoesNotExist:
        raise Http404("No such case") from None


def _step_panels(case: DepartureCase, bound: dict[str, forms.BaseForm]) -> list[StepPanel]:
    panels = []
    for number, (slug, record) in enumerate(case_selectors.case_steps(case), start=1):
        panels.append(
            StepPanel(
                number=number,
                slug=slug,
                record=record,
                form=bound.get(slug) or step_form(slug, record),
                skip_form=bound.get(f"skip-{slug}") or StepSkipForm(step=slug),
                editable=case_services.step_is_editable(case, slug),
                currency=case.currency,
            )
        )
    return panels


def _render_case(
    request: AuthenticatedHttpRequest,
    case: DepartureCase,
    bound: dict[str, forms.BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    closed, next_step = case_selectors.case_progress(case)
    panels = _step_panels(case, bound)
    context = {
        "case": case,
        "client": case.client,
        "panels": panels,
        "closed_steps": closed,
        "progress_percent": round(closed * 100 / len(STEPS)),
        "next_step": next_step,
        "handover_form": bound.get("handover") or HandoverItemForm(),
        "follow_ups": follow_ups_for_case(case),
        "events": case.events.all(),
        "required_before_departure": get_text_list(case_services.case_steps_required_before_departure(), _("and")),
        "blocking_steps": case_services.case_steps_blocking_departure(case),
    }
    return render(request, "offboarding/case_detail.html", context, status=status)


def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    manager = is_manager(request.user)
    filter_form = None
    account_manager_id = None if manager else request.user.pk
    if manager:
        filter_form = AccountManagerFilterForm(request.GET or None, people=case_selectors.my_work_account_managers())
        if filter_form.is_valid() and filter_form.cleaned_data["account_manager"]:
            account_manager_id = filter_form.cleaned_data["account_manager"].pk
    cases = case_selectors.open_cases_for_my_work(
        cases=DepartureCase.objects.visible_to(request.user), today=today, account_manager_id=account_manager_id
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        _, next_step = case_selectors.case_progress(case)
        rows.append({"case": case, "next_step": STEPS[next_step].title if next_step else None, "next_slug": next_step})
    context = {"page": page, "rows": rows, "filter_form": filter_form, "is_manager": manager, "today": today}
    return render(request, "offboarding/home.html", context)


def case_open(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_pk)
    open_case = case_selectors.open_case_of(client)
    if open_case is not None:
        messages.info(request, f"{client} already has an open departure case: carry on with it here.")
        return redirect(open_case)
    refusal = case_services.case_open_refusal(client)
    if refusal:
        messages.error(request, refusal)
        return redirect(client)
    form = CaseOpenForm(request.POST or None, initial={"notice_received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.case_open(client=client, opened_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("Departure case opened for %(client)s. Start with step 1: probe for the real reason.")
                % {"client": client},
            )
            return redirect(case)
    return render(request, "offboarding/case_open.html", {"client": client, "form": form})


def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _visible_case(request, pk))


def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    refusal = case_services.case_update_refusal(case)
    if refusal:
        messages.error(request, refusal)
        return redirect(case)
    # A copy: validating writes what was typed onto the form's instance, and the page shows the case as stored.
    form = CaseOpenForm(request.POST or None, instance=copy.copy(case))
    if request.method == "POST" and form.is_valid():
        try:
            case_services.case_update(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Notice details saved. Handover items not yet done follow the leave date."))
            return redirect(case)
    return render(request, "offboarding/case_edit.html", {"case": case, "client": case.client, "form": form})


def _check_step(slug: str) -> None:
    if slug not in STEPS:
        raise Http404("No such step")


@require_POST
def step_save(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    _check_step(step)
    case = _visible_case(request, pk)
    form = step_form(step, getattr(case, step), request.POST)
    if form.is_valid():
        try:
            record = case_services.step_complete(case=case, step=step, actor=request.user, values=form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            case.refresh_from_db(fields=["status"])
            if case.status == DepartureCase.Status.SAVED:
                messages.success(
                    request,
                    _("The offer was accepted: %(client)s stays. The case is closed as saved.")
                    % {"client": case.client},
                )
            else:
                messages.success(request, _("%(step)s: saved.") % {"step": record.title})
            return redirect(f"{case.get_absolute_url()}#step-{step}")
    return _render_case(request, case, {step: form}, status=400)


@require_POST
def step_skip(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    _check_step(step)
    case = _visible_case(request, pk)
    form = StepSkipForm(request.POST, step=step)
    if form.is_valid():
        try:
            record = case_services.step_skip(
                case=case, step=step, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(step)s: skipped.") % {"step": record.title})
            return redirect(f"{case.get_absolute_url()}#step-{step}")
    return _render_case(request, case, {f"skip-{step}": form}, status=400)


@require_POST
def handover_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = HandoverItemForm(request.POST)
    if form.is_valid():
        try:
            case_services.handover_item_add(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Handover item added."))
            return redirect(f"{case.get_absolute_url()}#step-transition")
    return _render_case(request, case, {"handover": form}, status=400)


@require_POST
def handover_done(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    item = get_object_or_404(HandoverItem, case=case, pk=item_pk)
    done = request.POST.get("done") == "1"
    try:
        case_services.handover_item_set_done(item=item, actor=request.user, done=done)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, f"“{item.title}” {'done' if done else 'reopened'}.")
    return redirect(f"{case.get_absolute_url()}#step-transition")


@require_POST
def case_depart(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    try:
        case_services.case_mark_departed(case=case, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(
            request,
            _("%(client)s is marked as departed. The thank-you and follow-ups are planned.") % {"client": case.client},
        )
    return redirect(case)
