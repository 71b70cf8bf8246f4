"""A crawler for tests: signs in, follows every link and redirect, and notes each form and query parameter."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import Resolver404, resolve, reverse

from offboarding.tests.pageforms import FormField, PageForm, read_page

# Pages the crawler must not follow: signing out would end its session.
NOT_CRAWLED = {"logout"}
# How many pages of one URL pattern are opened, and how many forms posting to one are kept
# (the same form on another object can take another path: a client email moves into business hours).
LINKS_PER_PAGE_NAME = 4
# A case's six steps share one page name, each with forms of its own (handover on the transition, offers on the
# offer step, improvements on the apology): enough visits for two cases' worth of steps.
LINKS_PER_STEP_PAGE = 12
FORMS_PER_URL = 8


@dataclass
class Target:
    """What the crawler learnt about one URL name."""

    name: str
    visited: dict[str, str] = field(default_factory=dict)  # path: role that opened it
    forms: list[tuple[PageForm, str]] = field(default_factory=list)  # POST forms sent here, with the role
    query: dict[str, FormField] = field(default_factory=dict)  # parameters of links and GET forms, with values seen

    def page(self) -> tuple[str, str]:
        """A path of this URL and the role that reached it."""
        if self.visited:
            return next(iter(self.visited.items()))
        form, role = self.forms[0]
        return form.action, role


@dataclass
class World:
    people: dict[str, User]
    targets: dict[str, Target]
    tokens: dict[str, str]  # URL name: a real token for it

    def browser(self, role: str) -> BrowserClient:
        browser = BrowserClient()
        if role != "anonymous":
            browser.force_login(self.people[role])
        return browser


def url_name(path: str) -> str | None:
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    return match.view_name


class Crawler:
    """Opens pages breadth first, following links and redirects, and notes every form and query parameter."""

    def __init__(self, world: World) -> None:
        self.world = world

    def target(self, name: str) -> Target:
        return self.world.targets.setdefault(name, Target(name=name))

    def crawl(self, role: str, seeds: list[str]) -> None:
        browser = self.world.browser(role)
        queue = deque(seeds)
        seen: set[str] = set()
        while queue:
            path = queue.popleft()
            name = url_name(path)
            if path in seen or name is None or name in NOT_CRAWLED:
                continue
            seen.add(path)
            self._note_query(name, path)
            budget = LINKS_PER_STEP_PAGE if name == "offboarding:step_save" else LINKS_PER_PAGE_NAME
            if len(self.target(name).visited) < budget:
                queue.extend(self._open(browser, role, name, path))

    def _open(self, browser: BrowserClient, role: str, name: str, path: str) -> list[str]:
        """Open one page; return the paths it leads to."""
        response = browser.get(path)
        location = response.get("Location", "")
        if location.startswith(reverse("login")) and name != "login":
            return []  # not open to this role
        self.target(name).visited.setdefault(path, role)
        if location:
            return [location]
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            return []
        content = read_page(response.content.decode(), path)
        for form in content.forms:
            self._note_form(form, role)
        return content.links

    def _note_form(self, form: PageForm, role: str) -> None:
        name = url_name(form.action)
        if name is None:
            return
        target = self.target(name)
        if form.method == "get":
            for form_field in form.fields.values():
                self._note_parameter(name, form_field.name, form_field.kind, form_field.options)
        elif len(target.forms) < FORMS_PER_URL and all(known.action != form.action for known, _ in target.forms):
            target.forms.append((form, role))

    def _note_query(self, name: str, path: str) -> None:
        for parameter, value in parse_qsl(urlsplit(path).query, keep_blank_values=True):
            self._note_parameter(name, parameter, "text", [value])

    def _note_parameter(self, name: str, parameter: str, kind: str, values: list[str]) -> None:
        known = self.target(name).query.setdefault(parameter, FormField(name=parameter, kind=kind))
        if known.kind == "text":
            known.kind = kind  # a GET form tells the type ("date") that a link does not
        known.options += [value for value in values if value not in known.options]
