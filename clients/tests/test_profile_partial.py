from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse

from clients.tests.factories import ClientFactory


def test_the_profile_block_shows_contact_contract_and_value(account_manager: User) -> None:
    client = ClientFactory.create(
        account_manager=account_manager,
        contact_name="Sofia Nowak",
        contact_email="sofia@alder.example",
        monthly_value=Decimal("12500"),
        currency="GBP",
        contract_start=date(2024, 3, 1),
        contract_end=date(2027, 2, 28),
        keep_in_touch="yes",
        notes="Prefers <b>email</b>.",
    )
    html = render_to_string("clients/_profile.html", {"client": client})
    assert "Sofia Nowak" in html
    assert 'href="mailto:sofia@alder.example"' in html
    assert "Amelia Hart" in html
    assert "12,500.00 GBP" in html
    assert "from 1 Mar 2024 until 28 Feb 2027" in html
    assert "Yes, we may stay in touch" in html
    assert "Prefers &lt;b&gt;email&lt;/b&gt;." in html
    assert reverse("clients:edit", args=[client.pk]) in html
