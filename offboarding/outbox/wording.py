"""Message texts are data: every client-facing email and the staff digest, per language, as managers word them.

A wording is a subject and a plain-text body with placeholders such as {contact_name} from the
fixed list below. They are filled in by plain string substitution (`fill`), never by Django's
template engine, so nothing a manager types is evaluated: no tags, no attribute lookups. The
product adds what the law and mailbox providers ask for around any text (the postal address, the
unsubscribe link, the List-Unsubscribe headers; emails.py), so no wording can lose them.

The shipped wording of each kind is the default in every language: its English is the msgid of
a translation, so each catalogue in locale/ holds the shipped wording of its language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from offboarding.models import FollowUp, MessageText

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

Kind = FollowUp.Kind
CLIENT_KINDS: tuple[str, ...] = tuple(FollowUp.CLIENT_FACING_KINDS)
EDITABLE_KINDS: tuple[str, ...] = (*CLIENT_KINDS, Kind.STAFF_DIGEST)
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000

# Anything between braces on one line is read as a placeholder: a misspelt one is refused, not sent.
# The braces are counted, so {{ this }} is caught as written (a template's syntax, not ours).
PLACEHOLDER = re.compile(r"(\{+)([^{}\n]*)(\}+)")


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: _StrOrPromise
    kinds: tuple[str, ...]
    # Filled with a list the product writes (links and all): it must stand on a line of its own.
    on_its_own_line: bool = False

    @property
    def written(self) -> str:
        return "{" + self.name + "}"


PLACEHOLDERS = (
    Placeholder("contact_name", _("the client's primary contact, as on the client's details"), CLIENT_KINDS),
    Placeholder("company", _("the client's company name"), CLIENT_KINDS),
    Placeholder(
        "account_manager",
        _("the client's account manager (in the staff digest: the person it goes to)"),
        EDITABLE_KINDS,
    ),
    Placeholder("business_name", _("the business's name"), EDITABLE_KINDS),
    Placeholder("leave_date", _("the day the client left, written as their language writes dates"), CLIENT_KINDS),
    Placeholder(
        "personal_line", _("the personal line written at the thank-you step; nothing when none was"), (Kind.THANK_YOU,)
    ),
    Placeholder("survey_link", _("the client's own link to the exit survey (required)"), (Kind.SURVEY,)),
    Placeholder(
        "renewal_month",
        _("the month their new contract renews, as recorded at the keep-in-touch step; else a year after they left"),
        (Kind.CHECK_IN, Kind.WIN_BACK),
    ),
    Placeholder("improvement", _("the title of the improvement the note is about"), (Kind.WE_CHANGED_IT,)),
    Placeholder(
        "what_changed",
        _("what changed, as the improvement describes it; nothing when it says nothing"),
        (Kind.WE_CHANGED_IT,),
    ),
    Placeholder("day", _("today's date"), (Kind.STAFF_DIGEST,)),
    Placeholder("due_today_count", _("how many reminders are due today"), (Kind.STAFF_DIGEST,)),
    Placeholder("overdue_count", _("how many reminders are overdue"), (Kind.STAFF_DIGEST,)),
    Placeholder(
        "reminders",
        _("the reminders due today and overdue, each with a link to its case (required, on a line of its own)"),
        (Kind.STAFF_DIGEST,),
        on_its_own_line=True,
    ),
)
PLACEHOLDERS_BY_NAME = {placeholder.name: placeholder for placeholder in PLACEHOLDERS}
# A survey invitation without its link, or a digest without its reminders, would have nothing to say.
REQUIRED_PLACEHOLDERS: dict[str, tuple[str, ...]] = {Kind.SURVEY: ("survey_link",), Kind.STAFF_DIGEST: ("reminders",)}


def placeholders_for(kind: str) -> list[Placeholder]:
    return [placeholder for placeholder in PLACEHOLDERS if kind in placeholder.kinds]


@dataclass(frozen=True)
class Written:
    """Something in braces as a wording holds it."""

    text: str  # with its braces, as typed
    name: str
    single: bool  # one brace on each side, as placeholders are written


def written_in(text: str) -> list[Written]:
    return [
        Written(match.group(0), match.group(2).strip(), len(match.group(1)) == len(match.group(3)) == 1)
        for match in PLACEHOLDER.finditer(text)
    ]


def _value(match: re.Match[str], values: Mapping[str, str]) -> str:
    if len(match.group(1)) != 1 or len(match.group(3)) != 1:
        return match.group(0)
    return values.get(match.group(2).strip(), match.group(0))


def fill(text: str, values: Mapping[str, str]) -> str:
    """Each placeholder replaced by its value, in one pass: a value that looks like a placeholder stays as it is."""
    return PLACEHOLDER.sub(lambda match: _value(match, values), text)


# --- What a wording may hold --------------------------------------------------------------


def _kind_names(kinds: tuple[str, ...]) -> str:
    return ", ".join(str(Kind(kind).label) for kind in kinds)


def _placeholder_problem(kind: str, found: Written, *, in_subject: bool) -> str:
    placeholder = PLACEHOLDERS_BY_NAME.get(found.name)
    written = found.text
    if placeholder is not None and not found.single:
        return str(
            _("Write %(written)s with one brace on each side: %(placeholder)s.")
            % {"written": written, "placeholder": placeholder.written}
        )
    if placeholder is None:
        known = ", ".join(placeholder.written for placeholder in placeholders_for(kind))
        return str(
            _("%(written)s is not a placeholder we know. Use one of %(known)s.") % {"written": written, "known": known}
        )
    if kind not in placeholder.kinds:
        return str(
            _("%(written)s cannot be used in this message; it is for: %(kinds)s.")
            % {"written": written, "kinds": _kind_names(placeholder.kinds)}
        )
    if placeholder.on_its_own_line and in_subject:
        return str(_("%(written)s is a list and cannot be in the subject.") % {"written": written})
    return ""


def _misplaced_lists(body: str) -> list[str]:
    lines = {line.strip() for line in body.splitlines()}
    return [
        str(_("%(written)s must stand on a line of its own.") % {"written": placeholder.written})
        for placeholder in PLACEHOLDERS
        if placeholder.on_its_own_line and placeholder.written in body and placeholder.written not in lines
    ]


def _missing(kind: str, body: str) -> list[str]:
    return [
        str(_("The message must contain %(written)s.") % {"written": PLACEHOLDERS_BY_NAME[name].written})
        for name in REQUIRED_PLACEHOLDERS.get(kind, ())
        if not any(found.single and found.name == name for found in written_in(body))
    ]


def wording_problems(kind: str, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with a subject and body for this kind, by field; empty when they may be saved."""
    problems: dict[str, list[str]] = {}
    for field, text in (("subject", subject), ("body", body)):
        found = [_placeholder_problem(kind, written, in_subject=field == "subject") for written in written_in(text)]
        if field == "body":
            found += _misplaced_lists(body) + _missing(kind, body)
        if field == "body" and len(body) > BODY_MAX_LENGTH:
            found.append(str(_("Keep the text under %(limit)s characters.") % {"limit": f"{BODY_MAX_LENGTH:,}"}))
        unique = list(dict.fromkeys(problem for problem in found if problem))
        if unique:
            problems[field] = unique
    return problems


