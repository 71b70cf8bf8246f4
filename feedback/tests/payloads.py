"""Script, HTML, formula and template payloads in every free-text field of one client's story.

Each payload carries the code of its field (`<script>alert("co")</script>` in the company
name), so a test can tell which fields a page, an email or an export shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.html import escape

from clients.models import Client
from clients.roles import ACCOUNT_MANAGERS, MANAGERS
from clients.tests.factories import ClientFactory, UserFactory
from feedback.services import SurveyResponse, feedback_record, survey_answer_submit
from feedback.tests.factories import survey_invitation
from offboarding.models import ChurnReason, DepartureCase, FollowUp
from offboarding.outbox.digests import staff_digests_plan
from offboarding.outbox.services import follow_up_add
from offboarding.services.cases import case_mark_departed, handover_item_add, step_complete, step_skip
from offboarding.services.reasons import reason_create
from offboarding.tests.factories import DepartureCaseFactory
from offboarding.tests.outbox_fixtures import digest_time

TAIL = "javascript:alert(1) {{ 7*7 }}"


def payload(tag: str) -> str:
    """A formula, a script, an attribute break-out, a javascript: link and template syntax, tagged."""
    return f'=HYPERLINK("http://evil")<script>alert("{tag}")</script>"><img src=x onerror=alert(1)>{TAIL}'


def short_payload(tag: str) -> str:
    """For fields of 40 characters."""
    return f'=1"><script>alert("{tag}")</script>'


EMAIL = "\"<script>alert('em')</script>\"@evil.example"


def shown(tag: str) -> str:
    """The payload's script tag as a page shows it: escaped."""
    return escape(f'<script>alert("{tag}")</script>')


RAW_MARKUP = ("<script>alert(", "<img src=x", "onerror=alert(1)>", 'href="javascript:')


@dataclass
class Story:
    owner: User
    client: Client
    case: DepartureCase
    open_case: DepartureCase
    reason: ChurnReason  # made by a manager
    survey: FollowUp  # an invitation not yet answered


def _steps(case: DepartureCase, owner: User, reason: ChurnReason) -> None:
    probe = {
        "primary_reason": reason,
        "contributing_reasons": [reason],
        "client_words": payload("cw"),
        "competitor": payload("cp"),
        "departure_kind": "other",
        "worth_saving": "yes",
        "worth_saving_why": payload("ww"),
    }
    step_complete(case=case, step="probe", actor=owner, values=probe)
    step_skip(case=case, step="apology", actor=owner, reason=payload("sk"))
    offer = {"offer_made": True, "offer_type": "price_change", "details": payload("od"), "answer": "declined"}
    step_complete(case=case, step="offer", actor=owner, values=offer)
    step_complete(case=case, step="transition", actor=owner, values={"notes": payload("tn")})
    step_complete(case=case, step="thanks", actor=owner, values={"personal_note": payload("pn"), "send_card": True})
    step_complete(case=case, step="keep_in_touch", actor=owner, values={"consent": True, "cadence": "twice_a_year"})
    handover_item_add(case=case, actor=owner, title=payload("ht"), days_from_leave_date=3)


def _after_departure(case: DepartureCase, owner: User, reason: ChurnReason) -> None:
    now = timezone.now()
    reminder = follow_up_add(
        case=case, kind="staff_reminder", due_at=now + timedelta(minutes=1), note=payload("fu"), actor=owner, now=now
    )
    follow_up_add(case=case, kind="check_in", due_at=now + timedelta(days=9), note=payload("fc"), actor=owner, now=now)
    staff_digests_plan(now=digest_time(reminder.due_at))
    feedback_record(
        case=case,
        recorded_by=owner,
        heard_on=timezone.localdate(),
        channel="call",
        what_they_said=payload("rf"),
        could_do_better=payload("rc"),
        did_well=payload("rd"),
    )
    answer = SurveyResponse(
        reasons=[reason],
        satisfaction=3,
        could_do_better=payload("sc"),
        did_well=payload("sd"),
        likelihood_to_return=5,
        may_keep_in_touch=True,
        anonymous=False,
    )
    survey_answer_submit(follow_up=case.follow_ups.get(kind=FollowUp.Kind.SURVEY), response=answer)


def build_story() -> Story:
    """A departed client whose every free text holds a tagged payload, and a second client with an open case."""
    UserFactory.create(username="marta", role=MANAGERS)
    owner = UserFactory.create(
        username="amelia", first_name=payload("fn"), last_name=payload("ln"), role=ACCOUNT_MANAGERS
    )
    reason = reason_create(key="payload-reason", label=payload("rl"), category="service", description=payload("rs"))
    client = ClientFactory.create(
        account_manager=owner,
        company_name=payload("co"),
        contact_name=payload("cn"),
        contact_email=EMAIL,
        contact_phone=short_payload("ph"),
        segment=short_payload("sg"),
        notes=payload("no"),
    )
    today = timezone.localdate()
    notice = today - timedelta(days=20)
    case = DepartureCaseFactory.create(
        client=client, first_notes=payload("fi"), notice_received_on=notice, planned_leave_date=today
    )
    _steps(case, owner, reason)
    case_mark_departed(case=case, actor=owner)
    _after_departure(case, owner, reason)
    open_case = DepartureCaseFactory.create(client__company_name=payload("c2"), client__account_manager=owner)
    return Story(
        owner=owner, client=client, case=case, open_case=open_case, reason=reason, survey=survey_invitation(case)
    )
