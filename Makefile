# Two commands do all the set-up on a fresh machine (Python 3.11 and make):
#   make demo   creates .venv, runs the pipeline on the bundled sample data, prints a summary
#   make test   creates .venv, runs lint + format checks, SQLMesh unit tests and pytest
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SQLMESH := $(BIN)/sqlmesh
export SQLMESH__DISABLE_ANONYMIZED_ANALYTICS := 1
# Demo and test runs always use their own warehouse, never one you pointed ANALYTICS_WAREHOUSE at.
DEMO_ENV := ANALYTICS_LANDING_DIR=sample_data/landing ANALYTICS_WAREHOUSE=data/demo/warehouse.duckdb ANALYTICS_START=2025-01-01
# The bundled sample ends on this day; the demo stops there rather than filling empty days up to today.
DEMO_END := 2025-04-30

.PHONY: help venv demo test lint format docs unit pytest generate-sample lock clean

help:
	@echo "make demo   - set up .venv, run the pipeline on the bundled sample, print a summary"
	@echo "make test   - set up .venv, check format/lint, run SQLMesh unit tests and pytest"
	@echo "make format - rewrite SQL (sqlmesh format) and Python (ruff format)"
	@echo "make docs   - regenerate docs/metrics.md from the METRIC definitions in metrics/"
	@echo "make generate-sample - regenerate sample_data/landing with the synthetic generator"
	@echo "make clean  - remove .venv, data/ and caches"

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

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

pytest: $(STAMP)
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
	$(BIN)/python -m pip freeze --exclude-editable | sort -f > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) data .cache
