"""Writes for exit surveys and recorded feedback. Each runs in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clients.models import Client
from feedback.models import RecordedFeedback, SurveyAnswer, UsedSurveyInvitation
from offboarding.models import ChurnReason, DepartureCase, FollowUp
from offboarding.outbox.services import message_id_for
from offboarding.outbox.webhooks.events import case_payload, webhook_event_record
from offboarding.outbox.webhooks.models import EventType
from offboarding.services.cases import case_event_record
from offboarding.services.consent import KeepInTouchChange, client_keep_in_touch_set

HASH_SALT = "feedback.used-survey-invitation"


class SurveyAlreadyAnswered(Exception):
    """The invitation's link was used before (possibly a split second ago, by a double click)."""


class SurveyClosed(Exception):
    """The invitation takes no more answers: the client's personal data was erased."""


@dataclass(frozen=True)
class SurveyResponse:
    reasons: Iterable[ChurnReason]
    satisfaction: int
    could_do_better: str
    did_well: str
    likelihood_to_return: int
    may_keep_in_touch: bool | None
    anonymous: bool


def invitation_hash(follow_up_id: int) -> str:
    # Keyed with SECRET_KEY: someone holding only the database cannot hash
    # follow-up ids themselves to see which invitations were answered.
    return salted_hmac(HASH_SALT, str(follow_up_id), algorithm="sha256").hexdigest()


def survey_invitation_is_used(*, follow_up: FollowUp) -> bool:
    return UsedSurveyInvitation.objects.filter(invitation_hash=invitation_hash(follow_up.pk)).exists()


def survey_invitation_is_closed(*, follow_up: FollowUp) -> bool:
    """An erased client's invitations are over: an answer would bring back what erasure removed."""
    return _invited_client(follow_up).is_erased


@transaction.atomic
def survey_answer_submit(*, follow_up: FollowUp, response: SurveyResponse, now: datetime | None = None) -> SurveyAnswer:
    """Store one answer per invitation.

    Raises SurveyClosed once the client is erased, SurveyAlreadyAnswered for the second and later submits.
    The insert into UsedSurveyInvitation comes first: a concurrent submit of
    the same link blocks on its primary key until this transaction ends, then
    fails with IntegrityError, so at most one answer is ever stored.
    """
    now = now or timezone.now()
    # Locked as erasure locks it: an erasure either waits for this answer and scrubs it, or comes first.
    client = Client.objects.select_for_update().get(pk=_invited_client(follow_up).pk)
    if client.is_erased:
        raise SurveyClosed
    try:
        with transaction.atomic():
            UsedSurveyInvitation.objects.create(invitation_hash=invitation_hash(follow_up.pk))
    except IntegrityError:
        raise SurveyAlreadyAnswered from None
    case = follow_up.case
    answer = SurveyAnswer.objects.create(
        is_anonymous=response.anonymous,
        month=timezone.localdate(now).replace(day=1),
        segment=case.segment if case else client.segment,
        satisfaction=response.satisfaction,
        could_do_better=response.could_do_better,
        did_well=response.did_well,
        likelihood_to_return=response.likelihood_to_return,
        may_keep_in_touch=response.may_keep_in_touch,
        **({} if response.anonymous else {"client": client, "case": case, "follow_up": follow_up}),
        submitted_at=None if response.anonymous else now,
    )
    answer.reasons.set(response.reasons)
    if not response.anonymous:
        _record_identified_answer(follow_up=follow_up, client=client, answer=answer, now=now)
        _announce_named_answer(answer=answer, client=client, now=now)
        if answer_is_from_a_happy_leaver(answer=answer, client=client):
            referral_reminder_plan(answer=answer, client=client, now=now)
    return answer


# A happy leaver: scores at least these, and they agreed to hear from us.
HAPPY_SATISFACTION = 4
HAPPY_LIKELIHOOD_TO_RETURN = 8
# Stored in English as the reminder's note; My work and the digest show it in their reader's language.
REFERRAL_REMINDER = gettext_noop("Ask them for a referral or a testimonial: they left happy")


def answer_is_from_a_happy_leaver(*, answer: SurveyAnswer, client: Client) -> bool:
    """A named answer of satisfaction 4+ and likelihood to return 8+, from a client who agreed to keep in touch.

    Read after the answer's own keep-in-touch answer was applied to the client: a "yes" in the
    survey counts, and so does a yes given earlier that the survey left unanswered.
    """
    return (
        not answer.is_anonymous
        and answer.satisfaction >= HAPPY_SATISFACTION
        and answer.likelihood_to_return >= HAPPY_LIKELIHOOD_TO_RETURN
        and client.keep_in_touch == Client.KeepInTouch.YES
    )


