"""The apps are layered one way only: clients <- offboarding <- feedback <- demo.

A lower app's code never imports a higher one (it links to a higher one's page by URL name), so
each app can be read and changed without the ones above it. Tests are left out: a lower app's test
may build its data through a higher app (a client with a departure case, say).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ("clients", "offboarding", "feedback", "demo")


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_an_app_never_imports_one_above_it(app: str) -> None:
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    offending = {
        str(path.relative_to(settings.BASE_DIR)): sorted(_imported_apps(path) & above)
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "tests" not in path.parts and _imported_apps(path) & above
    }
    assert offending == {}


def test_the_layers_are_the_installed_apps_in_order() -> None:
    installed = [name for name in settings.INSTALLED_APPS if name in LAYERS]
    assert installed == list(LAYERS)
