"""Writes on message texts: a manager saves a wording, restores an earlier one or the shipped one, or mails a test.

Every save adds a version (with who and when) and never changes one, so a restore is a new
version too and the history stays whole. The rules of what a wording may hold live in wording.py.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils.translation import gettext as _

from clients.languages import is_shipped
from offboarding.models import MessageText
from offboarding.outbox.composing import RenderedEmail
from offboarding.outbox.wording import EDITABLE_KINDS, Wording, shipped_wording, wording_check, wording_in_use

logger = logging.getLogger(__name__)


def _check_editable(kind: str, language: str) -> None:
    if kind not in EDITABLE_KINDS or not is_shipped(language):
        raise ValidationError(_("Only the client emails and the staff digest, in a language we ship, can be edited."))


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def _add_version(wording: Wording, *, saved_by: User, now: datetime, **extra: object) -> MessageText:
    version = MessageText(
        kind=wording.kind,
        language=wording.language,
        subject=" ".join(wording.subject.split()),
        body=_tidy(wording.body),
        saved_by=saved_by,
        saved_at=now,
        **extra,
    )
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def message_text_save(
    *, kind: str, language: str, subject: str, body: str, saved_by: User, now: datetime
) -> MessageText:
    """A new wording of a message in one language, sent from now on; refused naming any unknown placeholder."""
    _check_editable(kind, language)
    wording_check(kind, subject, body)
    wording = Wording(kind=kind, language=language, subject=subject, body=body, version=None)
    return _add_version(wording, saved_by=saved_by, now=now)


@transaction.atomic
def message_text_restore(*, version: MessageText, restored_by: User, now: datetime) -> MessageText:
    """An earlier version becomes the wording in use again, as a new version that says where it came from."""
    _check_editable(version.kind, version.language)
    # The placeholders may have changed since it was saved: what is sent must still be a wording we can fill in.
    wording_check(version.kind, version.subject, version.body)
    wording = Wording(
        kind=version.kind, language=version.language, subject=version.subject, body=version.body, version=None
    )
    return _add_version(wording, saved_by=restored_by, now=now, restored_from=version)


@transaction.atomic
def message_text_restore_shipped(*, kind: str, language: str, restored_by: User, now: datetime) -> MessageText:
    """The shipped wording of this language becomes the wording in use again (a version, so it stays in the history)."""
    _check_editable(kind, language)
    return _add_version(shipped_wording(kind, language), saved_by=restored_by, now=now, is_shipped_wording=True)


def message_text_is_unchanged(*, kind: str, language: str, subject: str, body: str) -> bool:
    """Saving the wording already in use would add a version that changes nothing."""
    in_use = wording_in_use(kind, language)
    return " ".join(subject.split()) == " ".join(in_use.subject.split()) and _tidy(body) == _tidy(in_use.body)


def message_text_send_test(*, rendered: RenderedEmail, to: User) -> None:
    """Mail a rendered message (the client's links as placeholders) to the manager trying it out."""
    if not to.email:
        raise ValidationError(_("Your account has no email address to send the test to."))
    message = EmailMultiAlternatives(
        subject=_("[Test] %(subject)s") % {"subject": rendered.subject},
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to.email],
        reply_to=[to.email],
    )
    message.attach_alternative(rendered.html, "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("A test message to %s was not taken by the mail server: %s", to.pk, error)
        raise ValidationError(
            _("The mail server did not take the test message: %(error)s") % {"error": error}
        ) from None
