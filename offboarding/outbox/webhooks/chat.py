"""Short messages for chat channels, in the incoming-webhook formats of Slack and Microsoft Teams.

Built from the event's stored payload when it is delivered, so every attempt sends the same words.
Slack takes `{"text": ...}` (with blocks for the layout); Teams' workflow webhooks take a message
with one Adaptive Card attachment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.formatting import money
from offboarding.outbox.webhooks.models import EventType, WebhookEndpoint, WebhookEvent


def chat_text(event: WebhookEvent) -> tuple[str, str]:
    """(headline, link) of the event for a person in a chat channel."""
    data = event.payload
    if event.type == EventType.CASE_OPENED:
        case = data["case"]
        headline = _("%(client)s is leaving: %(value)s a month, leave date %(date)s (account manager: %(person)s).") % {
            "client": data["client"]["company_name"],
            "value": money(Decimal(case["monthly_value"]), case["currency"]),
            "date": case["planned_leave_date"],
            "person": data["account_manager"]["name"],
        }
        return headline, case["url"]
    if event.type == EventType.FOLLOW_UP_FAILED:
        follow_up = data["follow_up"]
        client = data.get("client") or {}
        headline = ngettext(
            "%(kind)s to %(client)s failed after %(attempts)d attempt: %(error)s",
            "%(kind)s to %(client)s failed after %(attempts)d attempts: %(error)s",
            follow_up["attempts"],
        ) % {
            "kind": follow_up["kind_label"],
            "client": client.get("company_name") or _("staff"),
            "attempts": follow_up["attempts"],
            "error": follow_up["last_error"][:200],
        }
        return headline, follow_up["url"]
    return str(EventType(event.type).label), ""


def _slack(headline: str, link: str) -> dict[str, Any]:
    text = f"{headline} <{link}|{_('Open')}>" if link else headline
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _teams(headline: str, link: str) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": headline, "wrap": True}],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": _("Open"), "url": link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def chat_message(endpoint: WebhookEndpoint, event: WebhookEvent) -> dict[str, Any]:
    headline, link = chat_text(event)
    return _teams(headline, link) if endpoint.kind == WebhookEndpoint.Kind.TEAMS else _slack(headline, link)
