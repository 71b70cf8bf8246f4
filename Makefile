# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/offboarding
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint typecheck pytest services install install-dev chromium

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

install: $(VENV)/.runtime node_modules/.installed
install-dev: $(VENV)/.dev node_modules/.installed

# Browser tests drive the system Chromium (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# --- make run: embedded defaults (SQLite, filesystem broker, mail as files) ---
run: export DEBUG ?= 1
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
test: install-dev chromium services lint typecheck pytest

services: install-dev
	@$(BIN)/python .ci/check_services.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

pytest: install-dev chromium
	@mkdir -p var/screenshots
	@$(BIN)/pytest --create-db; status=$$?; \
		echo "Screenshots of the main pages (and of any failing page): $(CURDIR)/var/screenshots/"; \
		exit $$status
