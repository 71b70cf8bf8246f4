# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/offboarding
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint typecheck pytest services install install-dev

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
test: install-dev services lint typecheck pytest

services: install-dev
	@$(BIN)/python .ci/check_services.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

pytest: install-dev
	$(BIN)/pytest --create-db
