"""Every model renders for both engines: BigQuery (production) and DuckDB (local), and avoids the
BigQuery functions that sqlglot 30.8 turns into DuckDB SQL with other results and no error."""

from __future__ import annotations

import re

import pytest
import sqlglot
from conftest import PROJECT_ROOT
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError
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


# DuckDB syntax that sqlglot's BigQuery parser may accept but BigQuery does not.
DUCKDB_ONLY_SYNTAX = {
    r"::": "a :: cast (write CAST(x AS type))",
    r"\bASOF\s+JOIN\b": "an ASOF join",
    r"->>?": "a JSON arrow operator",
    r"\bCOLUMNS\s*\(": "a COLUMNS(...) star expression",
    r"\bEXCLUDE\s*\(": "SELECT * EXCLUDE (BigQuery writes EXCEPT)",
}


# The functions the models use, as sqlglot names them, each checked to exist in BigQuery
# (ARRAY, DATETIME_DIFF, FORMAT_TIMESTAMP for TimeToStr, SAFE_CAST for TryCast, DATETIME() for
# TsOrDsToDatetime, REGEXP_CONTAINS for RegexpLike, ...). sqlglot also knows DuckDB's own
# functions (READ_CSV, LIST_DISTINCT, ...) and writes them into BigQuery SQL unchanged: a model
# that starts using a function not listed here fails until someone has checked it.
BIGQUERY_FUNCTIONS = frozenset(
    [
        "And",
        "Array",
        "Avg",
        "Case",
        "Cast",
        "Coalesce",
        "Concat",
        "Count",
        "Date",
        "DateAdd",
        "DateDiff",
        "DateSub",
        "DateTrunc",
        "DatetimeDiff",
        "DatetimeSub",
        "Exists",
        "Extract",  # EXTRACT(DAY FROM d); EXTRACT(WEEK ...) is refused by TRAPS above
        "GenerateDateArray",
        "Greatest",
        "If",
        "Lag",
        "LastDay",
        "LastValue",
        "Length",
        "LogicalOr",
        "Lower",
        "MD5",
        "Max",
        "Min",
        "Or",
        "RegexpLike",
        "RegexpReplace",
        "Replace",
        "RowNumber",
        "SafeDivide",
        "Struct",  # STRUCT(x AS a, ...): growth_drivers unnests an array of them
        "Sum",
        "TimeToStr",
        "Trim",
        "TryCast",
        "TsOrDsToDatetime",
        "Unnest",
        "Upper",
    ]
)


def duckdb_only(bigquery_sql: str, source: str = "") -> list[str]:
    """What in a model would not run on BigQuery: functions not checked to exist there,
    expressions sqlglot's BigQuery generator cannot write, DuckDB-only syntax in the source."""
    found = sorted(
        {
            f"function {type(node).__name__}"
            for node in sqlglot.parse_one(bigquery_sql, dialect="bigquery").walk()
            if isinstance(node, exp.Func) and type(node).__name__ not in BIGQUERY_FUNCTIONS
        }
    )
    try:
        sqlglot.parse_one(bigquery_sql, dialect="bigquery").sql(
            dialect="bigquery", unsupported_level=ErrorLevel.RAISE
        )
    except UnsupportedError as error:
        found.append(f"unsupported: {error}")
    for pattern, what in DUCKDB_ONLY_SYNTAX.items():
        if re.search(pattern, re.sub(r"/\*.*?\*/|--[^\n]*", "", source, flags=re.DOTALL)):
            found.append(what)
    return found


# Rendered outside a run (no engine), @landed_pieces gives DuckDB's reading, a query('...') call;
# on BigQuery it reads the table its load job filled (test_bigquery_emulator.py runs that form).
ENGINE_SPECIFIC_READING = {"raw.landed_events": "function Anonymous"}


def test_every_model_renders_to_sql_bigquery_runs(context):
    problems = []
    for model in sql_models(context):
        bigquery = model.render_query(start="2025-03-01", end="2025-03-31").sql(dialect="bigquery")
        source = (PROJECT_ROOT / model._path).read_text() if model._path else ""
        problems += [
            f"{model.name}: {p}"
            for p in duckdb_only(bigquery, source)
            if ENGINE_SPECIFIC_READING.get(model.name) != p
        ]
    assert not problems, "\n".join(problems)


def test_the_bigquery_check_catches_duckdb_only_sql():
    assert duckdb_only("SELECT * FROM READ_CSV('x.csv')") == ["function ReadCSV"]
    assert duckdb_only("SELECT LIST_DISTINCT(a) FROM t") == ["function Anonymous"]
    assert duckdb_only("SELECT SAFE_DIVIDE(SUM(a), COUNT(*)) FROM t") == []
    assert duckdb_only("SELECT 1", "SELECT a::INT FROM t") == ["a :: cast (write CAST(x AS type))"]
    assert duckdb_only("SELECT 1", "SELECT * FROM t ASOF JOIN u ON t.a >= u.a") == ["an ASOF join"]
    assert duckdb_only("SELECT 1", "/* a::b in a comment */ SELECT 1") == []
