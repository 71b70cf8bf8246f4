"""The sign-in form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


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
