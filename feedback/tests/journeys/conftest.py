"""Browser journeys: Playwright driving the system Chromium against the live server.

Screenshots of each main page go to var/screenshots/ (named at the end of
`make test`); a failing test also leaves its page's screenshot and the
browser console output there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def playwright_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it (apt-get install chromium).")
    # Playwright's sync API keeps an event loop running in this thread; the ORM
    # calls a test makes between browser steps are still plain synchronous calls.
    # Set per test, so the permission ends with the browser.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Extra browser-context options; a test module overrides this fixture when it needs others."""
    return {}


@pytest.fixture
def page(
    browser: Browser, request: pytest.FixtureRequest, live_server: Any, context_options: dict[str, Any]
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console: list[str] = []

    def remember(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    page.on("console", remember)
    yield page
    if request.node.stash.get(_FAILED, False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=SCREENSHOTS / f"FAILED-{name}.png", full_page=True)
        (SCREENSHOTS / f"FAILED-{name}.console.txt").write_text("\n".join(console) + "\n")
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of a main page for people reviewing the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
