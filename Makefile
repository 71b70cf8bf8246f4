# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/offboarding
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint typecheck pytest services install install-dev chromium gettext prod-smoke messages

$(VENV)/.runtime: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The translations (locale/<language>/LC_MESSAGES/django.po) are compiled here, so a fresh checkout
# speaks every shipped language with no step of its own; compilemessages runs gettext's msgfmt.
LOCALE_PO := $(wildcard locale/*/LC_MESSAGES/django.po)
locale/.compiled: $(LOCALE_PO) | gettext $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var --verbosity=0
	@touch $@

# After marking or changing a string: the catalogues gain its msgid (and lose dropped ones, kept as `#~`).
# Tools and tests show nobody anything; offboarding/tests/test_catalogue_complete.py leaves out the same.
messages: | gettext $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py makemessages -l de -l fr -l es -l nl --ignore=.venv --ignore=node_modules \
		--ignore=var --ignore=locale --ignore=bench --ignore=prod_smoke --ignore='*/tests/*' --verbosity=0

install: $(VENV)/.runtime node_modules/.installed locale/.compiled
install-dev: $(VENV)/.dev node_modules/.installed locale/.compiled

# Browser tests drive the system Chromium (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

gettext:
	@command -v msgfmt >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
		else echo "Compiling the translations needs gettext: sudo apt-get install gettext" >&2; exit 1; fi; }

# --- make run: embedded defaults (SQLite, filesystem broker, mail as files) ---
run: export DEBUG ?= 1
# Links in mail lead to the web server's port. honcho hands each process a PORT of its own
# (web PORT, worker PORT+100, beat PORT+200), so the worker, which sends the mail, is told here.
run: export SITE_URL ?= http://localhost:$(PORT)
run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo
	@echo "  Offboarding is starting at  http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password leave-well-2026):"
	@echo "    amelia  account manager      jonas  account manager      marta  manager"
	@echo "  Mail is written to var/mail/ unless EMAIL_HOST is set. Stop with Ctrl-C."
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile

# --- make test: lint, types and every test against PostgreSQL and Redis ---
CHECKS := test services lint typecheck pytest
$(CHECKS): export DATABASE_URL = $(TEST_DATABASE_URL)
$(CHECKS): export CELERY_BROKER_URL = $(TEST_BROKER_URL)
$(CHECKS): export SECRET_KEY ?= test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
$(CHECKS): export EMAIL_HOST ?= 127.0.0.1
$(CHECKS): export SITE_URL ?= http://testserver
test: install-dev chromium services lint typecheck pytest prod-smoke

services: install-dev
	@$(BIN)/python .ci/check_services.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

pytest: install-dev chromium
	@mkdir -p var/screenshots && rm -f var/screenshots/FAILED-*
	@$(BIN)/pytest --create-db; status=$$?; \
		echo "Screenshots of the main pages (and of any failing page): $(CURDIR)/var/screenshots/"; \
		exit $$status

# --- make prod-smoke: the production processes on this machine (prod_smoke/run.py, about 30 s) ---
# Two gunicorn nodes, two Celery workers and one beat with DEBUG off, a departure logged through one node
# and read through the other, the thank-you delivered once, a second beat harmless, every log line JSON.
# Its database is dropped and made afresh (the name must contain "smoke"); its Redis database is emptied.
SMOKE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/offboarding_smoke
SMOKE_REDIS_URL ?= redis://127.0.0.1:6379/14
prod-smoke: export SMOKE_DATABASE_URL := $(SMOKE_DATABASE_URL)
prod-smoke: export SMOKE_REDIS_URL := $(SMOKE_REDIS_URL)
prod-smoke: install-dev
	$(BIN)/python prod_smoke/run.py

# --- make bench: every benchmark in turn, then one table of every figure (var/bench/summary.json) ---
# Databases are named after BENCH_DATABASE_URL (offboarding_bench -> offboarding_pages_bench, ...), built
# once and reused until a migration or a demo data generator changes; only names ending in _bench are dropped.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/offboarding_bench
BENCH_TARGETS := bench-dashboard bench-email bench-memory bench-pages bench-working-day bench-queries
.PHONY: bench bench-summary $(BENCH_TARGETS)
$(BENCH_TARGETS): export BENCH_DATABASE_URL := $(BENCH_DATABASE_URL)
$(BENCH_TARGETS): export CELERY_BROKER_URL = $(TEST_BROKER_URL)
$(BENCH_TARGETS): export SECRET_KEY ?= bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
$(BENCH_TARGETS): export ALLOWED_HOSTS = testserver,localhost,127.0.0.1
$(BENCH_TARGETS): export SITE_URL ?= http://testserver
$(BENCH_TARGETS): export EMAIL_HOST ?= 127.0.0.1
$(BENCH_TARGETS): export SECURE_SSL_REDIRECT = 0

# One after another (they share two cores); -k carries on past a failed one so the summary shows every figure.
bench: install-dev
	@mkdir -p var/bench && date +%s > var/bench/started
	@$(MAKE) --no-print-directory -k $(BENCH_TARGETS); status=$$?; \
		$(BIN)/python bench/summary.py || status=1; \
		echo "Figures written to $(CURDIR)/var/bench/"; exit $$status

# The table of the last run's figures again, without measuring.
bench-summary:
	@$(BIN)/python bench/summary.py

# The 12-month dashboard's server time beside its SQL and one plain scan of the period, at 10,000, 100,000 and
# 1,000,000 cases in total history.
bench-dashboard: install-dev
	@mkdir -p var/bench
	$(BIN)/python bench/dashboard.py

# 10,000 follow-ups through the outbox (PostgreSQL, Redis, Celery) vs a plain smtplib loop.
bench-email: install-dev
	@mkdir -p var/bench
	$(BIN)/python bench/email_throughput.py

# A Celery worker's resident memory before and after sending 10,000 messages.
bench-memory: install-dev
	@mkdir -p var/bench
	$(BIN)/python bench/worker_memory.py

# The page and working-day benchmarks load the server with wrk: installed here when missing (as root).
WRK_NEEDED = command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
		else echo "The page benchmarks need wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

# Main pages under 20 connections (wrk, gunicorn) beside a minimal view, at 10,000 cases.
bench-pages: install-dev
	@$(WRK_NEEDED)
	@mkdir -p var/bench
	$(BIN)/python bench/pages.py

# Five account managers and a manager on 20 connections, nine page views to one write, beside the same minimal view.
bench-working-day: install-dev
	@$(WRK_NEEDED)
	@mkdir -p var/bench
	$(BIN)/python bench/working_day.py

# Query count of every main page at about 10 and at 10,000 cases (must be equal).
bench-queries: install-dev
	@mkdir -p var/bench
	$(BIN)/python bench/query_counts.py
