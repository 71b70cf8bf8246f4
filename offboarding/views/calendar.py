"""The private calendar feed: no sign-in, the secret in its address is the key."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from clients.roles import has_role
from offboarding.calendar_ics import calendar_for
from offboarding.models import CalendarFeed

# What calendar_feed_reset makes (secrets.token_urlsafe); anything else is not looked up at all.
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    if not SECRET_SHAPE.fullmatch(secret):
        raise Http404("No such calendar")
    feed = CalendarFeed.objects.select_related("user").filter(secret=secret).first()
    # A person who left (inactive) or lost their role has no calendar any more, as they have no pages.
    if feed is None or not feed.user.is_active or not has_role(feed.user):
        raise Http404("No such calendar")
    response = HttpResponse(calendar_for(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="offboarding.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
