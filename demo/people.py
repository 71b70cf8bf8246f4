"""Demo users and clients for `manage.py seed_demo`: deterministic and idempotent."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.utils.text import slugify

from clients.models import Client
from clients.roles import ACCOUNT_MANAGERS, MANAGERS
from demo.money import demo_currency, first_value_change

DEMO_PASSWORD = "leave-well-2026"  # noqa: S105 (published demo login)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str


DEMO_USERS = (
    DemoUser("amelia", "Amelia", "Hart", ACCOUNT_MANAGERS),
    DemoUser("jonas", "Jonas", "Berg", ACCOUNT_MANAGERS),
    DemoUser("marta", "Marta", "Lindqvist", MANAGERS),
)

_COMPANY_FIRST = (
    "Alder",
    "Brightwater",
    "Cobalt",
    "Dunmore",
    "Eastgate",
    "Fennick",
    "Granite",
    "Harbour",
    "Ironbridge",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Northfield",
    "Oakhurst",
    "Pinecrest",
    "Quayside",
    "Redwood",
    "Silverline",
    "Thornbury",
    "Upland",
    "Vantage",
    "Westmoor",
    "Yarrow",
    "Zephyr",
    "Ashcombe",
    "Bramley",
    "Calder",
    "Dovetail",
    "Elmstead",
)
_COMPANY_LAST = ("Logistics", "Dental Group", "Architects", "Foods", "Legal", "Analytics", "Retail", "Engineering")
_CONTACTS = (
    "Sofia Nowak",
    "Liam Byrne",
    "Chloé Martin",
    "Noah Fischer",
    "Ines Costa",
    "Oskar Nilsson",
    "Priya Shah",
    "Tomás Ruiz",
    "Hannah Weber",
    "Mateo Rossi",
    "Aoife Kelly",
    "Lukas Novák",
    "Emma Laurent",
    "David Cohen",
)
_SEGMENTS = ("Managed IT", "Marketing", "Bookkeeping", "Consulting")
_TIME_ZONES = ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Dublin", "America/New_York")
# Clients in Berlin and Paris read their emails in German and French; the others in the business's language.
_LANGUAGE_BY_ZONE = {"Europe/Berlin": "de", "Europe/Paris": "fr"}


def seed_users() -> dict[str, User]:
    users = {}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@northwind.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=demo.role))
        users[demo.username] = user
    return users


def seed_clients(users: dict[str, User], today: date) -> list[Client]:
    rng = random.Random(2026)  # the same thirty clients on every machine
    owners = [users["amelia"], users["jonas"]]
    clients = []
    for number, first in enumerate(_COMPANY_FIRST):
        name = f"{first} {rng.choice(_COMPANY_LAST)}"
        contact = rng.choice(_CONTACTS)
        start = today - timedelta(days=rng.randint(120, 2200))
        client, created = Client.objects.get_or_create(
            # slugify drops the accents: "Chloé" would make an address mail servers cannot deliver.
            contact_email=f"{slugify(contact.split()[0])}.{first.lower()}@{first.lower()}.example",
            defaults={
                "company_name": name,
                "contact_name": contact,
                "contact_phone": f"+44 20 7946 {rng.randint(0, 9999):04d}",
                "account_manager": owners[number % 2],
                "segment": rng.choice(_SEGMENTS),
                "monthly_value": Decimal(rng.choice((450, 900, 1500, 2400, 4800, 9500, 18000))),
                "currency": "EUR",
                "contract_start": start,
                "contract_end": start + timedelta(days=365 * rng.randint(1, 3)),
                "time_zone": rng.choice(_TIME_ZONES),
                "keep_in_touch": Client.KeepInTouch.YES if rng.random() < 0.6 else Client.KeepInTouch.NOT_ASKED,
            },
        )
        if created:
            # Set after the row, so the same random draws make the same thirty clients as before.
            client.language = _LANGUAGE_BY_ZONE.get(client.time_zone, "")
            client.currency = demo_currency(client.time_zone)
            client.save(update_fields=["language", "currency"])
            first_value_change(client).save()
        clients.append(client)
    return clients
