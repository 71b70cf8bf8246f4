"""Recorded feedback, named survey answers and the dashboard's figures in the REST API.

The same selectors as the pages: the feedback of the cases `visible_to(user)`, and for managers
the dashboard's figures from feedback/selectors, filtered by the dashboard's own filter form.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api_auth import ManagersOnly
from clients.api_support import AuthenticatedRequest
from feedback.forms import DashboardFilterForm
from feedback.models import RecordedFeedback, SurveyAnswer
from feedback.selectors.departures import (
    by_account_manager,
    competitors_lost_to,
    headline_figures,
    probe_breakdowns,
    save_rate_by_offer_type,
)
from feedback.selectors.filters import DashboardFilter, account_manager_choices, case_segments, default_period
from feedback.selectors.revenue import net_revenue_retention
from feedback.selectors.surveys import named_survey_answers, recorded_feedback_of, survey_figures
from feedback.serializers import DashboardSerializer, RecordedFeedbackSerializer, SurveyAnswerSerializer
from offboarding.models import DepartureCase


class RecordedFeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RecordedFeedbackSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[RecordedFeedback]:
        return recorded_feedback_of(cases=DepartureCase.objects.visible_to(self.request.user))


class SurveyAnswerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyAnswerSerializer
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet[SurveyAnswer]:
        return named_survey_answers(cases=DepartureCase.objects.visible_to(self.request.user))


DASHBOARD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the period (default: 12 months back)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period (default: today)."),
    OpenApiParameter("account_manager", OpenApiTypes.INT, description="Only this account manager's cases."),
    OpenApiParameter("segment", OpenApiTypes.STR, description="Only cases of this segment."),
]


def _dashboard_filter(request: AuthenticatedRequest) -> DashboardFilter:
    """The period and filters asked for, checked by the dashboard page's own form: a bad one is a 400."""
    start, end = default_period(timezone.localdate())
    form = DashboardFilterForm(
        request.query_params or None,
        account_managers=account_manager_choices(),
        segments=case_segments(),
    )
    if not form.is_bound:
        return DashboardFilter(start=start, end=end)
    if not form.is_valid():
        raise ValidationError(
            {_field_name(name): [str(error) for error in errors] for name, errors in form.errors.items()}
        )
    cleaned = form.cleaned_data
    return DashboardFilter(
        start=cleaned.get("start") or start,
        end=cleaned.get("end") or end,
        account_manager_id=cleaned.get("account_manager"),
        segment=cleaned.get("segment") or "",
    )


def _field_name(name: str) -> str:
    return "non_field_errors" if name == NON_FIELD_ERRORS else name


def _figures(dashboard: DashboardFilter) -> dict[str, Any]:
    probe = probe_breakdowns(dashboard)
    headline = headline_figures(dashboard)
    retention = net_revenue_retention(dashboard, headline.revenue)
    return {
        "start": dashboard.start,
        "end": dashboard.end,
        "account_manager": dashboard.account_manager_id,
        "segment": dashboard.segment,
        "currency": settings.BUSINESS_CURRENCY,
        "headline": headline,
        "surveys": survey_figures(dashboard),
        "breakdowns": {
            "by_reason": probe.departures,
            "by_kind": probe.by_kind,
            "by_account_manager": by_account_manager(dashboard),
            "competitors": competitors_lost_to(dashboard),
            "save_rate_by_offer_type": save_rate_by_offer_type(dashboard),
            "save_rate_by_reason": probe.save_rate,
        },
        "revenue": headline.revenue,
        "net_revenue_retention": retention,
        "missing_rates": retention.missing,
    }


class DashboardView(APIView):
    """The managers' dashboard figures for a period and filters (managers only)."""

    permission_classes = [ManagersOnly]

    @extend_schema(parameters=DASHBOARD_PARAMETERS, responses=DashboardSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(DashboardSerializer(_figures(_dashboard_filter(request))).data)
