"""The project's settings with the floor view's URLconf; used only by the page benchmark's gunicorn."""

from __future__ import annotations

from offboarding.settings import *  # noqa: F403

ROOT_URLCONF = "bench.support.floor_urls"
