"""`{{ client|client_status_badge }}`: a client's status as a coloured pill, the same on every page that shows it."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clients.models import Client

register = template.Library()

STATUS_BADGES = {
    Client.Status.ACTIVE: "text-bg-success",
    Client.Status.DEPARTING: "text-bg-warning",
    Client.Status.DEPARTED: "text-bg-secondary",
    Client.Status.RETURNED: "text-bg-info",
}


@register.filter
def client_status_badge(client: Client) -> SafeString:
    css = STATUS_BADGES.get(client.status, "text-bg-info")
    return format_html('<span class="badge rounded-pill {}">{}</span>', css, client.get_status_display())
