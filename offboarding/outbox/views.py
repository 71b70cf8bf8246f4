"""The managers' outbox, follow-up actions on the case page and the public unsubscribe page."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clients.languages import activate_for_page
from clients.models import Client
from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, form_errors_from, manager_required, refusal_message
from offboarding.models import DepartureCase, FollowUp
from offboarding.outbox.emails import UnsubscribeLink, preview_follow_up, unsubscribe_link_from_token
from offboarding.outbox.forms import FollowUpAddForm, FollowUpRescheduleForm, OutboxFilterForm
from offboarding.outbox.selectors import outbox_follow_ups, outbox_status_counts
from offboarding.outbox.services import (
    follow_up_add,
    follow_up_cancel,
    follow_up_mark_done,
    follow_up_reschedule,
    follow_up_retry,
)
from offboarding.services.consent import client_unsubscribe

logger = logging.getLogger(__name__)


def _visible_follow_up(request: AuthenticatedHttpRequest, pk: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.visible_to(request.user).select_related("case", "client"), pk=pk)


def _back(follow_up: FollowUp) -> HttpResponseRedirect:
    if follow_up.case is not None:
        return redirect(follow_up.case.get_absolute_url())
    if follow_up.client is not None:
        return redirect(follow_up.client.get_absolute_url())
    return redirect("outbox:list")


@manager_required
def outbox_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    follow_ups = outbox_follow_ups(status=filters.get("status", ""), kind=filters.get("kind", ""))
    page = Paginator(follow_ups, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = outbox_status_counts()
    status_counts = [(label, counts.get(value, 0)) for value, label in FollowUp.Status.choices]
    context = {"form": form, "page": page, "status_counts": status_counts, "query": query.urlencode()}
    return render(request, "outbox/list.html", context)


@manager_required
def outbox_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("client__account_manager", "case", "recipient_user"), pk=pk
    )
    # A staff reminder is never mailed on its own (it goes out in the daily digest), so it has no message.
    message = None if follow_up.kind == FollowUp.Kind.STAFF_REMINDER else preview_follow_up(follow_up)
    return render(request, "outbox/detail.html", {"follow_up": follow_up, "message": message})


@manager_required
@require_POST
def outbox_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp, pk=pk)
    try:
        follow_up_retry(follow_up=follow_up, actor=request.user, now=timezone.now())
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Queued to be sent again."))
    return redirect("outbox:detail", pk=pk)


@require_POST
def follow_up_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = _visible_follow_up(request, pk)
    try:
        follow_up_cancel(follow_up=follow_up, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("%(kind)s cancelled.") % {"kind": follow_up.get_kind_display()})
    return _back(follow_up)


@require_POST
def follow_up_done_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = _visible_follow_up(request, pk)
    try:
        follow_up_mark_done(follow_up=follow_up, actor=request.user, now=timezone.now())
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Marked as done."))
    # My work lists the person's reminders too; a fixed word, not a URL, so it can lead nowhere else.
    if request.POST.get("back") == "my_work":
        return redirect("home")
    return _back(follow_up)


def follow_up_reschedule_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = _visible_follow_up(request, pk)
    initial = {"due_at": timezone.localtime(follow_up.due_at).replace(second=0, microsecond=0, tzinfo=None)}
    form = FollowUpRescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up = follow_up_reschedule(
                follow_up=follow_up,
                due_at=form.cleaned_data["due_at"],
                actor=request.user,
            )
        except ValidationError as error:
            refusal_message(request, error)
        else:
            due = timezone.localtime(follow_up.due_at)
            moved = {"kind": follow_up.get_kind_display(), "when": format_date(due, "d M Y H:i")}
            messages.success(request, _("%(kind)s moved to %(when)s.") % moved)
        return _back(follow_up)
    context = {"form": form, "follow_up": follow_up, "case": follow_up.case, "title": _("Move a follow-up")}
    return render(request, "outbox/follow_up_form.html", context)


def follow_up_add_view(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = get_object_or_404(DepartureCase.objects.visible_to(request.user).select_related("client"), pk=case_pk)
    form = FollowUpAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up = follow_up_add(case=case, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(kind)s added.") % {"kind": follow_up.get_kind_display()})
            return redirect(case.get_absolute_url())
    context = {"form": form, "case": case, "title": _("Add a follow-up for %(client)s") % {"client": case.client}}
    return render(request, "outbox/follow_up_form.html", context)


def _unsubscribe_target(token: str) -> tuple[Client | None, UnsubscribeLink] | None:
    try:
        link = unsubscribe_link_from_token(token)
    except signing.BadSignature:
        return None
    client = Client.objects.filter(pk=link.client_id).first() if link.client_id is not None else None
    return client, link


@login_not_required
@csrf_exempt  # RFC 8058 one-click: mail providers POST without cookies; the signed token is the proof.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = _unsubscribe_target(token)
    if target is None:
        return render(request, "outbox/unsubscribe_invalid.html", status=404)
    client, link = target
    email = link.email
    activate_for_page(request, link.language or (client.mail_language if client else ""))
    if request.method == "POST":
        client_unsubscribe(client=client, email=email, now=timezone.now())
        return render(request, "outbox/unsubscribed.html", {"email": email})
    return render(request, "outbox/unsubscribe.html", {"email": email, "token": token})
