"""The address a request came from, for counting sign-in failures and password-reset requests."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The visitor's address: the connection's own, or behind our TLS proxy the one that proxy saw.

    The proxy appends the address that connected to it to X-Forwarded-For, after
    whatever the visitor sent, so only the last entry is its word; anything before
    it, and the whole header when no proxy of ours is in front, a stranger can forge.
    """
    connected = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_TLS_PROXY:
        return connected
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return connected
