# Two commands do all the set-up on a fresh machine (Python 3.11 and make; Debian for make test):
#   make demo   creates .venv, runs the pipeline on the bundled sample data, prints a summary
#   make test   creates .venv and .venv/superset, installs Chromium (apt-get) if it is missing,
#               runs lint + format checks, SQLMesh unit tests and pytest
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SQLMESH := $(BIN)/sqlmesh
# Superset cannot share SQLMesh's environment (it pins sqlglot < 29 and SQLAlchemy < 2). Its own
# lives inside .venv so that everything that skips .venv skips it too: git, ruff, and the SQLMesh
# UI's file watcher (which would otherwise crawl its 30,000 files).
SUPERSET_VENV := $(VENV)/superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
export SQLMESH__DISABLE_ANONYMIZED_ANALYTICS := 1
# Demo and test runs always use their own warehouse, never one you pointed ANALYTICS_WAREHOUSE at.
DEMO_ENV := ANALYTICS_LANDING_DIR=sample_data/landing ANALYTICS_WAREHOUSE=data/demo/warehouse.duckdb ANALYTICS_START=2025-01-01
# The bundled sample ends on this day; the demo stops there rather than filling empty days up to today.
DEMO_END := 2025-04-30

.PHONY: help venv superset-venv superset screenshots browser demo test lint format docs unit pytest generate-sample lock superset-lock clean

help:
	@echo "make demo   - set up .venv, run the pipeline on the bundled sample, print a summary"
	@echo "make test   - set up .venv, check format/lint, run SQLMesh unit tests and pytest"
	@echo "make format - rewrite SQL (sqlmesh format) and Python (ruff format)"
	@echo "make superset - Superset on http://127.0.0.1:8088 with every dashboard, on the demo data"
	@echo "make screenshots - refresh docs/screenshots/ (every dashboard on the demo data)"
	@echo "make docs   - regenerate docs/metrics.md from the METRIC definitions in metrics/"
	@echo "make generate-sample - regenerate sample_data/landing with the synthetic generator"
	@echo "make clean  - remove .venv, data/ and caches"

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

$(SUPERSET_STAMP): superset_config/requirements.txt superset_config/requirements.lock
	test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/python -m pip install --quiet -c superset_config/requirements.lock -r superset_config/requirements.txt
	touch $(SUPERSET_STAMP)

superset-venv: $(SUPERSET_STAMP)

# The demo warehouse (and its serving copy), then Superset in the foreground: Ctrl-C stops it.
superset: $(STAMP) $(SUPERSET_STAMP)
	$(DEMO_ENV) $(BIN)/growth-analytics plan --end $(DEMO_END)
	$(DEMO_ENV) $(BIN)/growth-analytics superset up

demo: $(STAMP)
	@# plan, not run: it also applies model changes made since the demo warehouse was built.
	$(DEMO_ENV) $(BIN)/growth-analytics plan --end $(DEMO_END) --summary

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(SQLMESH) format --check
	$(SQLMESH) lint

unit: $(STAMP)
	$(SQLMESH) test

# The dashboard tests run a real Superset and a real browser: both are set up first.
pytest: $(STAMP) $(SUPERSET_STAMP) browser
	$(BIN)/pytest

test: lint unit pytest

format: $(STAMP)
	$(SQLMESH) format
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/growth-analytics metrics

generate-sample: $(STAMP)
	$(BIN)/growth-analytics generate --preset sample --out sample_data/landing --clean

lock: $(STAMP)
	{ echo "# Every transitive dependency pinned (pip install -c requirements.lock); regenerate with \`make lock\`."; \
	  $(BIN)/python -m pip freeze --exclude-editable | sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# The dashboards' pictures in the README: the demo data, a throw-away Superset, headless Chromium.
screenshots: $(STAMP) $(SUPERSET_STAMP) browser
	$(DEMO_ENV) $(BIN)/growth-analytics plan --end $(DEMO_END)
	$(DEMO_ENV) ANALYTICS_SUPERSET_HOME=data/demo/superset_screenshots $(BIN)/growth-analytics superset screenshots --out docs/screenshots

# Debian's Chromium and its driver, for the dashboard tests and screenshots (apt-get as root).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "installing Debian's chromium and chromium-driver"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null; }

superset-lock: $(SUPERSET_STAMP)
	{ echo "# Every package of the Superset virtual environment, pinned; regenerate with make superset-lock."; \
	  $(SUPERSET_VENV)/bin/python -m pip freeze | sort -f; } > superset_config/requirements.lock.new
	mv superset_config/requirements.lock.new superset_config/requirements.lock

clean:
	rm -rf $(VENV) data .cache
