from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from clients.models import Client


def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "offboarding/home.html")


def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user).select_related("account_manager"), pk=pk)
    return render(request, "clients/client_detail.html", {"client": client})
