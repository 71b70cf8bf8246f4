"""The business's logo and accent colour in the pages' header and the emails, readable whatever the colour."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient

from clients.branding import BLACK, WHITE, brand, contrast_ratio, text_colour_on

# A dark green, a mid grey (the hardest case for one fixed text colour), a pale yellow, pure white.
ACCENTS = ["#2f5d50", "#777777", "#767676", "#f5d76e", "#ffffff", "#0000ff", "#ff0000"]


@pytest.mark.parametrize("accent", ACCENTS)
def test_the_text_on_any_accent_reaches_the_contrast_axe_asks_for(accent: str) -> None:
    assert contrast_ratio(text_colour_on(accent), accent) >= 4.5


def test_a_light_accent_gets_black_text_and_a_dark_one_white() -> None:
    assert text_colour_on("#f5d76e") == BLACK
    assert text_colour_on("#2f5d50") == WHITE


@pytest.mark.django_db
def test_the_header_shows_the_logo_with_the_business_name_as_its_text_alternative_on_the_accent(
    am_client: BrowserClient, settings: Any
) -> None:
    settings.BUSINESS_LOGO_URL = "/static/favicon.svg"
    settings.BUSINESS_ACCENT_COLOUR = "#f5d76e"
    page = am_client.get("/").content.decode()
    assert '<img src="/static/favicon.svg" alt="Northwind Partners" class="brand-logo">' in page
    assert 'style="--brand-accent: #f5d76e; --brand-on-accent: #000000;"' in page
    assert 'data-bs-theme="light"' in page


@pytest.mark.django_db
def test_without_a_logo_the_header_names_the_business(am_client: BrowserClient) -> None:
    page = am_client.get("/").content.decode()
    assert '>Northwind Partners <span class="fw-light">Offboarding</span></a>' in page
    assert brand().logo_url == ""


def test_an_email_points_at_a_logo_on_this_site_with_its_full_address(settings: Any) -> None:
    settings.BUSINESS_LOGO_URL = "/static/brand/logo.png"
    assert brand().absolute_logo_url == "http://testserver/static/brand/logo.png"
    settings.BUSINESS_LOGO_URL = "https://cdn.northwind.example/logo.png"
    assert brand().absolute_logo_url == "https://cdn.northwind.example/logo.png"
