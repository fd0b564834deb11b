# KyivGuide — the two commands: `make run` and `make test`. Both set up whatever is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
PIP := $(BIN)/pip --disable-pip-version-check
NPM ?= npm

RUN_PACKAGES := postgresql-15-postgis-3 gettext nginx-light
# libcairo2 draws the PNG icons from the SVG (`make icons`, deploy/icons.py).
TEST_PACKAGES := $(RUN_PACKAGES) chromium libcairo2
BENCH_PACKAGES := $(RUN_PACKAGES) wrk

# `make run` with no alert feed credentials runs a drill: the real siren history replayed from the
# morning of 10 October 2022 (a massive missile attack; Kyiv's alert starts two minutes in), at
# real speed. Set ALERTS_IN_UA_TOKEN or UKRAINEALARM_API_KEY for live data instead.
SEED_DIR := $(or $(SEED_DATA_DIR),$(wildcard ../shared/data))
DRILL_CSV := $(if $(SEED_DIR),$(wildcard $(SEED_DIR)/alerts/sirens/official_data_en.csv))
ifeq ($(strip $(ALERTS_IN_UA_TOKEN)$(UKRAINEALARM_API_KEY)$(REPLAY_SIRENS_CSV)),)
ifneq ($(DRILL_CSV),)
run setup-run seed: export REPLAY_SIRENS_CSV := $(abspath $(DRILL_CSV))
run setup-run seed: export REPLAY_START := $(or $(REPLAY_START),2022-10-10T03:45:00Z)
run setup-run seed: export REPLAY_SPEED := $(or $(REPLAY_SPEED),1)
endif
endif

# `make run` serves through nginx (the edge: deploy/nginx.conf) on PORT, gunicorn behind it on WEB_PORT
# (PORT + 1); EDGE=0 runs gunicorn alone on PORT.
EDGE ?= 1
RUN_PORT := $(or $(PORT),8000)
ifeq ($(EDGE),1)
RUN_PROCESSES := edge web worker beat
run: export EDGE_PORT := $(RUN_PORT)
run: export WEB_PORT := $(or $(WEB_PORT),$(shell echo $$(($(RUN_PORT) + 1))))
# gunicorn sees every client through the edge: the address it counts is the one nginx appended.
run: export TRUSTED_PROXY_COUNT := $(or $(TRUSTED_PROXY_COUNT),1)
else
RUN_PROCESSES := web worker beat
run: export WEB_PORT := $(RUN_PORT)
endif

.PHONY: help run test bench audit lint typecheck migrations-check pytest setup-run setup-test \
	system-run system-test venv-run venv-dev node-dev lint-js database messages static seed clean icons screenshots \
	messages-en

help:
	@echo "make run    set up what is missing, then run nginx + web + worker + beat (http://127.0.0.1:$${PORT:-8000}/; EDGE=0: no nginx)"
	@echo "make test   set up what is missing, then lint, migrations check and the whole test suite"
	@echo "make bench  run the benchmarks (bench/README.md)"
	@echo "make audit  check the pinned requirements for known vulnerabilities (pip-audit; needs its service)"

# --- the two commands --------------------------------------------------------------------------------

run: setup-run
	@if [ -n "$${REPLAY_SIRENS_CSV:-}" ] && [ -z "$${ALERTS_IN_UA_TOKEN:-}$${UKRAINEALARM_API_KEY:-}" ]; then \
	  echo "KyivGuide: no alert feed credentials, so this is a DRILL: sirens replayed from $$REPLAY_START (x$$REPLAY_SPEED)"; fi
	@echo "KyivGuide: starting $(RUN_PROCESSES); open http://127.0.0.1:$(RUN_PORT)/ (Ctrl-C stops them all)"
	@if [ -z "$${VAPID_PRIVATE_KEY:-}" ]; then mkdir -p .run; \
	  [ -s .run/vapid.env ] || $(BIN)/python manage.py vapid_keys > .run/vapid.env; \
	  echo "KyivGuide: VAPID_PRIVATE_KEY is not set, so push notifications use the development key pair in .run/vapid.env"; fi
	if [ -z "$${VAPID_PRIVATE_KEY:-}" ]; then set -a; . ./.run/vapid.env; set +a; fi; \
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho --procfile deploy/Procfile --app-root . start --port $(RUN_PORT) $(RUN_PROCESSES)

test: setup-test lint typecheck migrations-check pytest

# --- set-up steps (each quick when there is nothing to do) -------------------------------------------

setup-run: system-run venv-run database messages static seed
setup-test: system-test venv-dev icons messages static

system-run:
	@deploy/system.sh $(RUN_PACKAGES)

system-test:
	@deploy/system.sh $(TEST_PACKAGES)

# The venv knows the project root (a .pth file, as an editable install would), so that pytest
# plugins, celery and gunicorn import the project from any working directory.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -c 'import site, pathlib; pathlib.Path(site.getsitepackages()[0], "kyivguide-project.pth").write_text("$(CURDIR)\n")'

# The stamps record that the requirements were installed; they are redone when a file changes.
$(VENV)/.stamp-run: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-run

venv-run: $(VENV)/.stamp-run
venv-dev: $(VENV)/.stamp-dev

# The JavaScript linter (ESLint) from npm, exactly as package-lock.json says; redone when it changes.
node_modules/.stamp-npm: package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm is missing: install Node.js 18.18 or newer with npm"; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

node-dev: node_modules/.stamp-npm

database: venv-run
	@$(MANAGE) ensure_database
	@$(MANAGE) migrate --noinput

messages: venv-run
	@$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules --ignore=staticfiles -v 0

# After makemessages: the English catalogues' empty entries get their (English) source text.
messages-en: venv-dev
	$(PY) deploy/english_po.py

static: venv-run
	@$(MANAGE) collectstatic --noinput -v 0

# The PNG icons, drawn from static/img/icon.svg (committed, so `make run` needs no drawing library;
# kyivguide/tests/test_icons.py fails when they no longer match the SVG).
ICONS := $(addprefix static/img/,icon-192.png icon-512.png icon-maskable-512.png apple-touch-icon.png)
icons: $(ICONS)
$(ICONS) &: static/img/icon.svg deploy/icons.py | venv-dev
	$(PY) deploy/icons.py

# The web manifest's screenshots, taken of a running site (`make run` in another shell):
# `make screenshots URL=http://127.0.0.1:8000`; committed, like the icons.
screenshots: venv-dev
	$(PY) deploy/screenshots.py $${URL:-http://127.0.0.1:$${PORT:-8000}}

seed: database
	@$(MANAGE) load_seed_data

# --- checks --------------------------------------------------------------------------------------------

lint: venv-dev lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

lint-js: node-dev
	node_modules/.bin/eslint .

migrations-check: venv-dev
	$(MANAGE) makemigrations --check --dry-run

# The browser tests inject axe-core from node_modules (package-lock.json pins it).
pytest: venv-dev node-dev
	$(BIN)/pytest

typecheck: venv-dev
	$(BIN)/mypy .

# Known vulnerabilities in the pinned requirements and everything they pull in (pip-audit resolves them
# in a temporary venv and asks its vulnerability service, PyPI's JSON API by default). Not in `make test`:
# it needs that service. --strict: a package that could not be audited fails the run, never a silent pass.
audit: venv-dev
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements.txt -r requirements-dev.txt

# --- benchmarks (not tests: they report ratios measured in one run on this machine) ---------------------

bench: venv-dev messages static
	@deploy/system.sh $(BENCH_PACKAGES)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules staticfiles .run .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find locale -name '*.mo' -delete
