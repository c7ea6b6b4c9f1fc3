# Two commands do all the set-up on a fresh machine (Python 3.11 and make; Debian for make test):
#   make demo   creates .venv, runs the pipeline on the bundled sample data, prints a summary
#   make test   creates .venv, .venv/superset and .venv/bigquery-emulator (Python 3.13), installs
#               Chromium (apt-get) if it is missing, runs lint + format checks, SQLMesh unit tests
#               and pytest on two workers
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
# The local BigQuery API emulator the BigQuery tests run against (local-bigquery): it needs Python
# 3.13 and a newer sqlglot than SQLMesh pins, so it too has an environment of its own inside .venv.
# pyenv's 3.13 if there is one, else python3.13 on PATH (Debian 13's, deadsnakes', a manual one).
BQ_EMULATOR_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null) python3.13)
BQ_EMULATOR_VENV := $(VENV)/bigquery-emulator
BQ_EMULATOR_STAMP := $(BQ_EMULATOR_VENV)/.installed
export SQLMESH__DISABLE_ANONYMIZED_ANALYTICS := 1
# The demo writes the default warehouse with the default settings (config.yaml's), so that
# `sqlmesh info`, `sqlmesh ui`, `growth-analytics summary` and `make superset` see it with no
# variables set; it never follows an ANALYTICS_WAREHOUSE you pointed elsewhere.
DEMO_ENV := ANALYTICS_LANDING_DIR=sample_data/landing ANALYTICS_WAREHOUSE=data/warehouse.duckdb ANALYTICS_START=2025-01-01
# The bundled sample ends on this day; the demo stops there rather than filling empty days up to today.
DEMO_END := 2025-04-30

.PHONY: help environments venv superset-venv superset screenshots browser demo test check lint format docs lineage unit pytest generate-sample lock superset-lock bigquery-emulator-venv bigquery-emulator-lock test-bigquery clean

help:
	@echo "make demo   - set up .venv, run the pipeline on the bundled sample, print a summary"
	@echo "make test   - set up .venv, check format/lint, run SQLMesh unit tests and pytest"
	@echo "make check  - lint, format check, SQLMesh unit tests and the tests without a server or warehouse build (<3 min)"
	@echo "make format - rewrite SQL (sqlmesh format) and Python (ruff format)"
	@echo "make superset - Superset on http://127.0.0.1:8088 with every dashboard, on the demo data"
	@echo "make screenshots - refresh docs/screenshots/ (every dashboard on the demo data)"
	@echo "make test-bigquery - the pipeline on a local BigQuery API emulator, compared with DuckDB"
	@echo "make docs   - regenerate docs/metrics.md from the METRIC definitions in metrics/"
	@echo "make lineage - redraw the models' lineage (docs/lineage.md, README.md) from SQLMesh's DAG"
	@echo "make generate-sample - regenerate sample_data/landing with the synthetic generator"
	@echo "make clean  - remove .venv, data/ and caches"

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing SQLMesh, DuckDB and the project into $(VENV) with pip (requirements.lock; a few minutes the first time)"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@# pip byte-compiles every package it installs but the project's own, which is editable: without
	@# this, where PYTHONDONTWRITEBYTECODE is set every command compiled it again (0.1-0.2 s of a
	@# 4 s run with nothing to do). Python still recompiles a file edited since, in memory.
	$(BIN)/python -m compileall -q growth_analytics macros
	touch $(STAMP)

venv: $(STAMP)

$(SUPERSET_STAMP): superset_config/requirements.txt superset_config/requirements.lock
	test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	@echo "installing Apache Superset into $(SUPERSET_VENV) with pip (superset_config/requirements.lock; several minutes the first time)"
	$(SUPERSET_VENV)/bin/python -m pip install --quiet -c superset_config/requirements.lock -r superset_config/requirements.txt
	touch $(SUPERSET_STAMP)

superset-venv: $(SUPERSET_STAMP)

