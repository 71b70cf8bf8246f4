"""Departure cases, follow-ups and churn reasons in the REST API.

The same querysets, selectors and services as the pages: `visible_to(user)` first, the case
page's `case_for_page` for one case, and `case_open` to log a departure, which records its
event on the timeline as the page does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from clients.api_support import AuthenticatedRequest
from offboarding.models import ChurnReason, DepartureCase, FollowUp
from offboarding.outbox.selectors import follow_ups_listed
from offboarding.selectors.cases import case_for_page, cases_listed
from offboarding.serializers import (
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseOpenSerializer,
    CaseSerializer,
    FollowUpFilterSerializer,
    FollowUpSerializer,
    ReasonSerializer,
)
from offboarding.services.cases import case_open


class CaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[DepartureCase]:
        query = CaseFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return cases_listed(
            cases=DepartureCase.objects.visible_to(self.request.user),
            status=query.validated_data.get("status", ""),
            client_id=query.validated_data.get("client"),
        )

    @extend_schema(parameters=[CaseFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=CaseDetailSerializer)
    def retrieve(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(CaseDetailSerializer(_case(request, pk)).data)

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseDetailSerializer})
    def create(self, request: AuthenticatedRequest) -> Response:
        sent = CaseOpenSerializer(data=request.data, context={"request": request})
        sent.is_valid(raise_exception=True)
        case = case_open(opened_by=request.user, **sent.validated_data)
        return Response(CaseDetailSerializer(_case(request, case.pk)).data, status=status.HTTP_201_CREATED)


def _case(request: AuthenticatedRequest, pk: int) -> DepartureCase:
    cases = DepartureCase.objects.visible_to(request.user)
    try:
        return case_for_page(cases, pk, today=timezone.localdate())
    except DepartureCase.DoesNotExist:
        raise Http404 from None


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FollowUpSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[FollowUp]:
        narrowing: dict[str, Any] = {}
        if self.action == "list":
            query = FollowUpFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            narrowing = {
                "status": query.validated_data.get("status", ""),
                "kind": query.validated_data.get("kind", ""),
                "case_id": query.validated_data.get("case"),
            }
        return follow_ups_listed(follow_ups=FollowUp.objects.visible_to(self.request.user), **narrowing)

    @extend_schema(parameters=[FollowUpFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class ReasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The churn-reason list, retired ones included (old cases still use them)."""

    serializer_class = ReasonSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[ChurnReason]:
        return ChurnReason.objects.order_by("sort_order", "label", "id")
