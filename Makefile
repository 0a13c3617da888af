# Bixue: every target installs what it needs first. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install services demo test test-fast bench lint format typecheck lock clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements.lock
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP) ## Create .venv from the lock file (pinned, hashed).

demo: $(STAMP) ## Fresh ./var, the 2023 sample year mailed in, every month ingested, summary printed.
	$(BIN)/bixue demo

test: $(STAMP) ## The whole test suite (real SQLite, PostgreSQL, SMTP, Prefect server where present).
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Only the tests that need no Prefect server.
	$(BIN)/python -m pytest -m "not prefect"

bench: $(STAMP) ## Realistic, province and national months through the real pipeline; updates BENCHMARKS.md.
	$(BIN)/bixue bench --scale all --markdown BENCHMARKS.md

services: ## Install the Debian packages the tests talk to (Dovecot, LibreOffice, Chromium); needs root.
	bash .ci/install-services

lint: $(STAMP) ## ruff lint and format check.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff's formatting and safe fixes.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy over the bixue package.
	$(BIN)/mypy

lock: ## Re-resolve requirements.lock from pyproject.toml (needs uv).
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes -o requirements.lock

clean: ## Remove the virtual environment and ./var.
	rm -rf $(VENV) var
