"""The product's URLs plus one minimal view: the floor a page is measured against.

It lives here and not in `offboarding.urls` so that the product never serves it.
The floor passes through the same middleware as every page (session, sign-in,
CSRF, security headers) and then does nothing, so a page's ratio to it is the
cost of the page's own work.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench-floor/", floor, name="bench_floor"),
    path("", include("offboarding.urls")),
]
