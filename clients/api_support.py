"""What every API view shares: its typed request and refusals as 400s (pages of results: api_pagination).

REST framework marks its views `login_required = False`, so Django's sign-in redirect leaves them
alone: a token is checked by the view (clients.api_auth), and an anonymous call is a 401.

A refusal is Django's own ValidationError, raised by the services and by `full_clean()` as on the
pages; here it becomes a 400 that names each field (`{"contact_email": ["..."]}`, and what concerns
no one field under "non_field_errors"), the same shape as the serializers' own errors. The service
raised it inside its transaction, so nothing it began is kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return exception_handler(exc, context)


class AuthenticatedRequest(Request):
    """The request of an API view: HasRole, the default permission, lets no anonymous caller reach one.

    Only a type, as clients.web.AuthenticatedHttpRequest is for the pages: `request.user` is a `User`.
    """

    user: User
