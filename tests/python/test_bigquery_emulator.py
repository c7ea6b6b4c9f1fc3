"""The BigQuery production path on a local BigQuery API emulator (local-bigquery 0.4.0): the
emulator itself (a smoke test that fails when it drifts), then the whole pipeline on the
`bigquery` gateway, compared row by row with the same landing files on DuckDB.

The emulator runs from its own virtual environment (`make bigquery-emulator-venv`, Python 3.13)
through bigquery_emulator/launcher.py; SQLMesh runs through
tests/python/bigquery_emulator/sqlmesh_on_emulator.py, which applies two client-side patches the
emulator needs. Not tested here: real BigQuery (its planner, quotas, billing, IAM) and GCS.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bigquery_emulator.emulator import DEFAULT_PROJECT, EMULATOR_PYTHON, Emulator
from conftest import (
    DEMO_END,
    DEMO_START,
    PROJECT_ROOT,
    SAMPLE_LANDING,
    Pipeline,
    built_demo,
    model_files,
    pipeline_env,
)

SQLMESH_ON_EMULATOR = Path(__file__).parent / "bigquery_emulator" / "sqlmesh_on_emulator.py"
PROJECT = DEFAULT_PROJECT
# The whole bundled sample: 120 days, about 123,000 rows (measured: about 3.5 minutes on the
# emulator, 35 seconds on DuckDB; the two run side by side).
FIRST_DAY, LAST_DAY = DEMO_START, DEMO_END
# The schemas that hold tables or views (raw.landed_events is EMBEDDED: no raw schema is created).
SCHEMAS = ("seeds", "staging", "intermediate", "analytics")
# DuckDB's type for a column -> BigQuery's. DuckDB's HUGEINT is its SUM over BIGINT; BigQuery's
# DATETIME is the models' zone-less timestamp, TIMESTAMP in DuckDB.
TYPE_PAIRS = {
    "BIGINT": "INTEGER",
    "HUGEINT": "INTEGER",
    "INTEGER": "INTEGER",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "DOUBLE": "FLOAT",
    "TIMESTAMP": "DATETIME",
    "VARCHAR": "STRING",
}

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not EMULATOR_PYTHON.exists(),
        reason=f"no BigQuery emulator at {EMULATOR_PYTHON}: make bigquery-emulator-venv",
    ),
]


def model_names() -> list[str]:
    """Every model of the project that is a table or view, from its files (so a new model is
    compared too); EMBEDDED models (raw.landed_events) have no table of their own."""
    return sorted(name for name, (_, embedded) in model_files().items() if not embedded)


# --- the emulator itself ---------------------------------------------------------------------


def test_emulator_starts_quickly(emulator):
    assert emulator.started_in < 30, f"took {emulator.started_in:.1f}s"


def test_emulator_smoke(emulator):
    """What the models rely on, straight through google-cloud-bigquery: if the emulator (or the
    pins) drift, this fails before the pipeline comparison is puzzled by it."""
    from google.cloud import bigquery

    client = emulator.client()
    dataset = client.create_dataset(f"{PROJECT}.smoke", exists_ok=True)
    events = bigquery.Table(
        f"{PROJECT}.smoke.events",
        schema=[
            bigquery.SchemaField("d", "DATE"),
            bigquery.SchemaField("user_id", "STRING"),
            bigquery.SchemaField("miles", "INT64"),
        ],
    )
    events.time_partitioning = bigquery.TimePartitioning(field="d")
    events.clustering_fields = ["user_id"]
    client.create_table(events, exists_ok=True)
    read_back = client.get_table(f"{PROJECT}.smoke.events")
    assert read_back.time_partitioning.field == "d"
    assert read_back.clustering_fields == ["user_id"]

    errors = client.insert_rows_json(
        read_back,
        [
            {"d": "2025-01-30", "user_id": "a", "miles": 10},
            {"d": "2025-01-31", "user_id": "b", "miles": 0},
            {"d": "2025-02-01", "user_id": "a", "miles": 5},
            {"d": "2025-02-28", "user_id": "c", "miles": 7},
        ],
    )
    assert errors == []

    columns, rows = emulator.rows(
        "SELECT DATE_TRUNC(d, MONTH) AS month, COUNTIF(miles > 0) AS earning, "
        "COUNT(DISTINCT user_id) AS users, SUM(miles) AS miles, "
        "SAFE_DIVIDE(SUM(miles), COUNTIF(miles = 0)) AS per_zero "
        f"FROM `{PROJECT}.smoke.events` GROUP BY month ORDER BY month"
    )
    assert columns == [
        ("month", "DATE"),
        ("earning", "INTEGER"),
        ("users", "INTEGER"),
        ("miles", "INTEGER"),
        ("per_zero", "FLOAT"),
    ]
    assert rows == [
        (dt.date(2025, 1, 1), 1, 2, 10, 10.0),
        (dt.date(2025, 2, 1), 2, 2, 12, None),
    ]

    # MERGE into a table made by DDL (the streamed table itself is only read, as real BigQuery
    # requires while rows sit in its streaming buffer).
    client.query(
        f"CREATE TABLE `{PROJECT}.smoke.totals` (user_id STRING, miles INT64) CLUSTER BY user_id"
    ).result()
    client.query(f"INSERT INTO `{PROJECT}.smoke.totals` VALUES ('a', 1), ('z', 99)").result()
    merge = client.query(
        f"MERGE `{PROJECT}.smoke.totals` AS t "
        f"USING (SELECT user_id, SUM(miles) AS miles FROM `{PROJECT}.smoke.events` "
        "GROUP BY user_id) AS s ON t.user_id = s.user_id "
        "WHEN MATCHED THEN UPDATE SET miles = s.miles "
        "WHEN NOT MATCHED THEN INSERT (user_id, miles) VALUES (s.user_id, s.miles) "
        "WHEN NOT MATCHED BY SOURCE THEN DELETE"
    )
    merge.result()
    assert merge.num_dml_affected_rows == 4  # a updated, b and c inserted, z deleted
    _, rows = emulator.rows(f"SELECT * FROM `{PROJECT}.smoke.totals` ORDER BY user_id")
    assert rows == [("a", 15), ("b", 0), ("c", 7)]

    # QUALIFY and a window, as the staging and intermediate models use them.
    _, rows = emulator.rows(
        f"SELECT user_id, d FROM `{PROJECT}.smoke.events` "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY d DESC) = 1 ORDER BY user_id"
    )
    assert rows == [
        ("a", dt.date(2025, 2, 1)),
        ("b", dt.date(2025, 1, 31)),
        ("c", dt.date(2025, 2, 28)),
    ]
    client.delete_dataset(dataset, delete_contents=True)


# --- the pipeline, BigQuery against DuckDB ----------------------------------------------------


@dataclass
class LoadedOnBoth:
    duckdb: Pipeline
    emulator: Emulator
    seconds: dict[str, float] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)  # the type of each job the plan issued
    loads: list[str] = field(default_factory=list)  # the destination (dataset.table) of each load


def next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def on_both(emulator, tmp_path_factory) -> LoadedOnBoth:
    """The bundled sample loaded twice: `plan` on the bigquery gateway (the emulator; SQLMesh's
    state in a DuckDB file) and `growth-analytics plan` on DuckDB, side by side. The DuckDB
    warehouse is the session's shared build of the sample (conftest.py's built_demo), made here
    unless another module has made it already."""
    root = tmp_path_factory.mktemp("bigquery-pipeline")
    landing = root / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    bq_root = root / "bigquery"
    bq_root.mkdir()
    env = pipeline_env(
        landing,
        # The local gateway is built too, but never written: only the bigquery one is selected.
        bq_root / "unused_local.duckdb",
        FIRST_DAY,
        ANALYTICS_BQ_PROJECT=PROJECT,
        ANALYTICS_BQ_METHOD="oauth-secrets",
        ANALYTICS_BQ_TOKEN="emulator-takes-any-token",
        ANALYTICS_BQ_STATE=str(bq_root / "state.duckdb"),
        BIGQUERY_EMULATOR_HOST=emulator.url,
        PYTHONWARNINGS="ignore::SyntaxWarning",
        ANALYTICS_TEST_JOB_LOG=str(bq_root / "jobs.log"),
    )
    bq_cmd = [
        sys.executable,
        str(SQLMESH_ON_EMULATOR),
        "--paths",
        str(PROJECT_ROOT),
        "--gateway",
        "bigquery",
        "plan",
        "--auto-apply",
        "--no-prompts",
        "--skip-tests",
        "--skip-linter",
        "--execution-time",
        next_day(LAST_DAY),
    ]

    def on_bigquery() -> float:
        began = time.monotonic()
        done = subprocess.run(
            bq_cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(
                f"plan on the emulator exited {done.returncode}\n{done.stdout[-6000:]}\n"
                f"{done.stderr[-6000:]}\nemulator log: {emulator.log}"
            )
        return time.monotonic() - began

    def on_duckdb() -> tuple[Pipeline, float]:
        began = time.monotonic()
        return built_demo(tmp_path_factory), time.monotonic() - began

    with ThreadPoolExecutor(max_workers=2) as pool:
        bq_future, duck_future = pool.submit(on_bigquery), pool.submit(on_duckdb)
        duck, duck_seconds = duck_future.result()
        seconds = {"bigquery": bq_future.result(), "duckdb": duck_seconds}
    # Shown with pytest -s: what the emulator costs against DuckDB (0 s when another module
    # had built the DuckDB side).
    print(
        f"\nemulator started in {emulator.started_in:.1f}s; plan on the emulator "
        f"{seconds['bigquery']:.0f}s, on DuckDB {seconds['duckdb']:.0f}s"
    )
    logged = [line.split() for line in (bq_root / "jobs.log").read_text().splitlines()]
    return LoadedOnBoth(
        duckdb=duck,
        emulator=emulator,
        seconds=seconds,
        jobs=[line[0] for line in logged],
        loads=[line[1] for line in logged if line[0] == "load"],
    )


def duckdb_tables(pipeline: Pipeline) -> set[str]:
    placeholders = ", ".join(f"'{schema}'" for schema in SCHEMAS)
    rows = pipeline.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        f"WHERE table_schema IN ({placeholders})"
    )
    return {name for (name,) in rows}


def bigquery_tables(emulator: Emulator) -> set[str]:
    client = emulator.client()
    return {
        f"{schema}.{table.table_id}"
        for schema in SCHEMAS
        for table in client.list_tables(f"{PROJECT}.{schema}")
    }


def test_every_model_is_built_on_both(on_both):
    models = set(model_names())
    assert duckdb_tables(on_both.duckdb) == models
    assert bigquery_tables(on_both.emulator) == models


def test_ingestion_costs_one_load_job_per_batch_of_landing_days(on_both):
    """The landing files reach BigQuery by load jobs, one per batch of staging (batch_size 31):
    120 landing days, 4 batches, whatever the number of files; no rows are streamed in. The
    seeds (seeds/) are loaded too, into their own dataset, by SQLMesh."""
    days = (dt.date.fromisoformat(LAST_DAY) - dt.date.fromisoformat(FIRST_DAY)).days + 1
    batches = math.ceil(days / 31)
    ingestion_loads = [t for t in on_both.loads if t.startswith("landing_loads.")]
    assert len(ingestion_loads) == batches, on_both.loads
    # Any other load fills a seed (through a temporary table of its own, named after it).
    seed_loads = [t for t in on_both.loads if t not in ingestion_loads]
    seeded = {re.search(r"seeds__([a-z_]+?)__\d", t).group(1) for t in seed_loads}
    assert seeded == {"event_types", "activity_event_types", "platforms"}, on_both.loads
    assert all(t.startswith("sqlmesh__seeds.") for t in seed_loads), on_both.loads
    assert "streaming_insert" not in on_both.jobs


def test_physical_tables_are_partitioned_and_clustered_on_bigquery(on_both):
    """The production DDL really reaches BigQuery: the event table's physical table (behind the
    intermediate view; analytics.fct_events is a view of it) is partitioned by day and clustered."""
    client = on_both.emulator.client()
    physical = [
        table
        for table in client.list_tables(f"{PROJECT}.sqlmesh__intermediate")
        if table.table_id.startswith("intermediate__int_events__")
    ]
    assert physical, "no physical table for intermediate.int_events"
    table = client.get_table(physical[0].reference)
    assert table.time_partitioning is not None, "int_events is not partitioned on BigQuery"
    assert table.time_partitioning.field == "event_date"
    assert table.clustering_fields == ["user_id"], table.clustering_fields


def comparable(value):
    """One value as both engines' clients agree on it: BigQuery's FLOAT64 and NUMERIC to a float,
    arrays to tuples."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return tuple(comparable(v) for v in value)
    return value


