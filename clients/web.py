"""What every signed-in page shares: its typed request, the managers-only check, and how a refusal reaches it.

The application's error type is Django's own `ValidationError`: services raise it for a rule a
person's input broke, and `full_clean()` raises the same type for the models' rules (field
validators and constraints), so there is nothing to translate between the two. A page shows it
with `form_errors_from` (next to the field it names, the rest above the form) or, where the page
has no form to hold it, with `refusal_message`. Errors a person cannot cause are not
`ValidationError`s: they reach the error page and the log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from clients.roles import is_manager

View = Callable[..., HttpResponseBase]

# Rows on one page of every list (clients, My work, the outbox, the dashboard's cases, ...): a laptop
# screen or two, and the same length wherever a person pages through rows.
ROWS_PER_PAGE = 25


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a signed-in page: LoginRequiredMiddleware lets no anonymous visitor reach one.

    Only a type: views that require signing in (every view not marked `login_not_required`)
    annotate `request` with it, so `request.user` is a `User` without a cast.
    """

    user: User


def manager_required(view: View) -> View:
    """Managers only: anyone else gets the 403 page."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_manager(request.user):
            raise PermissionDenied("Only managers may open this page.")
        return view(request, *args, **kwargs)

    return checked


def form_errors_from(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a refusal on the form: an error about one of its fields next to that field, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def refusal_message(request: HttpRequest, error: ValidationError) -> None:
    """A refusal on a page with no form to hold it (a button, a link): one error message at the top."""
    messages.error(request, " ".join(error.messages))
