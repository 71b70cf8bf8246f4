"""The client page and what is done from it: "Client came back" and the keep-in-touch answer.

The page belongs to the clients' pages (its URL sits beside clients/ in offboarding/urls.py), but it
shows departure cases, the timeline and follow-ups, so it lives in offboarding: clients must not import
the apps above it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from clients.selectors import value_changes_for_client
from clients.web import AuthenticatedHttpRequest, form_errors_from, refusal_message
from offboarding.forms.consent import KeepInTouchAnswerForm
from offboarding.forms.improvements import ClientReturnForm
from offboarding.outbox.selectors import follow_ups_for_client
from offboarding.selectors import cases as case_selectors
from offboarding.services import cases as case_services
from offboarding.services.cases import STEPS
from offboarding.services.consent import client_keep_in_touch_update
from offboarding.services.returns import client_return_record, return_cause_offer


def _visible_client(request: AuthenticatedHttpRequest, pk: int) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user).select_related("account_manager"), pk=pk)


def _client_page(
    request: AuthenticatedHttpRequest,
    client: Client,
    returned_form: ClientReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cases = case_selectors.cases_for_client(client)
    rows = [
        {"case": case, "closed_steps": case_selectors.case_progress(case, case_selectors.listed_step_statuses(case))[0]}
        for case in cases
    ]
    case_open_refusal = case_services.case_open_refusal(client)
    can_mark_returned = not case_services.client_return_refusal(client)
    if returned_form is None and can_mark_returned:
        returned_form = ClientReturnForm(offer=return_cause_offer(client))
    context = {
        "client": client,
        "case_rows": rows,
        "steps_total": len(STEPS),
        "events": case_selectors.events_for_client(client),
        "value_changes": value_changes_for_client(client),
        "follow_ups": follow_ups_for_client(client),
        "can_open_case": not case_open_refusal,
        "case_open_refusal": case_open_refusal,
        "can_mark_returned": can_mark_returned,
        "returned_form": returned_form,
        "keep_in_touch_form": KeepInTouchAnswerForm(initial={"keep_in_touch": client.keep_in_touch}),
    }
    return render(request, "clients/client_detail.html", context, status=status)


def client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _client_page(request, _visible_client(request, pk))


@require_POST
def client_returned(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = _visible_client(request, client_pk)
    refusal = case_services.client_return_refusal(client)
    if refusal:
        messages.error(request, refusal)
        return redirect(client)
    form = ClientReturnForm(request.POST, offer=return_cause_offer(client))
    if form.is_valid():
        try:
            client_return_record(client=client, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request, _("Welcome back, %(client)s! The client is marked as returned.") % {"client": client}
            )
            return redirect(client)
    return _client_page(request, client, returned_form=form, status=400)


@require_POST
def client_keep_in_touch(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_pk)
    form = KeepInTouchAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes, no or not asked."))
        return redirect(client)
    answer = form.cleaned_data["keep_in_touch"]
    try:
        change = client_keep_in_touch_update(client=client, answer=answer, actor=request.user, now=timezone.now())
    except ValidationError as error:
        refusal_message(request, error)
        return redirect(client)
    shown = Client.KeepInTouch(answer).label.lower()
    if change.changed:
        messages.success(
            request, _("Keep-in-touch consent saved: %(answer)s") % {"answer": shown} + change.summary() + "."
        )
    else:
        messages.info(request, _("Nothing changed: the answer was already %(answer)s.") % {"answer": shown})
    return redirect(client)
