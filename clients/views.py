from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clients import services
from clients.csv_format import CSV_COLUMNS, CSV_HEADER
from clients.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from clients.csv_safety import csv_response
from clients.forms import ClientFilterForm, ClientForm, ClientImportForm
from clients.models import Client
from clients.roles import has_role, is_manager
from clients.selectors import client_csv_rows, clients_filtered

CLIENTS_PER_PAGE = 25
PROBLEMS_SHOWN = 500

View = Callable[..., HttpResponse]


def _role_required(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator


def _signed_in_user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware keeps anonymous visitors out of every view here.
    return cast(User, request.user)


def client_list(request: HttpRequest) -> HttpResponse:
    filter_form = ClientFilterForm(request.GET or None, user=request.user)
    clients = clients_filtered(user=request.user, filters=filter_form.filters())
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "clients/client_list.html", {"filter_form": filter_form, "page": page})


def client_export(request: HttpRequest) -> StreamingHttpResponse:
    filter_form = ClientFilterForm(request.GET or None, user=request.user)
    clients = clients_filtered(user=request.user, filters=filter_form.filters())
    filename = f"clients-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, CSV_HEADER, client_csv_rows(clients))


def _save_client(request: HttpRequest, form: ClientForm, client: Client | None) -> Client | None:
    """Hand the form to the service; a rule the service enforces becomes a form error."""
    fields = dict(form.cleaned_data)
    try:
        if client is None:
            return services.client_create(created_by=_signed_in_user(request), **fields)
        return services.client_update(client=client, updated_by=_signed_in_user(request), **fields)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@_role_required(has_role)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        client = _save_client(request, form, None)
        if client is not None:
            messages.success(request, f"{client.company_name} was added.")
            return redirect(client)
    return render(request, "clients/client_form.html", {"form": form})


def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user).select_related("account_manager"), pk=pk)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save_client(request, form, client)
        if saved is not None:
            messages.success(request, f"{saved.company_name} was saved.")
            return redirect(saved)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@_role_required(is_manager)
def client_import(request: HttpRequest) -> HttpResponse:
    form = ClientImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.clients_import_csv(file=form.cleaned_data["file"], imported_by=_signed_in_user(request))
        if result.ok:
            messages.success(request, f"Imported {result.created:,} clients.")
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
