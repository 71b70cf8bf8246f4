"""The managers' webhook pages: endpoints, their secrets and every delivery with a "send again"."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, form_errors_from, manager_required, refusal_message
from offboarding.outbox.webhooks.forms import DeliveryFilterForm, WebhookEndpointForm
from offboarding.outbox.webhooks.models import WebhookDelivery, WebhookEndpoint
from offboarding.outbox.webhooks.selectors import deliveries_of, endpoints_with_counts, secrets_in_use
from offboarding.outbox.webhooks.services import (
    webhook_delivery_send_again,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_secret_rotate,
)


def _endpoint_fields(form: WebhookEndpointForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in WebhookEndpointForm.Meta.fields}


@manager_required
def webhook_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html", {"endpoints": endpoints_with_counts()})


@manager_required
def webhook_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None, initial={"events": [], "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(created_by=request.user, now=timezone.now(), **_endpoint_fields(form))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Endpoint added. Give its signing secret to the receiver."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    return render(request, "webhooks/form.html", {"form": form}, status=400 if form.errors else 200)


@manager_required
def webhook_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    # A copy: validating writes what was typed onto the form's instance, and the page shows the endpoint as stored.
    form = WebhookEndpointForm(request.POST or None, instance=copy.copy(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(endpoint=endpoint, **_endpoint_fields(form))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    context = {"form": form, "endpoint": endpoint}
    return render(request, "webhooks/form.html", context, status=400 if form.errors else 200)


@manager_required
def webhook_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    filter_form = DeliveryFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    page = Paginator(deliveries_of(endpoint, status=status), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "secrets": secrets_in_use(endpoint, now=timezone.now()),
        "filter_form": filter_form,
        "page": page,
    }
    return render(request, "webhooks/detail.html", context)


@manager_required
@require_POST
def webhook_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhook_secret_rotate(endpoint=endpoint, now=timezone.now())
    messages.success(request, _("New signing secret made; the old one keeps signing during the overlap period."))
    return redirect("webhooks:detail", pk=endpoint.pk)


@manager_required
@require_POST
def webhook_send_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    try:
        webhook_delivery_send_again(delivery=delivery, now=timezone.now())
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("The webhook will be sent again in a moment."))
    return redirect("webhooks:detail", pk=delivery.endpoint_id)
