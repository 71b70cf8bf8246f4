"""Pages of improvements: from an apology to work with an owner, the managers' list, and the "we changed it" note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.roles import is_manager
from clients.web import AuthenticatedHttpRequest, form_errors_from, manager_required, refusal_message
from offboarding.forms.improvements import ImprovementAttachForm, ImprovementForm, ImprovementStatusForm
from offboarding.models import ApologyStep, DepartureCase, Improvement
from offboarding.selectors import improvements as selectors
from offboarding.services import improvements as services


def _visible_case(request: AuthenticatedHttpRequest, pk: int) -> DepartureCase:
    cases = DepartureCase.objects.visible_to(request.user).select_related("client", "probe")
    return get_object_or_404(cases, pk=pk)


def _visible_improvement(request: AuthenticatedHttpRequest, pk: int) -> Improvement:
    return get_object_or_404(Improvement.objects.visible_to(request.user).select_related("owner"), pk=pk)


def _apology_url(case: DepartureCase) -> str:
    return f"{case.get_absolute_url()}#step-apology"


def _initial_from_apology(request: AuthenticatedHttpRequest, case: DepartureCase) -> dict[str, object]:
    apology = ApologyStep.objects.filter(case=case).first()
    what_will_change = apology.what_will_change.strip() if apology else ""
    probe = getattr(case, "probe", None)
    reasons = (
        [] if probe is None else [probe.primary_reason_id, *probe.contributing_reasons.values_list("pk", flat=True)]
    )
    return {
        "title": what_will_change.splitlines()[0][:200] if what_will_change else "",
        "what_changes": what_will_change,
        "owner": request.user.pk,
        "reasons": [reason for reason in reasons if reason],
    }


def improvement_new(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _visible_case(request, case_pk)
    form = ImprovementForm(request.POST or None, initial=_initial_from_apology(request, case))
    if request.method == "POST" and form.is_valid():
        try:
            improvement = services.improvement_create_from_case(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Improvement “%(title)s” created.") % {"title": improvement.title})
            return redirect(improvement)
    return render(request, "offboarding/improvement_form.html", {"case": case, "client": case.client, "form": form})


@require_POST
def improvement_attach(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _visible_case(request, case_pk)
    form = ImprovementAttachForm(request.POST, improvements=selectors.improvements_to_attach(case))
    if not form.is_valid():
        messages.error(request, _("Choose an improvement that is not done yet."))
        return redirect(_apology_url(case))
    improvement = form.cleaned_data["improvement"]
    try:
        services.improvement_attach_case(improvement=improvement, case=case, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("This case now asks for “%(title)s”.") % {"title": improvement.title})
    return redirect(_apology_url(case))


@manager_required
def improvement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    include_done = request.GET.get("done") == "1"
    today = timezone.localdate()
    groups = selectors.improvements_by_reason(today=today, include_done=include_done)
    return render(
        request, "offboarding/improvement_list.html", {"groups": groups, "include_done": include_done, "today": today}
    )


def improvement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    improvement = _visible_improvement(request, pk)
    page = selectors.improvement_page(improvement, visible_cases=DepartureCase.objects.visible_to(request.user))
    manager = is_manager(request.user)
    context = {
        "page": page,
        "improvement": improvement,
        "today": timezone.localdate(),
        "may_change_status": not services.improvement_status_refusal(improvement, request.user),
        "status_form": ImprovementStatusForm(initial={"status": improvement.status}),
        "is_manager": manager,
        "note_refusal": services.improvement_note_refusal(improvement, request.user),
        "audience": services.improvement_note_audience(improvement) if manager else None,
    }
    return render(request, "offboarding/improvement_detail.html", context)


@require_POST
def improvement_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    improvement = _visible_improvement(request, pk)
    refusal = services.improvement_status_refusal(improvement, request.user)
    if refusal:
        raise PermissionDenied(refusal)
    form = ImprovementStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose planned, in progress or done."))
        return redirect(improvement)
    improvement = services.improvement_set_status(
        improvement=improvement, status=form.cleaned_data["status"], actor=request.user
    )
    messages.success(request, _("Status saved: %(status)s.") % {"status": improvement.get_status_display()})
    return redirect(improvement)


@require_POST
@manager_required
def improvement_notes_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    improvement = _visible_improvement(request, pk)
    try:
        planned = services.improvement_notes_send(improvement=improvement, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
        return redirect(improvement)
    if planned:
        messages.success(
            request,
            _("The “we changed it” note is on its way to %(count)s former client(s), in their business hours.")
            % {"count": planned},
        )
    else:
        messages.info(request, _("No one is left to tell: every former client who agreed has had this note."))
    return redirect(improvement)
