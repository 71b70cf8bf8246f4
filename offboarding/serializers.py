"""How departure cases, their steps and offers, follow-ups and reasons look in the REST API.

Read-only but for opening a case, which checks only the shape of what is sent; `case_open`
decides, as it does for the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.formatting import display_name
from clients.models import Client
from clients.validators import validate_plausible_date
from offboarding.models import (
    ApologyStep,
    CaseStep,
    ChurnReason,
    DepartureCase,
    FollowUp,
    HandoverItem,
    KeepInTouchStep,
    OfferStep,
    ProbeStep,
    ThankStep,
    TransitionStep,
)


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name"]

    def get_name(self, person: User) -> str:
        return display_name(person)


class ReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChurnReason
        fields = ["id", "key", "label", "category", "description", "sort_order", "retired_at"]


STEP_FIELDS = ["status", "completed_by", "completed_at", "skip_reason"]


def _step_serializer(step_model: type[CaseStep], fields: list[str]) -> type[serializers.ModelSerializer]:
    meta = type("Meta", (), {"model": step_model, "fields": STEP_FIELDS + fields})
    attributes: dict[str, Any] = {"Meta": meta, "completed_by": PersonSerializer(read_only=True, allow_null=True)}
    return type(f"{step_model.__name__}Serializer", (serializers.ModelSerializer,), attributes)


ProbeStepSerializer = _step_serializer(
    ProbeStep,
    [
        "primary_reason",
        "contributing_reasons",
        "client_words",
        "competitor",
        "departure_kind",
        "worth_saving",
        "worth_saving_why",
    ],
)
ApologyStepSerializer = _step_serializer(ApologyStep, ["fell_short", "what_we_said", "what_will_change"])
OfferStepSerializer = _step_serializer(OfferStep, ["offer_made", "no_offer_reason"])
TransitionStepSerializer = _step_serializer(TransitionStep, ["notes"])
ThankStepSerializer = _step_serializer(ThankStep, ["personal_note", "send_card", "card_sent_on"])
KeepInTouchStepSerializer = _step_serializer(KeepInTouchStep, ["cadence", "new_contract_renewal_on"])


class StepsSerializer(serializers.Serializer):
    """The six checklist steps of a case, by their names on the case page."""

    probe = ProbeStepSerializer(read_only=True)
    apology = ApologyStepSerializer(read_only=True)
    offer = OfferStepSerializer(read_only=True)
    transition = TransitionStepSerializer(read_only=True)
    thanks = ThankStepSerializer(read_only=True)
    keep_in_touch = KeepInTouchStepSerializer(read_only=True)


# The offers of a case, in one place. Today a case makes at most one offer, at its offer step; when
# offers become a history of several, this serializer and case_offers are what change.
class OfferSerializer(serializers.ModelSerializer):
    approved_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OfferStep
        fields = ["offer_type", "details", "monthly_value_effect", "approved_by", "answer"]


def case_offers(case: DepartureCase) -> list[OfferStep]:
    """The offers made to keep the client, oldest first."""
    return [case.offer] if case.offer.offer_made else []


class HandoverItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandoverItem
        fields = ["id", "title", "days_from_leave_date", "due_on", "done_at"]


CASE_FIELDS = [
    "id",
    "client",
    "client_name",
    "status",
    "notice_received_on",
    "planned_leave_date",
    "how_heard",
    "account_manager",
    "segment",
    "monthly_value",
    "currency",
    "scope",
    "part_leaving",
    "value_leaving",
    "opened_at",
    "closed_at",
    "departed_on",
    "saved_on",
    "won_back_on",
]


class CaseSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.company_name", read_only=True)
    account_manager = PersonSerializer(read_only=True)

    class Meta:
        model = DepartureCase
        fields = CASE_FIELDS
        read_only_fields = CASE_FIELDS


class CaseDetailSerializer(CaseSerializer):
    steps = StepsSerializer(source="*", read_only=True)
    offers = serializers.SerializerMethodField()
    handover_items = HandoverItemSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CASE_FIELDS, "first_notes", "steps", "offers", "handover_items"]
        read_only_fields = fields

    @extend_schema_field(OfferSerializer(many=True))
    def get_offers(self, case: DepartureCase) -> list[dict[str, Any]]:
        return list(OfferSerializer(case_offers(case), many=True).data)


class CaseOpenSerializer(serializers.Serializer):
    """What a departure needs to be logged: whose, when the notice came, when they leave, how we heard."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    notice_received_on = serializers.DateField(validators=[validate_plausible_date])
    planned_leave_date = serializers.DateField(validators=[validate_plausible_date])
    how_heard = serializers.ChoiceField(choices=DepartureCase.HowHeard.choices)
    first_notes = serializers.CharField(required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(
        choices=DepartureCase.Scope.choices,
        default=DepartureCase.Scope.FULL,
        help_text="partial: the client drops a service line or cuts scope and stays (give value_leaving).",
    )
    part_leaving = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    value_leaving = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="For a partial departure: the monthly value that leaves, in the client's currency.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only a client the person may see: another account manager's is "not found", as its page is.
        user = getattr(self.context.get("request"), "user", None)  # none while the schema is drawn
        if user is not None:
            self.fields["client"].queryset = Client.objects.visible_to(user)  # type: ignore[attr-defined]


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DepartureCase.Status.choices, required=False)
    client = serializers.IntegerField(required=False, min_value=1)


class FollowUpSerializer(serializers.ModelSerializer):
    """A scheduled message, without its body: a survey email's body holds the client's own survey link."""

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "kind",
            "status",
            "client",
            "case",
            "recipient_email",
            "note",
            "due_at",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "subject",
            "last_error",
            "cancelled_reason",
            "created_at",
        ]
        read_only_fields = fields


class FollowUpFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUp.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=FollowUp.Kind.choices, required=False)
    case = serializers.IntegerField(required=False, min_value=1)
