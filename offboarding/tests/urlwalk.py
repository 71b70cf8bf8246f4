"""Every URL pattern in the URLconf, with sample arguments, for access tests.

Discovered from the resolver, so a new view is covered without editing tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SAMPLE_ARGUMENTS = {"int": 1, "str": "sample", "slug": "sample", "path": "sample", "uuid": uuid.UUID(int=1)}
# Where a URL only makes sense with one of a few words, the first real one.
SAMPLE_BY_NAME = {"step": "probe"}


@dataclass(frozen=True)
class Page:
    name: str  # namespaced URL name, e.g. "clients:detail"
    path: str


def _walk(patterns: list[URLPattern | URLResolver], namespace: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin site has its own sign-in and is covered by Django
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def all_pages() -> list[Page]:
    pages = []
    for name, pattern in _walk(get_resolver().url_patterns, ""):
        converters = getattr(pattern.pattern, "converters", {})
        kwargs = {
            key: SAMPLE_BY_NAME.get(key)
            or SAMPLE_ARGUMENTS.get(type(converter).__name__.replace("Converter", "").lower(), "sample")
            for key, converter in converters.items()
        }
        pages.append(Page(name=name, path=reverse(name, kwargs=kwargs)))
    return pages
