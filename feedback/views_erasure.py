from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.web import AuthenticatedHttpRequest, manager_required
from feedback.forms_erasure import ClientEraseForm
from feedback.services_erasure import client_erase
from offboarding.models import FollowUp


@manager_required
def client_erase_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
    form = ClientEraseForm(request.POST or None, company_name=client.company_name)
    if request.method == "POST" and form.is_valid():
        client = client_erase(client=client, erased_by=request.user, now=timezone.now())
        messages.success(request, _("The client's personal data was erased. Their address will never be mailed again."))
        return redirect(client.get_absolute_url())
    context = {
        "client": client,
        "form": form,
        "case_count": client.cases.count(),
        "pending_count": client.follow_ups.filter(status__in=FollowUp.PENDING_STATUSES).count(),
    }
    return render(request, "feedback/client_erase.html", context)
