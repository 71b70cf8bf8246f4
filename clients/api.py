"""Clients in the REST API: the list with the page's filters, one client, add and change.

The same selector and services as the pages: `clients_filtered` (which starts from
`visible_to(user)`), `client_create` and `client_update`. Another account manager's client is a 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from clients import services
from clients.api_support import AuthenticatedRequest
from clients.models import Client, ClientQuerySet, ClientValueChange
from clients.selectors import ClientListFilters, clients_filtered
from clients.serializers import ClientFilterSerializer, ClientSerializer


class ClientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClientSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> ClientQuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a request
            return Client.objects.none()
        filters = ClientListFilters()
        if self.action == "list":
            query = ClientFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.filters()
        return clients_filtered(user=self.request.user, filters=filters)

    @extend_schema(parameters=[ClientFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: AuthenticatedRequest) -> Response:
        sent = self.get_serializer(data=request.data)
        sent.is_valid(raise_exception=True)
        client = services.client_create(
            created_by=request.user, value_source=ClientValueChange.Source.API, **sent.validated_data
        )
        return Response(self.get_serializer(_reloaded(client)).data, status=status.HTTP_201_CREATED)

    def update(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._change(request, partial=False)

    def partial_update(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._change(request, partial=True)

    def _change(self, request: AuthenticatedRequest, *, partial: bool) -> Response:
        client = self.get_object()
        sent = self.get_serializer(client, data=request.data, partial=partial)
        sent.is_valid(raise_exception=True)
        saved = services.client_update(
            client=client, updated_by=request.user, value_source=ClientValueChange.Source.API, **sent.validated_data
        )
        return Response(self.get_serializer(_reloaded(saved)).data)


def _reloaded(client: Client) -> Client:
    return Client.objects.select_related("account_manager").get(pk=client.pk)
