"""Pages of departure cases: My work, the client page, the case page and its step forms."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients.formatting import display_name, money
from clients.models import Client
from clients.roles import is_manager
from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, form_errors_from, refusal_message
from offboarding.forms.cases import (
    STEP_FORMS,
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


@dataclass
class StepPanel:
    """One step of the case page. Only the step in focus carries its forms: the others are read."""

    number: int
    slug: str
    record: CaseStep
    editable: bool
    currency: str  # the case's, for the amount a step records
    focused: bool = False
    form: forms.BaseForm | None = None
    skip_form: forms.BaseForm | None = None

    @property
    def title(self) -> str:
        return str(self.record.title)

    @property
    def purpose(self) -> str:
        return str(self.record.purpose)

    @property
    def guidance_template(self) -> str:
        return f"offboarding/guidance/{self.slug}.html"

    @property
    def summary(self) -> list[tuple[str, Any]]:
        """What the step recorded, as (label, readable value), for reading without the form.

        Labelled as its form labels them, from the form's class: no form is built for a step not in focus."""
        return [
            (str(field.label), value)
            for name, field in STEP_FORMS[self.slug].base_fields.items()
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


def _step_panels(case: DepartureCase, focus: str | None, bound: dict[str, forms.BaseForm]) -> list[StepPanel]:
    panels = []
    for number, (slug, record) in enumerate(case_selectors.case_steps(case), start=1):
        panel = StepPanel(
            number=number,
            slug=slug,
            record=record,
            editable=case_services.step_is_editable(case, slug),
            currency=case.currency,
            focused=slug == focus,
        )
        if panel.focused and panel.editable:
            panel.form = bound.get(slug) or step_form(slug, record)
            panel.skip_form = bound.get(f"skip-{slug}") or StepSkipForm(step=slug)
        panels.append(panel)
    return panels


def _render_case(
    request: AuthenticatedHttpRequest,
    case: DepartureCase,
    focus: str | None,
    bound: dict[str, forms.BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page as a guide: the step in focus with its forms, the others as summaries or one line."""
    panels = _step_panels(case, focus, bound or {})
    closed, _first_open = case_selectors.case_progress(case)
    handover_items = case.handover_items.all()
    context = {
        "case": case,
        "client": case.client,
        "panels": panels,
        "focused": next((panel for panel in panels if panel.focused), None),
        "closed_steps": closed,
        "progress_percent": round(closed * 100 / len(STEPS)),
        "next_step": case_services.case_next_open_step(case),
        "handover_form": (bound or {}).get("handover") or HandoverItemForm(),
        "handover_done": sum(1 for item in handover_items if item.done_at),
        "follow_ups": follow_ups_for_case(case),
        "events": case.events.all(),
        "required_before_departure": get_text_list(case_services.case_steps_required_before_departure(case), _("and")),
        "blocking_steps": case_services.case_steps_blocking_departure(case),
    }
    return render(request, "offboarding/case_detail.html", context, status=status)


def _step_url(case: DepartureCase, step: str) -> str:
    return reverse("offboarding:step_save", args=[case.pk, step]) + f"#step-{step}"


def _on_to_the_next_step(request: AuthenticatedHttpRequest, case: DepartureCase, done: str, said: str) -> HttpResponse:
    """After a step is saved or skipped: say what was recorded, and lead on to the next step still to do."""
    case = case_selectors.case_with_steps(case.pk)
    next_step = case_services.case_next_open_step(case, after=done)
    if next_step is None:
        messages.success(request, said)
        return redirect(f"{case.get_absolute_url()}#checklist")
    messages.success(request, _("%(said)s Next: %(step)s.") % {"said": said, "step": STEPS[next_step].title})
    return redirect(_step_url(case, next_step))


def account_manager_shown(request: AuthenticatedHttpRequest) -> tuple[AccountManagerFilterForm | None, int | None]:
    """Whose cases a list shows: an account manager's own; a manager's everyone's, or the one chosen in the filter."""
    if not is_manager(request.user):
        return None, request.user.pk
    filter_form = AccountManagerFilterForm(request.GET or None, people=case_selectors.my_work_account_managers())
    if filter_form.is_valid() and filter_form.cleaned_data["account_manager"]:
        return filter_form, filter_form.cleaned_data["account_manager"].pk
    return filter_form, None


def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    manager = is_manager(request.user)
    filter_form, account_manager_id = account_manager_shown(request)
    cases = case_selectors.open_cases_for_my_work(
        cases=DepartureCase.objects.visible_to(request.user), today=today, account_manager_id=account_manager_id
    )
    page = Paginator(cases, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        next_step = case_services.case_next_open_step(case, statuses=case_selectors.listed_step_statuses(case))
        rows.append({"case": case, "next_step": STEPS[next_step].title if next_step else None, "next_slug": next_step})
    end_of_today = datetime.combine(today + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    reminders = case_selectors.reminders_due_for(person=request.user, until=end_of_today)
    context = {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "is_manager": manager,
        "today": today,
        "reminders": reminders,
    }
    return render(request, "offboarding/home.html", context)


def case_open(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_pk)
    open_case = case_selectors.open_case_of(client)
    if open_case is not None:
        messages.info(
            request, _("%(client)s already has an open departure case: carry on with it here.") % {"client": client}
        )
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
    """The case page leads with the next step still to do."""
    case = _visible_case(request, pk)
    return _render_case(request, case, focus=case_services.case_next_open_step(case))


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


@require_http_methods(["GET", "POST"])
def step_save(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """One step's own page: GET shows the case with this step open, POST saves it and moves on."""
    _check_step(step)
    case = _visible_case(request, pk)
    if request.method == "GET":
        return _render_case(request, case, focus=step)
    form = step_form(step, getattr(case, step), request.POST)
    if form.is_valid():
        try:
            record = case_services.step_complete(case=case, step=step, actor=request.user, values=form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            case.refresh_from_db(fields=["status"])
            if case.status == DepartureCase.Status.SAVED:
                said = _("The offer was accepted: %(client)s stays. The case is closed as saved.")
                messages.success(request, said % {"client": case.client})
                return redirect(case)
            return _on_to_the_next_step(request, case, step, _("%(step)s: saved.") % {"step": record.title})
    return _render_case(request, case, focus=step, bound={step: form}, status=400)


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
            return _on_to_the_next_step(request, case, step, _("%(step)s: skipped.") % {"step": record.title})
    return _render_case(request, case, focus=step, bound={f"skip-{step}": form}, status=400)


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
            return redirect(_step_url(case, "transition"))
    return _render_case(request, case, focus="transition", bound={"handover": form}, status=400)


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
        said = _("“%(item)s” done.") if done else _("“%(item)s” reopened.")
        messages.success(request, said % {"item": item.title})
    return redirect(_step_url(case, "transition"))


@require_POST
def case_depart(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    try:
        case_services.case_mark_departed(case=case, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _departed_message(case))
    return redirect(case)


def _departed_message(case: DepartureCase) -> str:
    if case.is_partial:
        return _("The partial departure of %(client)s is complete: they stay a client at %(value)s a month.") % {
            "client": case.client,
            "value": money(case.value_staying, case.currency),
        }
    return _("%(client)s is marked as departed. The thank-you and follow-ups are planned.") % {"client": case.client}
