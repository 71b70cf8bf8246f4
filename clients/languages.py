"""The languages the product ships, and which one a page, an email or a person speaks.

A client is written to in their preferred language (empty: the business's, LANGUAGE_CODE); a
page opened from one of their emails speaks the language its link carries, and the visitor may
switch with `?lang=` links. A staff member's pages follow their own choice, else their browser.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The query parameter of the language links on pages opened from an email.
LANGUAGE_PARAMETER = "lang"


def shipped_codes() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def is_shipped(code: str) -> bool:
    return code in shipped_codes()


def language_name(code: str) -> str:
    """A language as its own speakers name it (Deutsch, Français): how a language choice lists it."""
    return dict(settings.LANGUAGES).get(code, code)


def validate_language(value: str) -> None:
    if not is_shipped(value):
        raise ValidationError(
            _("Choose one of the languages we ship: %(languages)s."),
            params={"languages": ", ".join(shipped_codes())},
            code="unknown_language",
        )


def business_language() -> str:
    return str(settings.LANGUAGE_CODE)


def requested_language(request: HttpRequest) -> str:
    """The language a visitor chose with a `?lang=` link, when it is one we ship; else empty."""
    code = request.GET.get(LANGUAGE_PARAMETER, "")
    return code if is_shipped(code) else ""


def activate_for_page(request: HttpRequest, language: str) -> None:
    """A page opened from an email speaks the language its link carries, unless the visitor switched."""
    if requested_language(request) or not is_shipped(language):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
