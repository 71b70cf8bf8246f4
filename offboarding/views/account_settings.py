"""A person's own settings: personal API tokens and the private calendar address.

Each person sees and changes only their own: another person's token is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.forms import ApiTokenForm
from clients.models import ApiToken
from clients.tokens import api_token_create, api_token_revoke
from clients.web import AuthenticatedHttpRequest, form_errors_from, refusal_message
from offboarding.models import CalendarFeed
from offboarding.services.calendar_feeds import calendar_feed_reset


def _page(
    request: AuthenticatedHttpRequest, form: ApiTokenForm, *, new_secret: str = "", status: int = 200
) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = f"{settings.SITE_URL}{reverse('calendar_feed', args=[feed.secret])}" if feed else ""
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user, revoked_at__isnull=True),
        "new_secret": new_secret,
        "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        "api_docs_url": reverse("api:docs"),
    }
    return render(request, "offboarding/account_settings.html", context, status=status)


def account_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, ApiTokenForm())


@require_POST
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new token, shown on the page this once: it is kept nowhere, so there is nothing to redirect to."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            created = api_token_create(user=request.user, name=form.cleaned_data["name"], now=timezone.now())
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return _page(request, ApiTokenForm(), new_secret=created.secret)
    return _page(request, form, status=400)


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    try:
        api_token_revoke(token=token, user=request.user, now=timezone.now())
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("“%(name)s” was revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("account_settings")


@require_POST
def calendar_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    had_one = CalendarFeed.objects.filter(user=request.user).exists()
    calendar_feed_reset(user=request.user, now=timezone.now())
    if had_one:
        messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    else:
        messages.success(request, _("Your calendar address is ready: subscribe to it in your calendar."))
    return redirect("account_settings")