# local-bigquery 0.4.0 asks for duckdb >= 2, but DuckDB's extension packages stop at 1.5.5 (and
# DuckDB cannot download extensions here), so pip's resolver refuses the pins: the lock goes in
# as it is (--no-deps), then requirements.txt is checked against it.
$(BQ_EMULATOR_STAMP): bigquery_emulator/requirements.txt bigquery_emulator/requirements.lock
	@$(BQ_EMULATOR_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null || { echo "make test needs Python 3.13 for the BigQuery emulator (tests/python/test_bigquery_*.py) and found none ($(BQ_EMULATOR_PYTHON)): install it (pyenv install 3.13, or apt-get install python3.13), or make test BQ_EMULATOR_PYTHON=/path/to/python3.13"; exit 1; }
	test -x $(BQ_EMULATOR_VENV)/bin/python || $(BQ_EMULATOR_PYTHON) -m venv $(BQ_EMULATOR_VENV)
	@echo "installing the local BigQuery API emulator into $(BQ_EMULATOR_VENV) with pip (bigquery_emulator/requirements.lock; a minute or two the first time)"
	$(BQ_EMULATOR_VENV)/bin/python -m pip install --quiet --no-deps -r bigquery_emulator/requirements.lock
	$(BQ_EMULATOR_VENV)/bin/python -m pip install --quiet --no-deps -c bigquery_emulator/requirements.lock -r bigquery_emulator/requirements.txt
	touch $(BQ_EMULATOR_STAMP)

bigquery-emulator-venv: $(BQ_EMULATOR_STAMP)

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

# The dashboard tests run a real Superset and a real browser: both are set up first. Two
# pytest-xdist workers, a whole module each at a time, longest first (tests/python/conftest.py);
# the 25 slowest tests are listed at the end. PYTEST_WORKERS=0 runs everything in one process;
# PYTEST_ARGS adds pytest options (PYTEST_ARGS=--durations=0 lists every test's time).
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)
pytest: $(STAMP) $(SUPERSET_STAMP) browser $(BQ_EMULATOR_STAMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=25 $(PYTEST_ARGS)

# The three environments and the browser are set up side by side (they are independent, and
# pip spends much of its time waiting on the disk), then lint, unit tests and pytest run one after
# the other.
environments: $(STAMP) $(SUPERSET_STAMP) $(BQ_EMULATOR_STAMP) browser

test:
	@$(MAKE) --no-print-directory -j4 --output-sync=target environments
	@$(MAKE) --no-print-directory -j1 lint unit pytest

# The inner loop while changing a model (at most 3 minutes): lint, format check, SQLMesh's unit
# tests and the tests that need neither a server (Superset, a browser, an emulator) nor a
# warehouse built by the pipeline. Needs only .venv.
check: lint unit
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not server and not pipeline" --durations=10

# The whole pipeline on a local BigQuery API emulator, compared table by table with DuckDB (the
# bundled sample: about 5 minutes). Part of make test too.
test-bigquery: $(STAMP) $(BQ_EMULATOR_STAMP)
	$(BIN)/pytest tests/python/test_bigquery_emulator.py

format: $(STAMP)
	$(SQLMESH) format
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/growth-analytics metrics

# The models' lineage picture, from SQLMesh's DAG (no warehouse needed); tests/python/test_lineage.py
# fails when it is stale.
lineage: $(STAMP)
	$(BIN)/growth-analytics lineage

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
	  command -v apt-get >/dev/null || { echo "make test needs chromium and chromedriver on PATH (the dashboard tests drive a real browser) and found no apt-get to install them: install both, then run make test again"; exit 1; }; \
	  echo "installing Debian's chromium and chromium-driver"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null; }

superset-lock: $(SUPERSET_STAMP)
	{ echo "# Every package of the Superset virtual environment, pinned; regenerate with make superset-lock."; \
	  $(SUPERSET_VENV)/bin/python -m pip freeze | sort -f; } > superset_config/requirements.lock.new
	mv superset_config/requirements.lock.new superset_config/requirements.lock

# A fresh resolution of bigquery_emulator/requirements.txt in a scratch environment: everything but
# the duckdb pins with its dependencies, then the duckdb pins over them (see the stamp above).
bigquery-emulator-lock:
	rm -rf $(BQ_EMULATOR_VENV).lock && $(BQ_EMULATOR_PYTHON) -m venv $(BQ_EMULATOR_VENV).lock
	grep -v -e '^#' -e '^duckdb' bigquery_emulator/requirements.txt | $(BQ_EMULATOR_VENV).lock/bin/python -m pip install --quiet -r /dev/stdin
	grep '^duckdb' bigquery_emulator/requirements.txt | $(BQ_EMULATOR_VENV).lock/bin/python -m pip install --quiet --no-deps -r /dev/stdin
	{ echo "# Every package of the BigQuery emulator's virtual environment (.venv/bigquery-emulator), pinned;"; \
	  echo "# regenerate with make bigquery-emulator-lock. duckdb stays at 1.5.5 although local-bigquery asks"; \
	  echo "# for >= 2 (see requirements.txt), so it installs with --no-deps."; \
	  $(BQ_EMULATOR_VENV).lock/bin/python -m pip freeze | sort -f; } > bigquery_emulator/requirements.lock.new
	mv bigquery_emulator/requirements.lock.new bigquery_emulator/requirements.lock
	rm -rf $(BQ_EMULATOR_VENV).lock

clean:
	rm -rf $(VENV) data .cache