def sort_key(row: tuple) -> tuple:
    # NULLs first, then by value; floats rounded so that last-bit differences cannot reorder.
    return tuple(
        (0, "") if v is None else (1, round(v, 9) if isinstance(v, float) else v) for v in row
    )


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("table", model_names())
def test_table_is_the_same_on_bigquery_and_duckdb(on_both, table):
    schema, name = table.split(".")
    duck_columns = on_both.duckdb.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{schema}' AND table_name = '{name}' ORDER BY ordinal_position"
    )
    duck_rows = on_both.duckdb.query(f'SELECT * FROM "{schema}"."{name}"')
    bq_columns, bq_rows = on_both.emulator.rows(f"SELECT * FROM `{PROJECT}.{schema}.{name}`")

    assert [c for c, _ in bq_columns] == [c for c, _ in duck_columns]
    expected_types = [(c, TYPE_PAIRS.get(t, f"(DuckDB {t})")) for c, t in duck_columns]
    assert bq_columns == expected_types

    duck_sorted = sorted((tuple(comparable(v) for v in r) for r in duck_rows), key=sort_key)
    bq_sorted = sorted((tuple(comparable(v) for v in r) for r in bq_rows), key=sort_key)
    assert len(bq_sorted) == len(duck_sorted), f"{table}: rows differ in number"
    columns = [c for c, _ in duck_columns]
    differing = [(d, b) for d, b in zip(duck_sorted, bq_sorted, strict=True) if not same(d, b)]
    assert not differing, f"{table}: {len(differing)} rows differ; first ones:\n" + "\n".join(
        f"  duckdb:   {dict(zip(columns, d, strict=True))}\n"
        f"  bigquery: {dict(zip(columns, b, strict=True))}"
        for d, b in differing[:3]
    )
