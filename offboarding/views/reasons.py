"""The churn-reason list that managers keep: add, edit, retire and restore."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.web import AuthenticatedHttpRequest, form_errors_from, manager_required
from offboarding.forms.reasons import ReasonCreateForm, ReasonEditForm
from offboarding.models import ChurnReason
from offboarding.services import reasons as reason_services


@manager_required
def reason_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReasonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reason = reason_services.reason_create(**form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Reason “%(label)s” added.") % {"label": reason.label})
            return redirect("offboarding:reasons")
    reasons = ChurnReason.objects.annotate(
        primary_uses=Count("primary_for", distinct=True), contributing_uses=Count("contributing_to", distinct=True)
    ).order_by("retired_at", "sort_order", "label")
    status = 400 if request.method == "POST" else 200
    return render(request, "offboarding/reason_list.html", {"reasons": reasons, "form": form}, status=status)


@manager_required
def reason_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(ChurnReason, pk=pk)
    label_locked = reason_services.reason_is_used(reason)
    initial = {"label": reason.label, "category": reason.category, "description": reason.description}
    form = ReasonEditForm(request.POST or None, initial=initial, label_locked=label_locked)
    if request.method == "POST" and form.is_valid():
        try:
            reason_services.reason_update(reason=reason, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Reason “%(label)s” saved.") % {"label": form.cleaned_data["label"]})
            return redirect("offboarding:reasons")
    context = {"reason": reason, "form": form, "label_locked": label_locked}
    return render(request, "offboarding/reason_edit.html", context, status=400 if form.errors else 200)


@require_POST
@manager_required
def reason_retire(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reason = reason_services.reason_retire(reason=get_object_or_404(ChurnReason, pk=pk))
    messages.success(
        request, _("Reason “%(label)s” retired: it no longer appears on new cases.") % {"label": reason.label}
    )
    return redirect("offboarding:reasons")


@require_POST
@manager_required
def reason_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reason = reason_services.reason_restore(reason=get_object_or_404(ChurnReason, pk=pk))
    messages.success(request, _("Reason “%(label)s” is back on the probe form.") % {"label": reason.label})
    return redirect("offboarding:reasons")
