"""`{{ client|client_status_badge }}`: a client's status as a coloured pill, the same on every page that shows it."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clients.formatting import status_badge
from clients.models import Client

register = template.Library()

COLOURS: dict[str, str] = {
    Client.Status.ACTIVE: "text-bg-success",
    Client.Status.DEPARTING: "text-bg-warning",
    Client.Status.DEPARTED: "text-bg-secondary",
}


@register.filter
def client_status_badge(client: Client) -> SafeString:
    return status_badge(client.status, client.get_status_display(), COLOURS, default="text-bg-info", pill=True)