def wording_check(kind: str, subject: str, body: str) -> None:
    """Refuse a wording with a placeholder that is unknown, misspelt or out of place, naming it."""
    problems = wording_problems(kind, subject, body)
    if problems:
        raise ValidationError(problems)


# --- The shipped wording -----------------------------------------------------------------


@dataclass(frozen=True)
class ShippedWording:
    subject: _StrOrPromise
    body: _StrOrPromise


SHIPPED: dict[str, ShippedWording] = {
    Kind.THANK_YOU: ShippedWording(
        subject=_("Thank you from all of us at {business_name}"),
        body=_(
            "Dear {contact_name},\n\n"
            "Thank you for the time you spent working with us at {business_name}. It was a privilege to be "
            "trusted with {company}'s work, and we are grateful for it.\n\n"
            "{personal_line}\n\n"
            "Our door stays open. If you ever want to work together again, just reply to this email: there is "
            "no reactivation fee and no awkward conversation, only a quote when you want one.\n\n"
            "We wish you every success with what comes next.\n\n"
            "Warm regards,\n{account_manager}\n{business_name}"
        ),
    ),
    Kind.SURVEY: ShippedWording(
        subject=_("Two minutes to tell us how we did?"),
        body=_(
            "Dear {contact_name},\n\n"
            "Now that the dust has settled, would you tell us honestly how we did? Your answers help us do "
            "better for the clients who are still with us.\n\n"
            "The survey takes about two minutes, and you can answer anonymously if you prefer:\n{survey_link}\n\n"
            "You owe us no explanation, and we are grateful for any you give.\n\n"
            "Warm regards,\n{account_manager}\n{business_name}"
        ),
    ),
    Kind.CHECK_IN: ShippedWording(
        subject=_("How are things at {company}?"),
        body=_(
            "Dear {contact_name},\n\n"
            "It has been a little while, and I wanted to say hello and ask how things are going at {company}. "
            "I hope the new arrangement is working well for you.\n\n"
            "There is nothing to sign and nothing to decide. If there is ever anything we can help with, even a "
            "quick question, just reply to this email. Coming back is easy: no reactivation fee, and we remember "
            "how you like things done.\n\n"
            "Warm regards,\n{account_manager}\n{business_name}"
        ),
    ),
    Kind.WIN_BACK: ShippedWording(
        subject=_("An open door at {business_name}"),
        body=_(
            "Dear {contact_name},\n\n"
            "Your current arrangement comes up for renewal around {renewal_month}, so this seemed a good moment "
            "to say that our door is still open.\n\n"
            "If you would like a fresh quote, or simply to compare notes, reply to this email and I will take "
            "care of it personally. There is no reactivation fee, and picking things up again is as simple as a "
            "short call.\n\n"
            "Whatever you decide, thank you again for the years we worked together.\n\n"
            "Warm regards,\n{account_manager}\n{business_name}"
        ),
    ),
    Kind.WE_CHANGED_IT: ShippedWording(
        subject=_("You told us, and we changed it: {improvement}"),
        body=_(
            "Dear {contact_name},\n\n"
            "When {company} left us, you told us honestly where we fell short. We listened, and we wanted you "
            "to hear it from us first: we have changed it.\n\n"
            "{improvement}\n{what_changed}\n\n"
            "Thank you for telling us; it has made us better for every client. If you would ever like to work "
            "together again, just reply to this email: there is no reactivation fee, and picking things up "
            "again is as simple as a short call.\n\n"
            "Warm regards,\n{account_manager}\n{business_name}"
        ),
    ),
    Kind.STAFF_DIGEST: ShippedWording(
        subject=_("Your follow-ups for {day}: {due_today_count} due today, {overdue_count} overdue"),
        body=_(
            "Good morning {account_manager},\n\n"
            "Here is what is waiting for you today in Offboarding.\n\n"
            "{reminders}\n\n"
            "Mark each one done on the case page once it is done."
        ),
    ),
}


