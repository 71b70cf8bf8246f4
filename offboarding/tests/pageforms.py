"""The forms and links on a rendered page, read from its HTML as a browser would.

Tests use them to find every form a person can submit and every query parameter a
link carries, without a list to keep up to date by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # the input's type ("text", "date", "checkbox"...), or "select", "textarea"
    options: list[str] = field(default_factory=list)  # values a person can pick, for choices


@dataclass
class PageForm:
    method: str  # "get" or "post"
    action: str  # path the form is sent to
    fields: dict[str, FormField] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None = None) -> None:
        entry = self.fields.setdefault(name, FormField(name=name, kind=kind))
        if value is not None and value not in entry.options:
            entry.options.append(value)


@dataclass
class PageContent:
    forms: list[PageForm] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # same-site paths with their query strings


CHOICE_INPUTS = {"checkbox", "radio", "hidden", "submit"}


class _PageParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.content = PageContent()
        self._form: PageForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "a" and attributes.get("href"):
            self._link(attributes["href"])
        elif tag == "form":
            action = self._same_site(attributes.get("action") or self.page_path)
            self._form = PageForm(method=attributes.get("method", "get").lower(), action=action or self.page_path)
            self.content.forms.append(self._form)
        elif self._form is not None and attributes.get("name"):
            self._field(tag, attributes)
        elif self._form is not None and tag == "option" and self._select:
            self._form.add(self._select, "select", attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def _field(self, tag: str, attributes: dict[str, str]) -> None:
        assert self._form is not None
        name = attributes["name"]
        if tag == "select":
            self._select = name
            self._form.add(name, "select")
        elif tag == "textarea":
            self._form.add(name, "textarea")
        elif tag in {"input", "button"}:
            kind = attributes.get("type", "text" if tag == "input" else "submit").lower()
            self._form.add(name, kind, attributes.get("value", "on") if kind in CHOICE_INPUTS else None)

    def _same_site(self, href: str) -> str | None:
        url = urlsplit(urljoin(f"http://testserver{self.page_path}", href))
        if url.netloc != "testserver" or url.scheme not in {"http", "https"}:
            return None
        return f"{url.path}?{url.query}" if url.query else url.path

    def _link(self, href: str) -> None:
        path = self._same_site(href)
        if path is not None and path not in self.content.links:
            self.content.links.append(path)


def read_page(html: str, page_path: str) -> PageContent:
    parser = _PageParser(page_path)
    parser.feed(html)
    parser.close()
    return parser.content


def query_names(path: str) -> list[str]:
    return [name for name, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)]
