"""Who may use the REST API, and how often: personal tokens, the roles, a rate per token.

Every API view runs behind these (REST_FRAMEWORK in offboarding/settings.py). What a person may
see or change is then the same as on the pages: each view asks the `visible_to(user)` querysets
and the services the pages ask.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from clients.models import ApiToken
from clients.roles import has_role, is_manager
from clients.tokens import api_token_user


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` with a token from the person's settings page."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = api_token_user(secret=secret, now=timezone.now())
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or was revoked."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema (and its docs page) describes a personal token."""

    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": str(_("A personal token from your settings page."))}


class HasRole(permissions.BasePermission):
    """A person in one of the two roles, as on every page: without a role they see nothing."""

    message = _("You have no role yet: ask a manager to add you as an account manager or a manager.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and has_role(request.user))


class ManagersOnly(HasRole):
    message = _("Only managers may use this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and is_manager(request.user)


class PersonalTokenThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (per person, on the session), counted in the shared cache.

    The count lives in CACHES["default"]: Redis at CACHE_URL in production, so every process and
    node counts the same token together; without CACHE_URL each process counts on its own.
    """

    scope = "personal_token"

    def get_rate(self) -> str:
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
