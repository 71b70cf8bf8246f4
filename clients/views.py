from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clients.models import Client


def client_list(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.visible_to(request.user).select_related("account_manager")
    return render(request, "clients/client_list.html", {"clients": clients})
