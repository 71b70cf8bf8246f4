from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients import services, services_rates
from clients.csv_format import CSV_COLUMNS, CSV_HEADER
from clients.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, ImportResult
from clients.csv_safety import csv_response
from clients.forms import (
    ClientFilterForm,
    ClientForm,
    ClientImportForm,
    ExchangeRateForm,
    ExchangeRateImportForm,
    MySettingsForm,
)
from clients.models import Client, ExchangeRate, staff_profile
from clients.selectors import client_csv_rows, clients_filtered
from clients.web import ROWS_PER_PAGE, AuthenticatedHttpRequest, form_errors_from, manager_required

PROBLEMS_SHOWN = 500


def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filter_form = ClientFilterForm(request.GET or None, user=request.user)
    clients = clients_filtered(user=request.user, filters=filter_form.filters())
    page = Paginator(clients, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "clients/client_list.html", {"filter_form": filter_form, "page": page})


def client_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    filter_form = ClientFilterForm(request.GET or None, user=request.user)
    clients = clients_filtered(user=request.user, filters=filter_form.filters())
    filename = f"clients-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, CSV_HEADER, client_csv_rows(clients))


def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(company)s was added.") % {"company": client.company_name})
            return redirect(client)
    return render(request, "clients/client_form.html", {"form": form})


def client_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user).select_related("account_manager"), pk=pk)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.client_update(client=client, updated_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(company)s was saved.") % {"company": saved.company_name})
            return redirect(saved)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@manager_required
def client_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.clients_import_csv(file=form.cleaned_data["file"], imported_by=request.user)
        if result.ok:
            imported = ngettext("Imported %(count)s client.", "Imported %(count)s clients.", result.created)
            messages.success(request, imported % {"count": number_format(result.created, force_grouping=True)})
            return redirect("clients:list")
    context = {
        "form": form,
        "result": result,
        "problems": result.problems[:PROBLEMS_SHOWN] if result else [],
        "columns": CSV_COLUMNS,
        "max_megabytes": MAX_IMPORT_BYTES // (1024 * 1024),
        "max_rows": MAX_IMPORT_ROWS,
    }
    return render(request, "clients/client_import.html", context)


def my_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own language and time zone."""
    profile = staff_profile(request.user)
    form = MySettingsForm(request.POST or None, initial={"language": profile.language, "time_zone": profile.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.staff_profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            # Said in the language just chosen, as every page from now on will be.
            translation.activate(saved.language or translation.get_language_from_request(request))
            messages.success(request, _("Your settings were saved."))
            return redirect("my_settings")
    return render(request, "clients/my_settings.html", {"form": form})


RATES_PER_PAGE = 100


def _exchange_rates_page(
    request: AuthenticatedHttpRequest,
    *,
    form: ExchangeRateForm,
    import_form: ExchangeRateImportForm,
    result: ImportResult | None = None,
) -> HttpResponse:
    rates = ExchangeRate.objects.select_related("added_by").order_by("currency", "-valid_from", "-id")
    context = {
        "form": form,
        "import_form": import_form,
        "result": result,
        "problems": result.problems[:PROBLEMS_SHOWN] if result else [],
        "page": Paginator(rates, RATES_PER_PAGE).get_page(request.GET.get("page")),
        "business_currency": settings.BUSINESS_CURRENCY,
        "max_megabytes": MAX_IMPORT_BYTES // (1024 * 1024),
    }
    return render(request, "clients/exchange_rates.html", context)


@manager_required
def exchange_rates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The rates kept, newest first per currency, and a form to add one."""
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services_rates.exchange_rate_add(added_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("The %(currency)s rate from %(day)s was added.")
                % {"currency": rate.currency, "day": rate.valid_from.isoformat()},
            )
            return redirect("clients:exchange_rates")
    return _exchange_rates_page(request, form=form, import_form=ExchangeRateImportForm())


@manager_required
def exchange_rates_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    import_form = ExchangeRateImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and import_form.is_valid():
        result = services_rates.exchange_rates_import_csv(
            file=import_form.cleaned_data["file"], imported_by=request.user
        )
        if result.ok:
            messages.success(request, _("Imported %(count)s exchange rates.") % {"count": f"{result.created:,}"})
            return redirect("clients:exchange_rates")
    return _exchange_rates_page(request, form=ExchangeRateForm(), import_form=import_form, result=result)