def referral_reminder_plan(*, answer: SurveyAnswer, client: Client, now: datetime) -> FollowUp:
    """A to-do for the account manager, due at once: ask the happy leaver for a referral or testimonial.

    No mail goes to the client: the account manager asks in person. The reminder reaches them on
    My work and in their digest, like every staff reminder, until they mark it done.
    """
    manager = client.account_manager
    key = f"survey{answer.pk}:staff:referral"
    reminder, created = FollowUp.objects.get_or_create(
        key=key,
        defaults={
            "kind": FollowUp.Kind.STAFF_REMINDER,
            "client": client,
            "case": answer.case,
            "recipient_email": manager.email,
            "recipient_user": manager,
            "note": REFERRAL_REMINDER,
            "due_at": now,
            "next_attempt_at": now,
            "message_id": message_id_for(key),
        },
    )
    if created:
        case_event_record(
            now=now,
            client=client,
            case=answer.case,
            actor=None,
            verb="follow_up_added",
            summary="Reminder to ask for a referral or testimonial: they left happy",
            follow_up=reminder.pk,
        )
    return reminder


def _announce_named_answer(*, answer: SurveyAnswer, client: Client, now: datetime) -> None:
    """The survey.answered event, for a named answer only.

    An anonymous answer sends none: its moment alone could tell who answered (few invitations go
    out a day), which is why the answer itself keeps only its month.
    """
    payload: dict[str, Any] = {
        "answer": {
            "id": str(answer.pk),
            "satisfaction": answer.satisfaction,
            "likelihood_to_return": answer.likelihood_to_return,
            "may_keep_in_touch": answer.may_keep_in_touch,
            "reasons": sorted(reason.key for reason in answer.reasons.all()),
            "could_do_better": answer.could_do_better,
            "did_well": answer.did_well,
        },
        **(case_payload(answer.case) if answer.case else {"client": {"id": client.pk}}),
    }
    webhook_event_record(event_type=EventType.SURVEY_ANSWERED, client=client, payload=payload, now=now)


def _invited_client(follow_up: FollowUp) -> Client:
    client = follow_up.client or (follow_up.case.client if follow_up.case else None)
    if client is None:
        raise ValueError(f"Survey invitation {follow_up.pk} has no client.")
    return client


def _record_identified_answer(*, follow_up: FollowUp, client: Client, answer: SurveyAnswer, now: datetime) -> None:
    consent = answer.may_keep_in_touch
    change = _apply_keep_in_touch_answer(client=client, consent=consent, now=now)
    consent_words = {True: _("may keep in touch"), False: _("would rather we did not keep in touch"), None: ""}[consent]
    case_event_record(
        now=now,
        client=client,
        case=follow_up.case,
        actor=None,
        verb="survey_answered",
        summary=_("Answered the exit survey: satisfaction %(score)s/5") % {"score": answer.satisfaction}
        + (f", {consent_words}" if consent_words else "")
        + change.summary(),
        survey_answer=str(answer.pk),
        may_keep_in_touch=consent,
        follow_ups_cancelled=change.cancelled,
        follow_ups_planned=change.planned,
        **({"keep_in_touch": change.as_change()} if change.changed else {}),
    )


def _apply_keep_in_touch_answer(*, client: Client, consent: bool | None, now: datetime) -> KeepInTouchChange:
    """The survey's answer becomes the client's; a survey left unanswered on this changes nothing."""
    if consent is None:
        return KeepInTouchChange(before=client.keep_in_touch, after=client.keep_in_touch)
    answer = Client.KeepInTouch.YES if consent else Client.KeepInTouch.NO
    return client_keep_in_touch_set(
        client=client, answer=answer, source=Client.KeepInTouchSource.SURVEY, actor=None, now=now
    )


@transaction.atomic
def feedback_record(
    *,
    case: DepartureCase,
    recorded_by: User,
    heard_on: date,
    channel: str,
    what_they_said: str,
    could_do_better: str = "",
    did_well: str = "",
    satisfaction: int | None = None,
    now: datetime | None = None,
) -> RecordedFeedback:
    """What a client told someone (a call, a meeting), kept on their case."""
    if heard_on > timezone.localdate(now):
        raise ValidationError({"heard_on": _("The date cannot be in the future.")})
    feedback = RecordedFeedback(
        case=case,
        heard_on=heard_on,
        channel=channel,
        what_they_said=what_they_said,
        could_do_better=could_do_better,
        did_well=did_well,
        satisfaction=satisfaction,
        recorded_by=recorded_by,
    )
    feedback.full_clean(exclude=["case", "recorded_by"])
    feedback.save()
    case_event_record(
        client=case.client,
        case=case,
        actor=recorded_by,
        verb="feedback_recorded",
        summary=_("Feedback recorded (%(channel)s on %(day)s)")
        % {"channel": feedback.get_channel_display().lower(), "day": format_date(heard_on, "d M Y")},
        recorded_feedback=feedback.pk,
    )
    return feedback
