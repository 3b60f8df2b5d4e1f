# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run test lint typecheck test-sqlite test-postgres install migration messages vendor-scan clean

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

## make vendor-scan [JSQR_VERSION=1.4.0]: refresh the scanner's QR decoder (jsQR from npm) in static/scan/vendor/.
## The committed files are what the site serves: a machine with only Python never needs npm.
SCAN_VENDOR := festival/web/static/scan/vendor
JSQR_VERSION ?= 1.4.0
vendor-scan:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp $(SCAN_VENDOR)/package.json $(SCAN_VENDOR)/package-lock.json "$$tmp"/ && \
	(cd "$$tmp" && npm install --ignore-scripts --no-audit --no-fund --save-exact jsqr@$(JSQR_VERSION)) && \
	cp "$$tmp"/node_modules/jsqr/dist/jsQR.js "$$tmp"/node_modules/jsqr/LICENSE "$$tmp"/package.json "$$tmp"/package-lock.json $(SCAN_VENDOR)/ && \
	sha256sum $(SCAN_VENDOR)/jsQR.js

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
