from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group, User

from clients.models import Client

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@northwind.example")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ClientFactory(factory.django.DjangoModelFactory[Client]):
    class Meta:
        model = Client

    company_name = factory.Sequence(lambda n: f"Client Company {n:03d}")
    contact_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"contact{n}@client{n}.example")
    contact_phone = "+44 20 7946 0000"
    account_manager = factory.SubFactory(UserFactory)
    segment = "Consulting"
    monthly_value = Decimal("1500.00")
    currency = "EUR"
    contract_start = date(2024, 1, 1)
    contract_end = date(2026, 12, 31)
    time_zone = "Europe/London"
