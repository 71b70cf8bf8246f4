"""An email from a wording: the filled-in text, the HTML part built from it, and the parts the product adds.

The HTML part is made from the text, never from markup anyone typed: paragraphs (a blank line),
line breaks, and http(s) addresses as links. Every piece of text reaches the HTML template as
plain data, so the template's escaping applies to all of it and nothing a wording or a client's
name holds can become markup. Around any wording the product adds the business's header (logo and
accent colour) and, to client mail, the postal address and the unsubscribe link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from clients.branding import WHITE, brand, contrast_ratio
from offboarding.outbox.wording import Wording, fill

# What FollowUp.subject keeps.
SUBJECT_LIMIT = 250
URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation after an address belongs to the sentence ("see https://example.com.").
URL_TRAILING = ".,;:!?)"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # The footer's unsubscribe link, which the List-Unsubscribe header names too (empty without a footer link).
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class Block:
    """A list the product writes in place of a placeholder standing on its own line (the digest's reminders)."""

    text: str
    html: SafeString


@dataclass(frozen=True)
class Footer:
    """What the product adds below the text: the postal address and unsubscribe link of client mail."""

    postal_address: str = ""
    unsubscribe_url: str = ""
    # Staff mail names the product instead.
    for_staff: bool = False


@dataclass(frozen=True)
class Segment:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Paragraph:
    lines: list[list[Segment]] = field(default_factory=list)
    block: SafeString | None = None


def _marker(name: str) -> str:
    # NUL cannot come from a form (Django refuses it) nor from PostgreSQL: it marks where a block goes.
    return f"\x00{name}\x00"


def _tidy(text: str) -> str:
    """Lines without trailing spaces and paragraphs a blank line apart; an empty one (a blank personal line) goes."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _segments(line: str) -> list[Segment]:
    segments, position = [], 0
    for match in URL.finditer(line):
        url = match.group(0).rstrip(URL_TRAILING)
        if match.start() > position:
            segments.append(Segment(line[position : match.start()]))
        segments.append(Segment(url, url=url))
        position = match.start() + len(url)
    if position < len(line):
        segments.append(Segment(line[position:]))
    return segments


def paragraphs(body: str, blocks: Mapping[str, Block]) -> list[Paragraph]:
    by_marker = {_marker(name): block for name, block in blocks.items()}
    found = []
    for chunk in body.split("\n\n"):
        block = by_marker.get(chunk.strip())
        if block is not None:
            found.append(Paragraph(block=block.html))
        else:
            found.append(Paragraph(lines=[_segments(line) for line in chunk.split("\n")]))
    return found


def _link_colour(accent: str) -> str:
    # The accent where it reads well on the white page, else a dark blue that does.
    return accent if contrast_ratio(WHITE, accent) >= 4.5 else "#0a58ca"


def compose(
    wording: Wording, values: Mapping[str, str], *, footer: Footer, blocks: Mapping[str, Block] | None = None
) -> RenderedEmail:
    """The email a wording makes with these values: subject, text part and HTML part, the footer added to both."""
    blocks = blocks or {}
    subject = " ".join(fill(wording.subject, values).split())[:SUBJECT_LIMIT]
    body = _tidy(fill(wording.body, {**values, **{name: _marker(name) for name in blocks}}))
    text = body
    for name, block in blocks.items():
        text = text.replace(_marker(name), block.text.strip())
    context = {
        "subject": subject,
        "language": wording.language,
        "paragraphs": paragraphs(body, blocks),
        "footer": footer,
        "business_name": settings.BUSINESS_NAME,
        "brand": brand(),
        "link_colour": _link_colour(brand().accent),
    }
    footer_text = render_to_string("emails/_footer.txt", context).strip()
    return RenderedEmail(
        subject=subject,
        text=f"{text}\n\n{footer_text}\n",
        html=render_to_string("emails/message.html", context),
        unsubscribe_url=footer.unsubscribe_url,
    )
