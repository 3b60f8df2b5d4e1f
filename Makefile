# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run test lint typecheck test-sqlite test-postgres install migration messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "festival needs Python 3.11 or newer (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

## make run: install, migrate the SQLite file in var/, load the demo data, serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/festival migrate
	$(BIN)/festival demo
	$(BIN)/festival serve --host 127.0.0.1 --port 8000

## make test: lint, type-check, then the whole suite on SQLite and on PostgreSQL (with Redis and Chromium)
test: $(STAMP) lint typecheck test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check festival schedule ticketing migrations tests benchmarks
	$(BIN)/ruff format --check festival schedule ticketing tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP)
	FESTIVAL_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	FESTIVAL_TEST_DB=postgres $(BIN)/pytest

## make migration APP=festival: write a migration for changed tables of one app
migration: $(STAMP)
	PICCOLO_CONF=festival.piccolo_conf $(BIN)/piccolo migrations new $(APP) --auto

## make messages: re-extract interface strings and merge them into the fi, sv and zh catalogues
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k N_ --no-location --omit-header -o festival/web/locale/messages.pot .
	$(BIN)/pybabel update -i festival/web/locale/messages.pot -d festival/web/locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
