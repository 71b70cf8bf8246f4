"""The managers' message editor: each client email and the staff digest, per language, with preview, test, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.languages import is_shipped, language_name
from clients.web import AuthenticatedHttpRequest, form_errors_from, manager_required
from offboarding.models import DepartureCase, FollowUp, MessageText
from offboarding.outbox.composing import RenderedEmail
from offboarding.outbox.digests import digest_preview
from offboarding.outbox.emails import wording_preview
from offboarding.outbox.forms import MessageTextForm
from offboarding.outbox.wording import (
    EDITABLE_KINDS,
    Wording,
    placeholders_for,
    saved_wordings,
    wording_in_use,
)
from offboarding.outbox.wording_services import (
    message_text_is_unchanged,
    message_text_restore,
    message_text_restore_shipped,
    message_text_save,
    message_text_send_test,
)

# Cases a preview can be rendered with: the newest, which managers know best.
PREVIEW_CASES = 50
VERSIONS_SHOWN = 50


@dataclass(frozen=True)
class MessageCell:
    language: str
    name: str
    version: MessageText | None


@dataclass(frozen=True)
class MessageRow:
    kind: str
    label: str
    cells: list[MessageCell]


def _checked(kind: str, language: str) -> None:
    if kind not in EDITABLE_KINDS or not is_shipped(language):
        raise Http404("No such message.")


@manager_required
def message_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    saved = saved_wordings()
    rows = [
        MessageRow(
            kind=kind,
            label=str(FollowUp.Kind(kind).label),
            cells=[MessageCell(code, name, saved.get((kind, code))) for code, name in settings.LANGUAGES],
        )
        for kind in EDITABLE_KINDS
    ]
    return render(request, "outbox/messages/list.html", {"rows": rows, "languages": settings.LANGUAGES})


def _preview_cases() -> list[DepartureCase]:
    return list(
        DepartureCase.objects.select_related("client__account_manager").order_by("-opened_at", "-id")[:PREVIEW_CASES]
    )


def _preview(wording: Wording, case: DepartureCase | None) -> RenderedEmail | None:
    if case is None:
        return None
    if wording.kind == FollowUp.Kind.STAFF_DIGEST:
        return digest_preview(wording, manager=case.client.account_manager, now=timezone.now())
    return wording_preview(wording, case=case)


def _act(request: AuthenticatedHttpRequest, wording: Wording, action: str, preview: RenderedEmail | None) -> bool:
    """Save or send a test as the button asked; True when the wording was saved (the page then reloads)."""
    if action == "save":
        if message_text_is_unchanged(
            kind=wording.kind, language=wording.language, subject=wording.subject, body=wording.body
        ):
            messages.info(request, _("Nothing changed, so no new version was saved."))
            return True
        message_text_save(
            kind=wording.kind,
            language=wording.language,
            subject=wording.subject,
            body=wording.body,
            saved_by=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("Saved. This wording is sent from now on."))
        return True
    if action == "test":
        if preview is None:
            raise ValidationError(_("Choose a case to render the test message with."))
        message_text_send_test(rendered=preview, to=request.user)
        messages.success(request, _("A test message is on its way to %(email)s.") % {"email": request.user.email})
    return False


@manager_required
def message_edit(request: AuthenticatedHttpRequest, kind: str, language: str) -> HttpResponse:
    _checked(kind, language)
    in_use = wording_in_use(kind, language)
    cases = _preview_cases()
    choices = [(case.pk, f"{case.client.company_name} ({_when(case.opened_at)})") for case in cases]
    initial = {"subject": in_use.subject, "body": in_use.body, "case": cases[0].pk if cases else None}
    form = MessageTextForm(request.POST or None, initial=initial, cases=choices)
    wording, case = in_use, cases[0] if cases else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wording = Wording(kind=kind, language=language, subject=data["subject"], body=data["body"], version=None)
        case = next((case for case in cases if case.pk == data["case"]), case)
    preview = _preview(wording, case)
    if request.method == "POST" and form.is_valid():
        try:
            if _act(request, wording, request.POST.get("action", "preview"), preview):
                return redirect("outbox:message_edit", kind=kind, language=language)
        except ValidationError as error:
            form_errors_from(form, error)
    context = {
        "kind": kind,
        "kind_label": FollowUp.Kind(kind).label,
        "language": language,
        "language_name": language_name(language),
        "form": form,
        "in_use": in_use,
        "message": preview,
        "preview_case": case,
        "placeholders": placeholders_for(kind),
        "versions": MessageText.objects.filter(kind=kind, language=language).select_related("saved_by")[
            :VERSIONS_SHOWN
        ],
    }
    return render(request, "outbox/messages/edit.html", context)


@manager_required
@require_POST
def message_restore(request: AuthenticatedHttpRequest, kind: str, language: str, pk: int) -> HttpResponse:
    _checked(kind, language)
    version = get_object_or_404(MessageText, pk=pk, kind=kind, language=language)
    try:
        message_text_restore(version=version, restored_by=request.user, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The version of %(saved)s is the wording in use again.") % {"saved": _saved(version)}
        )
    return redirect("outbox:message_edit", kind=kind, language=language)


@manager_required
@require_POST
def message_restore_shipped(request: AuthenticatedHttpRequest, kind: str, language: str) -> HttpResponse:
    _checked(kind, language)
    message_text_restore_shipped(kind=kind, language=language, restored_by=request.user, now=timezone.now())
    messages.success(request, _("The shipped wording is the wording in use again."))
    return redirect("outbox:message_edit", kind=kind, language=language)


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _saved(version: MessageText) -> str:
    return date_format(timezone.localtime(version.saved_at), "DATETIME_FORMAT")
