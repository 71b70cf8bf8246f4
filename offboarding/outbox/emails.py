"""Follow-up emails: subject, text and HTML from templates/emails/<kind>*, with the headers bulk mail needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from clients.formatting import display_name
from offboarding.models import FollowUp, KeepInTouchStep, ThankStep
from offboarding.outbox.survey_links import survey_token_for

UNSUBSCRIBE_SALT = "offboarding.unsubscribe"
SURVEY_LINK_PLACEHOLDER = "[the client's personal survey link]"
UNSUBSCRIBE_LINK_PLACEHOLDER = "[the client's unsubscribe link]"
# URL name of each view a client's personal token opens, and what staff read in its place.
CLIENT_LINK_PLACEHOLDERS = {
    "feedback:survey": SURVEY_LINK_PLACEHOLDER,
    "outbox:unsubscribe": UNSUBSCRIBE_LINK_PLACEHOLDER,
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def unsubscribe_token(*, client_id: int | None, email: str) -> str:
    # No expiry: an unsubscribe link in a years-old email must still work.
    return signing.dumps({"c": client_id, "e": email.strip().lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_details(token: str) -> tuple[int | None, str]:
    """(client id, address) from a token; raises signing.BadSignature when it was not ours."""
    payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise signing.BadSignature("Unsubscribe token has no address.")
    client_id = payload.get("c")
    return (client_id if isinstance(client_id, int) else None), payload["e"]


def unsubscribe_url(follow_up: FollowUp) -> str:
    token = unsubscribe_token(client_id=follow_up.client_id, email=follow_up.recipient_email)
    return settings.SITE_URL + reverse("outbox:unsubscribe", kwargs={"token": token})


def _survey_url(follow_up: FollowUp) -> str:
    try:
        path = reverse("feedback:survey", kwargs={"token": survey_token_for(follow_up.pk)})
    except NoReverseMatch:
        path = "/"
    return settings.SITE_URL + path


def _sender_address() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(" >")


def _step(follow_up: FollowUp, name: str) -> Any:
    # The dispatcher fetches both steps with select_related; a missing one is None.
    if follow_up.case is None:
        return None
    try:
        return getattr(follow_up.case, name)
    except (ThankStep.DoesNotExist, KeepInTouchStep.DoesNotExist):
        return None


def _context(follow_up: FollowUp) -> dict[str, Any]:
    client = follow_up.client
    manager = client.account_manager if client else follow_up.recipient_user
    thanks = _step(follow_up, "thanks")
    keep_in_touch = _step(follow_up, "keep_in_touch")
    return {
        "follow_up": follow_up,
        "client": client,
        "case": follow_up.case,
        "contact_name": client.contact_name if client else "",
        "manager": manager,
        "manager_name": display_name(manager) if manager else settings.BUSINESS_NAME,
        "personal_note": thanks.personal_note if thanks else "",
        "renewal_on": keep_in_touch.new_contract_renewal_on if keep_in_touch else None,
        "business_name": settings.BUSINESS_NAME,
        "postal_address": settings.BUSINESS_POSTAL_ADDRESS,
        "site_url": settings.SITE_URL,
        "survey_url": _survey_url(follow_up) if follow_up.kind == FollowUp.Kind.SURVEY else "",
        "unsubscribe_url": unsubscribe_url(follow_up) if follow_up.is_client_facing else "",
    }


def render_follow_up(follow_up: FollowUp) -> RenderedEmail:
    """The message as the recipient will see it; a staff digest was rendered when it was planned."""
    if follow_up.subject:
        return RenderedEmail(follow_up.subject, follow_up.body_text, follow_up.body_html)
    return render_kind(follow_up.kind, _context(follow_up))


def preview_follow_up(follow_up: FollowUp) -> RenderedEmail:
    """The message as staff may read it: the client's personal links are placeholders."""
    return without_client_links(render_follow_up(follow_up))


def without_client_links(rendered: RenderedEmail) -> RenderedEmail:
    # A working survey link would tell staff whether this client answered the anonymous survey,
    # or let them answer or unsubscribe in the client's name.
    return RenderedEmail(
        subject=_mask_client_links(rendered.subject, html=False),
        text=_mask_client_links(rendered.text, html=False),
        html=_mask_client_links(rendered.html, html=True),
    )


def _mask_client_links(body: str, *, html: bool) -> str:
    for url_name, placeholder in CLIENT_LINK_PLACEHOLDERS.items():
        pattern = _token_link_pattern(url_name)
        if pattern is not None:
            body = pattern.sub(escape(placeholder) if html else placeholder, body)
    return body


def _token_link_pattern(url_name: str) -> re.Pattern[str] | None:
    """Links to the view with any token, relative or on any host (a stored body may predate a new SITE_URL)."""
    marker = "token-marker"
    try:
        prefix = reverse(url_name, kwargs={"token": marker}).partition(marker)[0]
    except NoReverseMatch:
        return None
    return re.compile(rf"(?:https?://[^\s\"'<>/]+)?{re.escape(prefix)}[^\s\"'<>]+")


def render_kind(kind: str, context: dict[str, Any]) -> RenderedEmail:
    subject = render_to_string(f"emails/{kind}_subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=render_to_string(f"emails/{kind}.txt", context).strip() + "\n",
        html=render_to_string(f"emails/{kind}.html", context),
    )


def _headers(follow_up: FollowUp) -> dict[str, str]:
    headers = {"Message-ID": follow_up.message_id}
    if follow_up.is_client_facing:
        # RFC 8058: mail providers show an unsubscribe button that POSTs to the URL without cookies.
        mailto = f"mailto:{_sender_address()}?subject={quote('unsubscribe')}"
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(follow_up)}>, <{mailto}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def follow_up_message(follow_up: FollowUp, rendered: RenderedEmail) -> EmailMultiAlternatives:
    reply_to = []
    if follow_up.is_client_facing and follow_up.client is not None and follow_up.client.account_manager.email:
        reply_to = [follow_up.client.account_manager.email]
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[follow_up.recipient_email],
        reply_to=reply_to,
        headers=_headers(follow_up),
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
