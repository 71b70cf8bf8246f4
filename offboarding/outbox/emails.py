"""Follow-up emails: a wording filled in for one client (composing.py builds both parts), with bulk mail's headers.

Every client email is written in the client's language (`Client.mail_language`), with the wording
in use for it (wording.py), and carries Reply-To the account manager, the postal address, an
unsubscribe link and the one-click List-Unsubscribe headers, whatever the wording says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape

from clients.formatting import display_name
from clients.models import staff_profile
from offboarding.models import (
    DepartureCase,
    FollowUp,
    Improvement,
    ImprovementNote,
    KeepInTouchStep,
    MessageText,
    ThankStep,
)
from offboarding.outbox.business_hours import client_zone
from offboarding.outbox.composing import Footer, RenderedEmail, compose
from offboarding.outbox.survey_links import survey_token_for
from offboarding.outbox.wording import Wording, wording_in_use

UNSUBSCRIBE_SALT = "offboarding.unsubscribe"
SURVEY_LINK_PLACEHOLDER = "[the client's personal survey link]"
# A preview in the message editor has no improvement to name.
IMPROVEMENT_PLACEHOLDERS = {"improvement": "[the improvement's title]", "what_changed": "[what changed]"}
UNSUBSCRIBE_LINK_PLACEHOLDER = "[the client's unsubscribe link]"
# URL name of each view a client's personal token opens, and what staff read in its place.
CLIENT_LINK_PLACEHOLDERS = {
    "feedback:survey": SURVEY_LINK_PLACEHOLDER,
    "outbox:unsubscribe": UNSUBSCRIBE_LINK_PLACEHOLDER,
}


def unsubscribe_token(*, client_id: int | None, email: str, language: str = "") -> str:
    # No expiry: an unsubscribe link in a years-old email must still work. The language is the
    # email's, so the page it opens speaks it.
    payload: dict[str, object] = {"c": client_id, "e": email.strip().lower()}
    if language:
        payload["l"] = language
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


@dataclass(frozen=True)
class UnsubscribeLink:
    client_id: int | None
    email: str
    language: str  # empty in links sent before languages were


def unsubscribe_link_from_token(token: str) -> UnsubscribeLink:
    """What an unsubscribe token names; raises signing.BadSignature when it was not ours."""
    payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise signing.BadSignature("Unsubscribe token has no address.")
    client_id, language = payload.get("c"), payload.get("l")
    return UnsubscribeLink(
        client_id=client_id if isinstance(client_id, int) else None,
        email=payload["e"],
        language=language if isinstance(language, str) else "",
    )


def unsubscribe_details(token: str) -> tuple[int | None, str]:
    """(client id, address) from a token; raises signing.BadSignature when it was not ours."""
    link = unsubscribe_link_from_token(token)
    return link.client_id, link.email


def _mail_language(follow_up: FollowUp) -> str:
    """A client's email speaks their language; staff mail its reader's (the business's when they chose none)."""
    if follow_up.is_client_facing and follow_up.client is not None:
        return follow_up.client.mail_language
    return staff_profile(follow_up.recipient_user).mail_language


def unsubscribe_url(follow_up: FollowUp, language: str | None = None) -> str:
    token = unsubscribe_token(
        client_id=follow_up.client_id, email=follow_up.recipient_email, language=language or _mail_language(follow_up)
    )
    return settings.SITE_URL + reverse("outbox:unsubscribe", kwargs={"token": token})


def _survey_url(follow_up: FollowUp, language: str) -> str:
    try:
        # An unsaved follow-up (a preview) has no id; its link is shown as a placeholder anyway.
        path = reverse("feedback:survey", kwargs={"token": survey_token_for(follow_up.pk or 0, language)})
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


def _renewal(follow_up: FollowUp, left_on: date | None) -> date | None:
    keep_in_touch = _step(follow_up, "keep_in_touch")
    if keep_in_touch is not None and keep_in_touch.new_contract_renewal_on:
        return keep_in_touch.new_contract_renewal_on
    return left_on + timedelta(days=365) if left_on else None


def _improvement(follow_up: FollowUp) -> Improvement | None:
    # The dispatcher fetches the note and its improvement with select_related.
    if follow_up.kind != FollowUp.Kind.WE_CHANGED_IT or follow_up.pk is None:
        return None
    try:
        return follow_up.improvement_note.improvement
    except ImprovementNote.DoesNotExist:
        return None


def _improvement_values(follow_up: FollowUp) -> dict[str, str]:
    if follow_up.kind != FollowUp.Kind.WE_CHANGED_IT:
        return {"improvement": "", "what_changed": ""}
    improvement = _improvement(follow_up)
    if improvement is None:
        return dict(IMPROVEMENT_PLACEHOLDERS)
    return {"improvement": improvement.title, "what_changed": improvement.what_changes}


def client_values(follow_up: FollowUp, language: str) -> dict[str, str]:
    """What each placeholder of a client's email says (wording.PLACEHOLDERS), in the active language."""
    client, case = follow_up.client, follow_up.case
    manager = client.account_manager if client else follow_up.recipient_user
    thanks = _step(follow_up, "thanks")
    left_on = (case.departed_on or case.planned_leave_date) if case else None
    renewal = _renewal(follow_up, left_on)
    return {
        "contact_name": client.contact_name if client else "",
        "company": client.company_name if client else "",
        "account_manager": display_name(manager) if manager else settings.BUSINESS_NAME,
        "business_name": settings.BUSINESS_NAME,
        "leave_date": date_format(left_on, "DATE_FORMAT") if left_on else "",
        "personal_line": thanks.personal_note if thanks else "",
        "survey_link": _survey_url(follow_up, language) if follow_up.kind == FollowUp.Kind.SURVEY else "",
        "renewal_month": date_format(renewal, "YEAR_MONTH_FORMAT") if renewal else "",
        **_improvement_values(follow_up),
    }


def render_with_wording(follow_up: FollowUp, wording: Wording) -> RenderedEmail:
    """A client's email in this wording: its language's dates, the client's time zone, the footer added."""
    with translation.override(wording.language), timezone.override(client_zone(follow_up.client)):
        footer = Footer(
            postal_address=settings.BUSINESS_POSTAL_ADDRESS,
            unsubscribe_url=unsubscribe_url(follow_up, wording.language),
        )
        return compose(wording, client_values(follow_up, wording.language), footer=footer)


def render_follow_up(
    follow_up: FollowUp, *, saved: Mapping[tuple[str, str], MessageText] | None = None
) -> RenderedEmail:
    """The message as the recipient will see it; a staff digest was rendered when it was planned.

    The wording is the one in use for the client's language when the mail leaves (`saved`, from
    wording.saved_wordings, spares a query a message in the dispatcher's batch).
    """
    if follow_up.subject:
        return RenderedEmail(follow_up.subject, follow_up.body_text, follow_up.body_html)
    return render_with_wording(follow_up, wording_in_use(follow_up.kind, _mail_language(follow_up), saved))


def wording_preview(wording: Wording, *, case: DepartureCase) -> RenderedEmail:
    """A client email in this wording as this case's client would get it, their personal links as placeholders."""
    client = case.client
    follow_up = FollowUp(kind=wording.kind, client=client, case=case, recipient_email=client.contact_email)
    return without_client_links(render_with_wording(follow_up, wording))


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


def _headers(follow_up: FollowUp, rendered: RenderedEmail) -> dict[str, str]:
    headers = {"Message-ID": follow_up.message_id}
    if follow_up.is_client_facing:
        # RFC 8058: mail providers show an unsubscribe button that POSTs to the URL without cookies.
        # It is the footer's link (signed once a message), so both open the page in the email's language.
        url = rendered.unsubscribe_url or unsubscribe_url(follow_up)
        mailto = f"mailto:{_sender_address()}?subject={quote('unsubscribe')}"
        headers["List-Unsubscribe"] = f"<{url}>, <{mailto}>"
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
        headers=_headers(follow_up, rendered),
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
