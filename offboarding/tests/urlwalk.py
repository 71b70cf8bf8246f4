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
SAMPLE_BY_NAME = {"step": "probe", "kind": "thank_you", "language": "de"}


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


@dataclass(frozen=True)
class Pattern:
    name: str
    arguments: tuple[tuple[str, str], ...]  # (argument, converter kind such as "int" or "str")

    def path(self, **values: object) -> str:
        """The path with these argument values put in as they are, even ones the converter would refuse."""
        placeholders = {key: _placeholder(index, kind) for index, (key, kind) in enumerate(self.arguments)}
        path = reverse(self.name, kwargs=placeholders)
        for key, placeholder in placeholders.items():
            path = path.replace(f"/{placeholder}/", f"/{values[key]}/", 1)
        return path


def _placeholder(index: int, kind: str) -> object:
    """A value the converter accepts and that appears nowhere else in the path."""
    if kind == "int":
        return 987650 + index
    if kind == "uuid":
        return uuid.UUID(int=987650 + index)
    return f"arg{index}x"


def all_patterns() -> list[Pattern]:
    patterns: dict[str, Pattern] = {}
    for name, pattern in _walk(get_resolver().url_patterns, ""):
        converters = getattr(pattern.pattern, "converters", {})
        arguments = tuple(
            (key, type(converter).__name__.replace("Converter", "").lower()) for key, converter in converters.items()
        )
        # A pattern named again later (Django's own sign-in, replaced by ours) is never reached.
        patterns.setdefault(name, Pattern(name=name, arguments=arguments))
    return list(patterns.values())


def all_pages() -> list[Page]:
    pages = []
    for pattern in all_patterns():
        kwargs = {
            key: SAMPLE_BY_NAME.get(key) or SAMPLE_ARGUMENTS.get(kind, "sample") for key, kind in pattern.arguments
        }
        pages.append(Page(name=pattern.name, path=reverse(pattern.name, kwargs=kwargs)))
    return pages
