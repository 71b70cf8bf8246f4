"""Erasing a client: personal data removed or anonymised everywhere it was kept.

Lives in `feedback` because erasure must reach the survey answers and recorded
feedback, and a lower app never imports a higher one. What stays: the hashed
suppression entry (so the address is never mailed again), the case figures the
dashboard counts (dates, segment, value, reasons, scores) and the timeline's
verbs and times, all with no name, address or free text left in them.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat, Replace
from django.utils.html import escape
from django.utils.translation import gettext

from clients.models import Client
from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.models import (
    ApologyStep,
    CaseEvent,
    DepartureCase,
    FollowUp,
    HandoverItem,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)
from offboarding.services.cases import case_event_record
from offboarding.services.consent import client_keep_in_touch_set
from offboarding.services.followups import ForgottenFollowUps, follow_ups_forget_client

ERASED = "Erased"
STEP_TEXT_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    ProbeStep: ("client_words", "competitor", "worth_saving_why"),
    ApologyStep: ("what_we_said", "what_will_change"),
    OfferStep: ("details", "no_offer_reason"),
    TransitionStep: ("notes",),
    ThankStep: ("personal_note",),
    KeepInTouchStep: (),
}


def erased_email(client_id: int) -> str:
    return f"erased-{client_id}@invalid"


def erased_company_name(client_id: int) -> str:
    return f"Erased client #{client_id}"


def _personal_values(client: Client) -> list[str]:
    """The strings that identify the client, as written and as HTML-escaped in email bodies."""
    values = {client.company_name, client.contact_name, client.contact_email, client.contact_phone}
    values |= {escape(value) for value in values}
    # Longest first, so a name that contains another is replaced whole.
    return sorted((value for value in values if len(value.strip()) >= 3), key=len, reverse=True)


def _scrub_step_texts(case_ids: list[int]) -> None:
    # A skipped step must keep a reason (a check constraint), so it keeps a neutral one.
    skip_reason = Case(When(status="skipped", then=Value(ERASED)), default=Value(""))
    for model, fields in STEP_TEXT_FIELDS.items():
        model._default_manager.filter(case_id__in=case_ids).update(skip_reason=skip_reason, **dict.fromkeys(fields, ""))


def _scrub_staff_digests(client: Client, personal: list[str]) -> None:
    """Daily digests span many clients and name each one: replace this client's strings in them."""
    if not personal:
        return
    mentions = Q()
    for value in personal:
        mentions |= Q(subject__contains=value) | Q(body_text__contains=value) | Q(body_html__contains=value)
    placeholder = Value(erased_company_name(client.pk))
    for value in personal:
        FollowUp.objects.filter(mentions, client=None).update(
            subject=Replace(F("subject"), Value(value), placeholder),
            body_text=Replace(F("body_text"), Value(value), placeholder),
            body_html=Replace(F("body_html"), Value(value), placeholder),
        )


@transaction.atomic
def client_erase(*, client: Client, erased_by: User, now: datetime) -> Client:
    """Remove or anonymise the client's personal data everywhere, keeping an anonymous record that it happened."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    personal = _personal_values(client)
    # First, while the real address is still known: it is kept only as a hash.
    forgotten = follow_ups_forget_client(client=client, actor=erased_by, now=now)
    consent = client_keep_in_touch_set(
        client=client, answer=Client.KeepInTouch.NO, source=Client.KeepInTouchSource.ERASURE, actor=erased_by, now=now
    )

    case_ids = list(DepartureCase.objects.filter(client=client).values_list("pk", flat=True))
    DepartureCase.objects.filter(pk__in=case_ids).update(first_notes="")
    _scrub_step_texts(case_ids)
    # Numbered, as a handover list holds each title once.
    HandoverItem.objects.filter(case_id__in=case_ids).update(
        title=Concat(Value("Handover item #"), Cast("pk", output_field=models.CharField()))
    )

    SurveyAnswer.objects.filter(Q(client=client) | Q(case_id__in=case_ids)).update(
        is_anonymous=True,
        client=None,
        case=None,
        follow_up=None,
        submitted_at=None,
        could_do_better="",
        did_well="",
    )
    RecordedFeedback.objects.filter(case_id__in=case_ids).update(what_they_said=ERASED, could_do_better="", did_well="")

    FollowUp.objects.filter(client=client).update(
        recipient_email=erased_email(client.pk),
        subject="",
        body_text="",
        body_html="",
        last_error="",
        note="",
        updated_at=now,
    )
    _scrub_staff_digests(client, personal)

    events = CaseEvent.objects.filter(client=client)
    for verb in set(events.values_list("verb", flat=True)):
        events.filter(verb=verb).update(summary=f"{verb.replace('_', ' ').capitalize()} (details erased)", details={})

    client.company_name = erased_company_name(client.pk)
    client.contact_name = ERASED
    client.contact_email = erased_email(client.pk)
    client.contact_phone = ""
    client.notes = ""
    client.erased_at = now
    client.save()

    case_event_record(
        client=client,
        case=None,
        actor=erased_by,
        verb="client_erased",
        summary=_erasure_summary(erased_by, forgotten),
        follow_ups_cancelled=forgotten.cancelled + consent.cancelled,
        follow_ups_in_flight=forgotten.in_flight,
    )
    return client


def _erasure_summary(erased_by: User, forgotten: ForgottenFollowUps) -> str:
    summary = f"Personal data erased by {erased_by.get_full_name() or erased_by.username}"
    if forgotten.in_flight:
        # Whether the mail server took it is known only to the dispatcher, which may no longer write to the row.
        summary += gettext("; an email being sent at that moment may have reached them")
    return summary
