"""What brought a client back: the choices "Client came back" offers, its default, and recording the return.

The choices follow what the client received last since they left: the check-ins, the win-back
note and the "we changed it" notes that were actually sent, newest first, then a referral and
their own initiative, which are always possible. The newest message received is the default;
with none, their own initiative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from offboarding.models import CaseReturn, DepartureCase, FollowUp, ReturnCause
from offboarding.services.cases import client_mark_returned

# The messages that can bring a client back, as the cause each one is.
CAUSE_OF_KIND = {
    FollowUp.Kind.CHECK_IN: ReturnCause.CHECK_IN,
    FollowUp.Kind.WIN_BACK: ReturnCause.WIN_BACK,
    FollowUp.Kind.WE_CHANGED_IT: ReturnCause.WE_CHANGED_IT,
}
ALWAYS_OFFERED = (ReturnCause.REFERRAL, ReturnCause.OWN_INITIATIVE)


@dataclass(frozen=True)
class ReturnCauseOffer:
    choices: list[tuple[str, str]]  # (cause, label), what they received latest first
    default: str
    credited: dict[str, int]  # cause -> the latest sent follow-up of that cause, which the return credits


def _last_departure(client: Client) -> DepartureCase | None:
    return client.cases.filter(status=DepartureCase.Status.DEPARTED).order_by("-departed_on", "-id").first()


def return_cause_offer(client: Client) -> ReturnCauseOffer:
    """What "Client came back" offers as the reason they came back, and which choice it starts on."""
    case = _last_departure(client)
    received = FollowUp.objects.filter(client=client, status=FollowUp.Status.SENT, kind__in=list(CAUSE_OF_KIND))
    if case is not None and case.departed_on:
        received = received.filter(sent_at__date__gte=case.departed_on)
    credited: dict[str, int] = {}
    for kind, follow_up_id in received.order_by("-sent_at", "-id").values_list("kind", "id"):
        credited.setdefault(CAUSE_OF_KIND[FollowUp.Kind(kind)], follow_up_id)
    causes = [*credited, *ALWAYS_OFFERED]
    return ReturnCauseOffer(
        choices=[(cause, str(ReturnCause(cause).label)) for cause in causes],
        default=next(iter(credited), ReturnCause.OWN_INITIATIVE),
        credited=credited,
    )


@transaction.atomic
def client_return_record(
    *, client: Client, actor: User, returned_on: date, cause: str = "", now: datetime | None = None
) -> CaseReturn:
    """The client came back (client_mark_returned), brought back by `cause`, one of return_cause_offer's choices.

    No cause given (an older form, a script) is the offer's default: the message they received last.
    """
    now = now or timezone.now()
    offer = return_cause_offer(client)
    cause = cause or offer.default
    if cause not in dict(offer.choices):
        raise ValidationError({"cause": _("Choose what brought them back from the list.")})
    label = str(ReturnCause(cause).label)
    case = client_mark_returned(client=client, actor=actor, returned_on=returned_on, now=now, brought_back_by=label)
    return CaseReturn.objects.create(
        case=case, cause=cause, credited_follow_up_id=offer.credited.get(cause), recorded_by=actor, recorded_at=now
    )
