"""The sign-in and password-reset forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import User
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils import timezone

from offboarding.client_address import client_address
from offboarding.services.sign_in import password_reset_allowed_for, password_reset_allowed_from


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a username longer than any account's before checking it.

    AuthenticationForm sets the username's max_length only for the browser, so an overlong
    name reached the password check, and django-axes failed to record the failed attempt
    (its column holds 255 characters): a server error instead of "please try again".
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))  # type: ignore[attr-defined]


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, linking to SITE_URL and sending only within the limits per address and account.

    The request's Host header is the visitor's to choose, so neither the link nor the
    site's name is taken from it. Past a limit nothing is sent and the next page says
    what it always says, so it never tells whether an account uses the address.
    """

    def save(self, **options: Any) -> None:  # type: ignore[override]  # the reset view passes keywords only
        request: HttpRequest = options["request"]
        if not password_reset_allowed_from(address=client_address(request), now=timezone.now()):
            return
        options["domain_override"] = urlsplit(settings.SITE_URL).netloc  # never the Host header
        options["extra_email_context"] = {"site_url": settings.SITE_URL, "site_name": settings.BUSINESS_NAME}
        super().save(**options)

    def get_users(self, email: str) -> Iterator[User]:
        now = timezone.now()
        return (user for user in super().get_users(email) if password_reset_allowed_for(user=user, now=now))
