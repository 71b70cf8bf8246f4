"""How recorded feedback, named survey answers and the dashboard's figures look in the REST API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from feedback.models import RecordedFeedback, SurveyAnswer
from offboarding.models import ChurnReason
from offboarding.serializers import PersonSerializer


class RecordedFeedbackSerializer(serializers.ModelSerializer):
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = RecordedFeedback
        fields = [
            "id",
            "case",
            "heard_on",
            "channel",
            "what_they_said",
            "could_do_better",
            "did_well",
            "satisfaction",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.ModelSerializer):
    """A named exit-survey answer; an anonymous one is never shown one by one."""

    reasons: serializers.SlugRelatedField[ChurnReason] = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True
    )

    class Meta:
        model = SurveyAnswer
        fields = [
            "id",
            "client",
            "case",
            "month",
            "segment",
            "reasons",
            "satisfaction",
            "could_do_better",
            "did_well",
            "likelihood_to_return",
            "may_keep_in_touch",
            "submitted_at",
        ]
        read_only_fields = fields


class HeadlineSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    departures = serializers.IntegerField()
    revenue_lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    offers_made = serializers.IntegerField()
    saved_after_offer = serializers.IntegerField()
    saves_kept = serializers.IntegerField()
    saves_watching = serializers.IntegerField()
    saves_relapsed = serializers.IntegerField()
    save_rate = serializers.FloatField(allow_null=True)
    win_backs = serializers.IntegerField()
    median_days_to_return = serializers.FloatField(allow_null=True)
    closed = serializers.IntegerField()
    closed_with_every_step = serializers.IntegerField()
    checklist_adherence = serializers.FloatField(allow_null=True)
    median_days_to_close = serializers.FloatField(allow_null=True)


class SurveyFiguresSerializer(serializers.Serializer):
    invitations_sent = serializers.IntegerField()
    answers = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    average_satisfaction = serializers.FloatField(source="overall.average_satisfaction", allow_null=True)
    average_likelihood_to_return = serializers.FloatField(source="overall.average_likelihood", allow_null=True)
    anonymous_left_out = serializers.IntegerField(
        help_text=_("Anonymous answers in groups too small to show: in the response rate, in no average.")
    )


class BreakdownRowSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label, as the row names it
    cases = serializers.IntegerField()
    departures = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    offers = serializers.IntegerField()
    saved = serializers.IntegerField(help_text=_("Saves after an offer kept after the watch period."))
    watching = serializers.IntegerField(help_text=_("Saves after an offer still inside the watch period."))
    relapsed = serializers.IntegerField(help_text=_("Saves after an offer where the client gave notice again."))
    save_rate = serializers.FloatField(allow_null=True)
    win_backs = serializers.IntegerField()


class BreakdownsSerializer(serializers.Serializer):
    by_reason = BreakdownRowSerializer(many=True)
    by_kind = BreakdownRowSerializer(many=True)
    by_account_manager = BreakdownRowSerializer(many=True)
    competitors = BreakdownRowSerializer(many=True)
    save_rate_by_offer_type = BreakdownRowSerializer(many=True)
    save_rate_by_reason = BreakdownRowSerializer(many=True)


class MissingRateSerializer(serializers.Serializer):
    """A currency and month with no exchange rate: its amounts are left out of every money figure."""

    currency = serializers.CharField()
    month = serializers.DateField(help_text="The first day of the month.")


class RevenueSerializer(serializers.Serializer):
    """Monthly revenue lost to full and partial departures, in the business currency at the notice date."""

    full_departures = serializers.IntegerField()
    full_revenue_lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    partial_departures = serializers.IntegerField()
    partial_revenue_lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    revenue_lost = serializers.DecimalField(max_digits=16, decimal_places=2)


class RetentionSerializer(serializers.Serializer):
    """Net revenue retention: (start_revenue - lost + returned + offer_effects) / start_revenue."""

    start_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    returned = serializers.DecimalField(max_digits=16, decimal_places=2)
    offer_effects = serializers.DecimalField(max_digits=16, decimal_places=2)
    end_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    rate = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    """The dashboard's figures for a period (by the date the notice arrived), money in the business currency."""

    start = serializers.DateField()
    end = serializers.DateField()
    account_manager = serializers.IntegerField(allow_null=True)
    segment = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    headline = HeadlineSerializer()
    surveys = SurveyFiguresSerializer()
    breakdowns = BreakdownsSerializer()
    revenue = RevenueSerializer()
    net_revenue_retention = RetentionSerializer()
    missing_rates = MissingRateSerializer(many=True)
