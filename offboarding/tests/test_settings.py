"""Configuration from the environment: malformed values stop start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from offboarding import config

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-9f8e7d6c5b4a39281706-ZYXWVUTSRQ",
    "ALLOWED_HOSTS": "offboarding.northwind.example",
    "SITE_URL": "https://offboarding.northwind.example",
    "EMAIL_HOST": "smtp.northwind.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/offboarding",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    "CACHE_URL": "redis://127.0.0.1:6379/15",
}

# Set for the test process itself (pytest.ini); a fresh process starts without them.
OTHER_SETTINGS = {"VAR_DIR", "SECURE_SSL_REDIRECT"}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with exactly these settings variables."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in OTHER_SETTINGS}
    clean["VAR_DIR"] = str(BASE_DIR / "var" / "test")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = run_django(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_asks_for_a_shared_cache() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "offboarding.W001" in result.stderr
    assert "CACHE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "not-a-database-url"),
        ("DATABASE_URL", "postgres://"),
        ("DEBUG", "maybe"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//"),
        ("SITE_URL", "offboarding.example"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("EMAIL_PORT", "twenty-five"),
        ("SESSION_COOKIE_SECURE", "maybe"),
        ("CSRF_COOKIE_SECURE", "sometimes"),
        ("LOG_FORMAT", "xml"),
        ("METRICS_TOKEN", "too-short"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
        ("LANGUAGE_CODE", "it"),
        ("BUSINESS_ACCENT_COLOUR", "green"),
        ("BUSINESS_LOGO_URL", "javascript:alert(1)"),
        ("SAVE_WATCH_DAYS", "ninety"),
        ("SAVE_WATCH_DAYS", "0"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = run_django({**PRODUCTION_ENV, variable: value}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_django(env, "check")
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_accepts_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv("DEBUG", raw)
        assert config.env_bool("DEBUG", default=not expected) is expected


def test_a_database_url_without_a_database_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.env_database("DATABASE_URL", "sqlite:///unused.sqlite3")


def test_the_embedded_defaults_need_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_django(
        {"DEBUG": "1", "VAR_DIR": str(BASE_DIR / "var" / "test-embedded")},
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], "
        "settings.CELERY_BROKER_URL, settings.EMAIL_BACKEND)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.mail.backends.filebased.EmailBackend",
    ]


def _cookie_security(env: dict[str, str]) -> list[str]:
    result = run_django(
        env,
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (PRODUCTION_ENV, ["True", "True"]),
        ({**PRODUCTION_ENV, "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "off"}, ["False", "False"]),
        ({"DEBUG": "1"}, ["False", "False"]),
        ({"DEBUG": "1", "SESSION_COOKIE_SECURE": "1", "CSRF_COOKIE_SECURE": "yes"}, ["True", "True"]),
    ],
    ids=["production", "production over plain HTTP", "development", "development over HTTPS"],
)
def test_secure_cookies_follow_debug_unless_the_environment_says_otherwise(
    env: dict[str, str], expected: list[str]
) -> None:
    assert _cookie_security(env) == expected


def _make_run(tmp_path: Path, *arguments: str, **env: str) -> str:
    """The SITE_URL `make run` hands to honcho; stand-ins for the venv's python and honcho install and start nothing."""
    for name, script in {"python": "exit 0", "honcho": 'echo "SITE_URL=$SITE_URL"'}.items():
        (tmp_path / name).write_text(f"#!/bin/sh\n{script}\n")
        (tmp_path / name).chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DEBUG"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "run", f"BIN={tmp_path}", *arguments],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_make_run_on_another_port_mails_links_to_that_port(tmp_path: Path) -> None:
    # honcho gives each process its own PORT (the worker, which sends the mail, gets 8201):
    # the web server's port has to reach them all as SITE_URL.
    assert _make_run(tmp_path, "PORT=8101") == "SITE_URL=http://localhost:8101"
    assert _make_run(tmp_path, PORT="8102") == "SITE_URL=http://localhost:8102"
    assert _make_run(tmp_path) == "SITE_URL=http://localhost:8000"
    assert _make_run(tmp_path, SITE_URL="https://offboarding.northwind.example") == (
        "SITE_URL=https://offboarding.northwind.example"
    )


def test_production_logs_json_and_shares_its_cache_through_redis_when_told_where() -> None:
    result = run_django(
        PRODUCTION_ENV,
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.LOG_FORMAT, settings.CACHES['default']['BACKEND'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["json", "django.core.cache.backends.redis.RedisCache"]


def test_a_logo_on_another_host_is_allowed_by_the_content_security_policy() -> None:
    env = {**PRODUCTION_ENV, "BUSINESS_LOGO_URL": "https://cdn.northwind.example/brand/logo.png"}
    script = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    result = run_django(env, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    assert "https://cdn.northwind.example" in result.stdout
