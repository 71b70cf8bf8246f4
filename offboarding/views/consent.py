"""The client page's keep-in-touch answer (the page itself is in cases.py)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from offboarding.forms.consent import KeepInTouchAnswerForm
from offboarding.services.consent import client_keep_in_touch_update


@require_POST
def client_keep_in_touch(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_pk)
    form = KeepInTouchAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes, no or not asked."))
        return redirect(client)
    answer = form.cleaned_data["keep_in_touch"]
    try:
        change = client_keep_in_touch_update(
            client=client, answer=answer, actor=cast(User, request.user), now=timezone.now()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(client)
    shown = Client.KeepInTouch(answer).label.lower()
    if change.changed:
        messages.success(
            request, _("Keep-in-touch consent saved: %(answer)s") % {"answer": shown} + change.summary() + "."
        )
    else:
        messages.info(request, _("Nothing changed: the answer was already %(answer)s.") % {"answer": shown})
    return redirect(client)
