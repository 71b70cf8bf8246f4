"""What every API view shares: refusals as 400s, and no sign-in redirect (pages of results: api_pagination).

A refusal is Django's own ValidationError, raised by the services and by `full_clean()` as on the
pages; here it becomes a 400 that names each field (`{"contact_email": ["..."]}`, and what concerns
no one field under "non_field_errors"), the same shape as the serializers' own errors. The service
raised it inside its transaction, so nothing it began is kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.decorators import classonlymethod
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView, exception_handler


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return exception_handler(exc, context)


class AuthenticatedRequest(Request):
    """The request of an API view: HasRole, the default permission, lets no anonymous caller reach one.

    Only a type, as clients.web.AuthenticatedHttpRequest is for the pages: `request.user` is a `User`.
    """

    user: User


class ApiView(APIView):
    """An API view: it answers a token as well as a session, so the sign-in redirect must not stop it."""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))


class ApiViewSet(viewsets.GenericViewSet):
    """A set of API views over one kind of row; see ApiView."""

    @classonlymethod
    def as_view(cls, actions: dict[str, Any] | None = None, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(actions, **initkwargs))
