"""The business's own look: its logo and accent colour, in the pages' header and the emails' HTML part.

The accent is any colour the business likes; the text on it is white or black, whichever
contrasts more with it. One of them always reaches the 4.5:1 that WCAG AA (and axe) ask of
text, so no accent can make the header unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

WHITE = "#ffffff"
BLACK = "#000000"


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a #rrggbb colour."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or black, whichever is easier to read on the background."""
    return WHITE if contrast_ratio(WHITE, background) >= contrast_ratio(BLACK, background) else BLACK


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str  # empty, a path on this site (/static/...) or an absolute URL
    accent: str
    on_accent: str

    @property
    def theme(self) -> str:
        """Bootstrap's colour mode for what sits on the accent (the menu button's icon, the drop-down)."""
        return "dark" if self.on_accent == WHITE else "light"

    @property
    def absolute_logo_url(self) -> str:
        """The logo as an email must point at it: a path on this site becomes a full address."""
        if self.logo_url.startswith("/"):
            return str(settings.SITE_URL) + self.logo_url
        return self.logo_url


def brand() -> Brand:
    accent = str(settings.BUSINESS_ACCENT_COLOUR)
    return Brand(
        name=str(settings.BUSINESS_NAME),
        logo_url=str(settings.BUSINESS_LOGO_URL),
        accent=accent,
        on_accent=text_colour_on(accent),
    )
