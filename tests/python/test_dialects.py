"""Every model renders for both engines: BigQuery (production) and DuckDB (local), and avoids the
BigQuery functions that sqlglot 30.8 turns into DuckDB SQL with other results and no error."""

from __future__ import annotations

import re

import pytest
import sqlglot
from conftest import PROJECT_ROOT
from sqlmesh import Context

# Each pattern: a BigQuery construct whose DuckDB translation silently differs.
TRAPS = {
    r"\bCOUNTIF\s*\(": "COUNTIF is NULL on DuckDB over all-NULL input, 0 on BigQuery",
    r"DATE_TRUNC\s*\([^()]*,\s*WEEK\s*\)": "DATE_TRUNC(d, WEEK) starts weeks on Sunday on BigQuery",
    r"EXTRACT\s*\(\s*WEEK\b": "EXTRACT(WEEK ...) numbers weeks differently on the two engines",
}


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    import os

    os.environ["ANALYTICS_WAREHOUSE"] = str(tmp_path_factory.mktemp("dialects") / "wh.duckdb")
    context = Context(paths=str(PROJECT_ROOT))
    yield context
    context.close()


def sql_models(context):
    return [m for m in context.models.values() if m.is_sql]


def test_every_sql_model_renders_for_bigquery_and_duckdb(context):
    models = sql_models(context)
    assert len(models) >= 10
    for model in models:
        query = model.render_query(start="2025-03-01", end="2025-03-31")
        assert query is not None, model.name
        bigquery = query.sql(dialect="bigquery")
        sqlglot.parse_one(bigquery, dialect="bigquery")  # valid BigQuery SQL
        duckdb_sql = query.sql(dialect="duckdb")
        sqlglot.parse_one(duckdb_sql, dialect="duckdb")


def test_no_model_uses_a_silently_different_function(context):
    found = []
    for model in sql_models(context):
        bigquery = model.render_query(start="2025-03-01", end="2025-03-31").sql(dialect="bigquery")
        source = (PROJECT_ROOT / model._path).read_text() if model._path else ""
        for pattern, why in TRAPS.items():
            for text in (bigquery, source):
                if re.search(pattern, text, flags=re.IGNORECASE):
                    found.append(f"{model.name}: {why}")
    assert not found, "\n".join(sorted(set(found)))


def test_the_trap_patterns_catch_what_they_should():
    countif, week_trunc, week_extract = TRAPS
    assert re.search(countif, "SELECT COUNTIF(x = 1)")
    assert re.search(week_trunc, "DATE_TRUNC(d, WEEK)")
    assert not re.search(week_trunc, "DATE_TRUNC(d, WEEK(MONDAY))")
    assert re.search(week_extract, "EXTRACT(WEEK FROM d)")
