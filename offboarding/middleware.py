"""Rules that hold for every signed-in request, whichever view answers it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin

from clients.languages import requested_language
from clients.models import staff_profile
from clients.roles import has_role

# A person without a role may still sign out and change their own password.
OWN_ACCOUNT_VIEWS = (auth_views.LogoutView, auth_views.PasswordChangeView, auth_views.PasswordChangeDoneView)


class RoleRequiredMiddleware(MiddlewareMixin):
    """A signed-in person in neither role group gets a page telling them so, and no view runs.

    It sits after sign-in, so anonymous visitors are sent to sign in first.
    The admin keeps its own permission checks.
    """

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponseBase | None:
        if not request.user.is_authenticated or has_role(request.user):
            return None
        if not getattr(view, "login_required", True) or getattr(view, "view_class", None) in OWN_ACCOUNT_VIEWS:
            return None
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            return None
        return TemplateResponse(request, "registration/no_role.html", status=403).render()


class PrivateAnswersMiddleware(MiddlewareMixin):
    """Every answer to a signed-in person, pages and CSV downloads alike, is `Cache-Control: private, no-store`.

    Their pages hold clients' details: no shared proxy may keep them, and no browser
    may store them on disk or show them again from its history after signing out.
    A view that says otherwise (such as /healthz) keeps its own header.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class PersonalLocaleMiddleware(LocaleMiddleware):
    """The language and time zone of a page.

    Language: a `?lang=` link's (the switch on pages opened from an email), else the signed-in
    person's own choice (My settings), else the browser's, as LocaleMiddleware finds it. Time zone:
    the person's own, else the business's. The person's settings come with them from the
    session's sign-in (clients.backends.StaffBackend), so this costs no query.
    """

    def process_request(self, request: HttpRequest) -> None:
        profile = staff_profile(request.user)
        language = requested_language(request) or profile.language
        translation.activate(language or translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        # Activated or reset on every request: a thread keeps the zone of its last request otherwise.
        if profile.time_zone:
            timezone.activate(profile.local_zone)
        else:
            timezone.deactivate()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        # The thread goes back to the business's language and zone: whatever runs in it next without a
        # request of its own (a test, a command) must not speak the last visitor's.
        translation.deactivate()
        timezone.deactivate()
        return response
