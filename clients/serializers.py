"""How clients look in the REST API, and what a request may send.

The serializers check only the shape of what is sent, as the forms do; the rules are the models'
and the services' (`client_create`, `client_update` call `full_clean()`), so a request gets the
same refusal the page would give.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.formatting import display_name
from clients.models import Client
from clients.roles import is_manager
from clients.selectors import SORT_CHOICES, ClientListFilters, client_owner_choices
from clients.validators import validate_deliverable_email, validate_plausible_date

CLIENT_FIELDS = [
    "id",
    "company_name",
    "contact_name",
    "contact_email",
    "contact_phone",
    "account_manager",
    "account_manager_name",
    "segment",
    "monthly_value",
    "currency",
    "contract_start",
    "contract_end",
    "time_zone",
    "keep_in_touch",
    "referred_by",
    "status",
    "notes",
    "erased_at",
    "created_at",
    "updated_at",
]


class ClientSerializer(serializers.ModelSerializer):
    """A client. `account_manager` is chosen by managers; an account manager's new clients are their own.

    `keep_in_touch` is set when a client is added; afterwards it changes only on the client page
    (it plans or cancels emails), so an update refuses it. `status` follows the client's cases.
    """

    account_manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    account_manager_name = serializers.SerializerMethodField()
    # The id of the client who referred them; only a client the caller may see (client_create checks it too).
    referred_by = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none(), required=False, allow_null=True)
    # The model's one rule for an address we can mail, without REST framework's generic email check beside it.
    contact_email = serializers.CharField(max_length=254, validators=[validate_deliverable_email])
    contract_start = serializers.DateField(required=False, allow_null=True, validators=[validate_plausible_date])
    contract_end = serializers.DateField(required=False, allow_null=True, validators=[validate_plausible_date])

    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        read_only_fields = ["status", "erased_at", "created_at", "updated_at"]
        # The models' constraints are checked by the services' full_clean(), with their own words.
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)  # none while the schema is drawn
        owner = self.fields["account_manager"]
        if user is None or is_manager(user):
            keeping = self.instance.account_manager_id if isinstance(self.instance, Client) else None
            owner.queryset = client_owner_choices(keeping=keeping)  # type: ignore[attr-defined]
        else:
            owner.read_only = True
        if isinstance(self.instance, Client):
            self.fields["keep_in_touch"].read_only = True
        referrers = Client.objects.visible_to(user) if user is not None else Client.objects.all()
        self.fields["referred_by"].queryset = referrers  # type: ignore[attr-defined]

    def get_account_manager_name(self, client: Client) -> str:
        return display_name(client.account_manager)


class ClientFilterSerializer(serializers.Serializer):
    """The client list's search, filters and sort, as on the list page."""

    q = serializers.CharField(
        required=False, max_length=200, help_text=_("Words to find in company, contact or email.")
    )
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    account_manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    segment = serializers.CharField(required=False, max_length=80)
    sort = serializers.ChoiceField(choices=SORT_CHOICES, required=False)

    def filters(self) -> ClientListFilters:
        data = self.validated_data
        return ClientListFilters(
            search=data.get("q", ""),
            status=data.get("status", ""),
            account_manager=data.get("account_manager"),
            segment=data.get("segment", ""),
            sort=data.get("sort") or "name",
        )
