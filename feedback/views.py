from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse


@login_not_required
def survey(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("The exit survey opens here.")