# --- The wording in use ----------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    kind: str
    language: str
    subject: str
    body: str
    version: MessageText | None  # None: the shipped wording, never edited in this language

    @property
    def is_shipped(self) -> bool:
        return self.version is None or self.version.is_shipped_wording


def shipped_wording(kind: str, language: str) -> Wording:
    shipped = SHIPPED[kind]
    with translation.override(language):
        return Wording(kind=kind, language=language, subject=str(shipped.subject), body=str(shipped.body), version=None)


def saved_wordings() -> dict[tuple[str, str], MessageText]:
    """The newest saved version of every kind and language that has one, in one query."""
    newest = MessageText.objects.values("kind", "language").annotate(newest=Max("pk")).values("newest")
    return {(text.kind, text.language): text for text in MessageText.objects.filter(pk__in=newest)}


def wording_in_use(kind: str, language: str, saved: Mapping[tuple[str, str], MessageText] | None = None) -> Wording:
    """What a message of this kind says in this language: the newest saved version, else the shipped wording.

    `saved` (from saved_wordings) spares a query a message when a batch is rendered.
    """
    if saved is None:
        version = MessageText.objects.filter(kind=kind, language=language).order_by("-pk").first()
    else:
        version = saved.get((kind, language))
    if version is None:
        return shipped_wording(kind, language)
    return Wording(kind=kind, language=language, subject=version.subject, body=version.body, version=version)
