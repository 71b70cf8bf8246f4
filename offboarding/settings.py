"""Settings for the offboarding app, read from the environment.

Defaults are chosen so that `make run` works on a machine with nothing
installed (SQLite, a filesystem broker, mail written to files). Production
sets DEBUG=0 and the variables listed in the README; a malformed value stops
start-up with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

from offboarding.config import (
    env_bool,
    env_broker_url,
    env_choice,
    env_colour,
    env_database,
    env_int,
    env_int_range,
    env_list,
    env_logo_url,
    env_networks,
    env_rate,
    env_str,
    env_time_zone,
    env_url,
    url_origin,
)
from offboarding.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# The app's own working folder: SQLite file, broker queue, mail files, collected static.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
for _folder in ("static", "mail"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "django-insecure-development-only-key-never-used-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's form templates, found by the project's template engine (FORM_RENDERER below).
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files from a PyPI package, served as our own static files (no CDN, within the CSP).
    "drf_spectacular_sidecar",
    "clients",
    "offboarding",
    "feedback",
    # Demo data (seed_demo): the top of the layering, used by `make run` and the benchmarks.
    "demo",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, and the metrics time the whole answer.
    "offboarding.request_context.RequestIdMiddleware",
    "offboarding.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware, after sign-in: a staff member's own language and time zone
    # come before the browser's, and a page opened from an email takes the link's (?lang=).
    "offboarding.middleware.PersonalLocaleMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "offboarding.middleware.PrivateAnswersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sign-in: a person without a role is shown no page.
    "offboarding.middleware.RoleRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "offboarding.urls"
WSGI_APPLICATION = "offboarding.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clients.context_processors.navigation",
            ],
        },
    },
]
# Form widgets render with the templates above, so the project's own templates/django/forms/ can
# write a select's options in place (one template per option cost more than the rest of a list page).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write side by side: WAL lets readers
    # run during a write, IMMEDIATE takes the write lock at BEGIN so two writers
    # queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The step indexes carry the dashboard's columns for PostgreSQL (INCLUDE); SQLite keeps the
    # plain index and would warn about it at every command of `make run`.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long reports, not for a page's queries. With a million cases
    # the dashboard's headline query is estimated above jit_above_cost and spent about 0.2 s
    # compiling for no faster a run (`make bench-dashboard` measures it); a URL's ?options= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ---------------------------------------------------------------------
# Several web nodes (or gunicorn's several processes) share what they cache (throttles,
# counters) only through Redis: production with more than one node must set CACHE_URL.
# Without it each process keeps its own, which suits `make run` and a single process.
CACHE_URL = env_url("CACHE_URL", "", schemes=("redis", "rediss")) if env_str("CACHE_URL", "") else ""
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "offboarding-default",
            # A hung Redis costs a request at most this long, not a worker for ever.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

# --- Sign-in ----------------------------------------------------------------
LOGIN_URL = "login"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-in for a username and address after too many failures.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading each person's own settings (language, time zone) with them.
    "clients.backends.StaffBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Lock the pair, so a guesser cannot lock a colleague out from every office.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind our TLS proxy every visitor connects from the proxy's address: count failures
# per address the proxy forwards, or one stranger could lock a user out everywhere.
AXES_CLIENT_IP_CALLABLE = "offboarding.client_address.client_address"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Reset links sent to one account, and reset requests from one address, per hour
# (offboarding/services/sign_in.py); past either the page says the same and nothing is sent.
PASSWORD_RESET_MAILS_PER_ACCOUNT = 3
PASSWORD_RESET_REQUESTS_PER_ADDRESS = 10

# --- Time and language -------------------------------------------------------
# The languages the product ships. English is British English: dates read 1 December 2026,
# typed as 01/12/2026 (a browser asking for any English gets it).
LANGUAGES = [
    ("en-gb", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("nl", "Nederlands"),
]
# The business's language: of new clients' emails, and of pages for a browser asking for none we ship.
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en-gb", tuple(code for code, _name in LANGUAGES))
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries come from npm (package.json + package-lock.json) into
# node_modules; only their built files are exposed, under vendor/.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# --- Email ------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is off (mail would go nowhere).")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
# A hung SMTP server must not hold a worker for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Northwind Partners <hello@northwind.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The business ----------------------------------------------------------------
SITE_URL = env_url("SITE_URL", "http://localhost:8000" if DEBUG else None)
BUSINESS_NAME = env_str("BUSINESS_NAME", "Northwind Partners")
BUSINESS_POSTAL_ADDRESS = env_str("BUSINESS_POSTAL_ADDRESS", "12 Harbour Street, Bristol BS1 4RN, United Kingdom")
BUSINESS_CURRENCY = env_str("BUSINESS_CURRENCY", "EUR")
# Branding (clients/branding.py): the logo in the pages' header and the emails' HTML part, and the
# accent colour behind it; the text on the accent is white or black, whichever reads better.
BUSINESS_LOGO_URL = env_logo_url("BUSINESS_LOGO_URL")
BUSINESS_ACCENT_COLOUR = env_colour("BUSINESS_ACCENT_COLOUR", "#2f5d50")

# --- Production hardening ------------------------------------------------------
# One TLS-terminating proxy in front (nginx, a load balancer) that sets X-Forwarded-Proto
# and appends the visitor's address to X-Forwarded-For.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere: pages load their JavaScript from static files and
# pass data with json_script. Inline styles stay allowed for the rendered email
# previews in the outbox (a sandboxed iframe) and Bootstrap's data: SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", *filter(None, [url_origin(BUSINESS_LOGO_URL)])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Operations: logs, request ids, metrics, health (offboarding/logs.py, request_context.py, metrics.py) ---
# One JSON object a line in production, for a log shipper; readable lines in development.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
LOGGING = logging_config(as_json=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"))
# Celery's processes log through LOGGING too (offboarding.celery), not in Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Take the request id from the proxy's X-Request-ID (its own log then matches ours); otherwise each is new.
TRUST_REQUEST_ID_HEADER = env_bool("TRUST_REQUEST_ID_HEADER", default=env_bool("BEHIND_TLS_PROXY", default=False))
# /metrics answers only to "Authorization: Bearer <METRICS_TOKEN>"; unset, it is open in development only.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters long.")
# /healthz calls the dispatcher stale when no run has finished for this long (a run lasts up to 200 s).
DISPATCHER_STALE_AFTER_SECONDS = env_int("DISPATCHER_STALE_AFTER_SECONDS", 600)
# Load balancers and Prometheus ask each node directly over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# --- end Operations -------------------------------------------------------------

# --- Follow-ups -------------------------------------------------------------------
# When each follow-up of a departed client is due, in days after the leave date.
FOLLOW_UP_SURVEY_AFTER_DAYS = 4
# Check-ins by the cadence chosen at the keep-in-touch step ("": the client did not say). "Only around
# their renewal" plans none: the win-back note before the renewal is the one message.
FOLLOW_UP_CHECK_IN_AFTER_DAYS: dict[str, tuple[int, ...]] = {
    "": (30, 90, 180),
    "quarterly": (30, 90, 180, 270, 365),
    "twice_a_year": (180, 365),
    "yearly": (365,),
    "renewal_only": (),
}
FOLLOW_UP_WIN_BACK_BEFORE_RENEWAL_DAYS = 60
FOLLOW_UP_WIN_BACK_AFTER_DAYS = 335  # about eleven months, when the renewal date is unknown
FOLLOW_UP_CARD_REMINDER_AFTER_DAYS = 0
FOLLOW_UP_CALL_REMINDER_AFTER_DAYS = 90
# A saved case is watched this long: notice again inside it is a relapse; after it the save is kept.
SAVE_WATCH_DAYS = env_int("SAVE_WATCH_DAYS", 90)
if SAVE_WATCH_DAYS < 1:
    raise ImproperlyConfigured(f"SAVE_WATCH_DAYS must be at least 1 day; got {SAVE_WATCH_DAYS}.")
# Client-facing mail leaves only in these hours on these ISO weekdays (1 = Monday), in each client's
# own time zone (the business's, TIME_ZONE, for a client without one).
FOLLOW_UP_BUSINESS_HOURS = env_int_range("FOLLOW_UP_BUSINESS_HOURS", (9, 17), bounds=(0, 24))
FOLLOW_UP_BUSINESS_WEEKDAYS = env_int_range("FOLLOW_UP_BUSINESS_WEEKDAYS", (1, 5), bounds=(1, 7))
# Temporary failures wait base * 2^(attempt-1) seconds (capped, with jitter); after
# FOLLOW_UP_MAX_ATTEMPTS a follow-up is failed and waits for a manager.
FOLLOW_UP_MAX_ATTEMPTS = env_int("FOLLOW_UP_MAX_ATTEMPTS", 6)
FOLLOW_UP_RETRY_BASE_SECONDS = env_int("FOLLOW_UP_RETRY_BASE_SECONDS", 120)
FOLLOW_UP_RETRY_MAX_SECONDS = 6 * 60 * 60
# A claimed batch must be sent within its lease, or another dispatcher takes it over:
# long enough for a batch at EMAIL_TIMEOUT per message, short enough to recover soon.
FOLLOW_UP_DISPATCH_BATCH = env_int("FOLLOW_UP_DISPATCH_BATCH", 50)
FOLLOW_UP_LEASE_SECONDS = env_int("FOLLOW_UP_LEASE_SECONDS", 600)
FOLLOW_UP_DISPATCH_EVERY_SECONDS = env_int("FOLLOW_UP_DISPATCH_EVERY_SECONDS", 60)
# From this hour of each person's own day (their time zone in My settings, else TIME_ZONE).
FOLLOW_UP_DIGEST_HOUR = env_int("FOLLOW_UP_DIGEST_HOUR", 8)
# A web request publishes a nudge to the dispatcher after commit; a broker that is
# down or hung costs it at most this long (offboarding/outbox/nudge.py; beat delivers the
# mail anyway). The worker and beat wait longer on their own connections.
FOLLOW_UP_NUDGE_TIMEOUT_SECONDS = 1.0
# --- end Follow-ups ---------------------------------------------------------------

# --- Integrations: the REST API, webhooks, chat alerts, calendar feeds (README, "Integrations") ---
# Requests per personal token (per person on the session), counted in the shared cache (CACHE_URL).
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "300/minute")
REST_FRAMEWORK = {
    # A personal token (Authorization: Bearer ...) for scripts and other tools; the session for the docs page.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clients.api_auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clients.api_auth.HasRole"],
    "DEFAULT_THROTTLE_CLASSES": ["clients.api_auth.PersonalTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "clients.api_pagination.StablePagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clients.api_support.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Offboarding API",
    "DESCRIPTION": "Clients, departure cases, follow-ups, feedback and the dashboard's figures. "
    "Send a personal token from your settings page as `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["clients.api_auth.HasRole"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clients.api_schema.add_refusals",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clients.models.Client.Status",
        "CaseStatusEnum": "offboarding.models.cases.DepartureCase.Status",
        "StepStatusEnum": "offboarding.models.cases.CaseStep.Status",
        "FollowUpStatusEnum": "offboarding.outbox.models.FollowUp.Status",
    },
}
# Webhook endpoints may not resolve to loopback, private, link-local or other non-public addresses (a
# request from our server to the inside of its own network) unless they fall in one of these networks,
# e.g. "10.20.0.0/16" for a receiver on the company's own network; tests allow loopback.
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS")
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_RETRY_MAX_SECONDS = 6 * 60 * 60
WEBHOOK_DISPATCH_BATCH = env_int("WEBHOOK_DISPATCH_BATCH", 50)
# Longer than a batch can take at WEBHOOK_TIMEOUT_SECONDS a delivery.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 900)
WEBHOOK_DISPATCH_EVERY_SECONDS = env_int("WEBHOOK_DISPATCH_EVERY_SECONDS", 60)
# After a secret is rotated, deliveries are signed with the old one too for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# --- end Integrations ---------------------------------------------------------------

# --- Celery (offboarding/celery.py reads every CELERY_ setting) -------------------
CELERY_BROKER_URL = env_broker_url("CELERY_BROKER_URL", "filesystem://")
# The worker's and beat's own connections to the broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers an unacknowledged task after the visibility timeout; it
    # must exceed the longest task (time limits below) so that a slow task is
    # not run twice. Set for the broker and for the result backend alike. The
    # socket timeouts bound a web request's nudge to a Redis that hangs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "dispatch-follow-ups": {
        "task": "offboarding.tasks.dispatch_follow_ups",
        "schedule": float(FOLLOW_UP_DISPATCH_EVERY_SECONDS),
    },
    # Every quarter of an hour: each person's digest hour comes in their own time zone (digests.py).
    "plan-staff-digests": {
        "task": "offboarding.tasks.plan_staff_digests",
        "schedule": crontab(minute="*/15"),
    },
}
CELERY_BEAT_SCHEDULE["dispatch-webhooks"] = {
    "task": "offboarding.tasks.dispatch_webhooks",
    "schedule": float(WEBHOOK_DISPATCH_EVERY_SECONDS),
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
