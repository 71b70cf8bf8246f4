"""The handover list each segment's new cases start from, as managers keep it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.web import AuthenticatedHttpRequest, manager_required
from offboarding.forms.handover_lists import HandoverListFormSet
from offboarding.services.handover_lists import (
    EVERY_SEGMENT,
    HandoverListEntry,
    handover_list_reset,
    handover_list_save,
    handover_segments,
    segment_list,
    segment_lists,
)


def _segment(request: HttpRequest, source: str) -> str:
    """The segment a request names, one a list can be kept for (a client's, or one with a list); else 404."""
    data = request.POST if source == "post" else request.GET
    segment = data.get("segment", EVERY_SEGMENT)
    if segment not in handover_segments():
        raise Http404("No such segment.")
    return segment


def _segment_name(segment: str) -> str:
    return segment or _("every segment")


@manager_required
def handover_lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    lists = segment_lists(handover_segments())
    return render(request, "offboarding/handover_lists.html", {"lists": lists})


def _entries(formset: BaseFormSet[Any]) -> list[HandoverListEntry]:
    return [
        HandoverListEntry(form.cleaned_data["title"], form.cleaned_data["days_from_leave_date"])
        for form in formset.forms
        if form.cleaned_data.get("title", "").strip() and not form.cleaned_data.get("DELETE")
    ]


@manager_required
def handover_list_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    segment = _segment(request, "get")
    current = segment_list(segment)
    initial = [{"title": entry.title, "days_from_leave_date": entry.days_from_leave_date} for entry in current.entries]
    formset = HandoverListFormSet(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            handover_list_save(segment=segment, entries=_entries(formset), saved_by=request.user, now=timezone.now())
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(
                request, _("New cases of %(segment)s start from this list.") % {"segment": _segment_name(segment)}
            )
            return redirect("offboarding:handover_lists")
    context = {"segment": segment, "segment_name": _segment_name(segment), "current": current, "formset": formset}
    return render(request, "offboarding/handover_list_edit.html", {**context, "problems": problems})


@manager_required
@require_POST
def handover_list_reset_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    segment = _segment(request, "post")
    handover_list_reset(segment=segment)
    if segment == EVERY_SEGMENT:
        messages.success(request, _("New cases start from the shipped list again, unless their segment has its own."))
    else:
        messages.success(
            request, _("New cases of %(segment)s start from the list for every segment.") % {"segment": segment}
        )
    return redirect("offboarding:handover_lists")
