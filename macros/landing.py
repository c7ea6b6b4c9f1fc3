"""@landed_pieces(start, end): the landing files of an interval as a relation, read by the engine
(growth_analytics/landing: the layout rules, and the DuckDB SQL that reads CSV and Parquet)."""

import datetime as dt
import hashlib
import importlib
import importlib.util
from pathlib import Path

from sqlglot import exp
from sqlmesh import macro
from sqlmesh.utils.errors import SQLMeshError

READER_PACKAGE = "growth_analytics.landing"
# SQLMesh fingerprints a model with the source of the macros it calls, not with what they import
# at run time; the reader's digest, a plain value here, makes an edit to it a new model version.
# Read where the package is installed, so a copy of the project's folders (a second checkout, a
# test's scratch project) gets the digest of the reader it will run.
READER_DIGEST = hashlib.sha256(
    b"".join(
        path.read_bytes()
        for path in sorted(
            Path(importlib.util.find_spec(READER_PACKAGE).submodule_search_locations[0]).iterdir()
        )
        if path.suffix in (".py", ".sql")
    )
).hexdigest()
# Stages that only need the relation's columns (creating tables, swapping views): no files are
# listed then. Loading the project renders every model for the epoch, 1970-01-01, which gets the
# columns only too; `sqlmesh render --start ... --end ...` shows the real reading.
SHAPE_ONLY_STAGES = ("creating", "promoting", "demoting", "before_all", "after_all")
EPOCH = "1970-01-01"


def _date(value) -> dt.date:
    text = value.name if isinstance(value, exp.Expression) else str(value)
    return dt.date.fromisoformat(text[:10])


@macro()
def landed_pieces(evaluator, start, end):
    """The pieces (records, header and blank lines, skipped paths) that landed in [start, end]."""
    reader = importlib.import_module(READER_PACKAGE)
    stage = str(getattr(evaluator.runtime_stage, "value", evaluator.runtime_stage))
    first, last = _date(start), _date(end)
    if stage in SHAPE_ONLY_STAGES or first.isoformat() == last.isoformat() == EPOCH:
        # Typed NULLs, no rows: plain SQL any dialect reads, which SQLMesh's linter can follow.
        return exp.maybe_parse(f"({reader.empty_pieces_sql()})", dialect="duckdb")
    first_date = _date(evaluator.var("first_date"))
    try:
        dialect = evaluator.engine_adapter.dialect
    except SQLMeshError:  # rendered outside a run (sqlmesh render, Context.render): no engine yet
        dialect = "duckdb"
    if dialect == "bigquery":
        return _loaded_into_bigquery(evaluator, reader, first, last, first_date)
    plan = reader.plan_for_query(evaluator.var("landing_dir"), first, last)
    sql = reader.pieces_sql(plan, first, last, first_date)
    # The reader's SQL goes to DuckDB as one string, through its query() table function: SQLMesh
    # may carry a model's query through its own dialect (BigQuery) before DuckDB runs it (the unit
    # test runner does), and sqlglot's BigQuery-to-DuckDB rewrites change DuckDB-only SQL
    # (LEN of a list becomes the length of its text, TRY is dropped). A string survives any dialect.
    # The alias names the columns, so that SQLMesh's linter and lineage see them.
    reading = exp.Table(
        this=exp.Anonymous(this="query", expressions=[exp.Literal.string(sql)]),
        alias=exp.TableAlias(
            this=exp.to_identifier("landed"),
            columns=[exp.to_identifier(name) for name in reader.PIECE_COLUMNS],
        ),
    )
    query = exp.select(*reader.PIECE_COLUMNS).from_(reading)
    query.add_comments([f"landing reader {READER_DIGEST[:12]}"])
    return query.subquery()


def _loaded_into_bigquery(evaluator, reader, first, last, first_date) -> exp.Expression:
    """BigQuery: the pieces loaded into a scratch table by one load job (landing/bigquery.py)."""
    loader = importlib.import_module(f"{READER_PACKAGE}.bigquery")
    client = evaluator.engine_adapter.client
    table_id = loader.load_pieces(client, evaluator.var("landing_dir"), first, last, first_date)
    if table_id is None:
        return exp.maybe_parse(f"({reader.empty_pieces_sql()})", dialect="duckdb")
    loaded = exp.to_table(f"`{table_id}`", dialect="bigquery")
    query = exp.select(*reader.PIECE_COLUMNS).from_(loaded)
    query.add_comments([f"landing reader {READER_DIGEST[:12]}"])
    return query.subquery()
