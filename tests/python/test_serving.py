"""The serving file: the dashboards' tables copied out of the warehouse and swapped in atomically,
so that Superset (read-only, other processes) and the pipeline (the warehouse's one writer) never
lock each other out. Real pipeline runs, real DuckDB files, real reader processes."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_ROOT, Pipeline, write_csv

from growth_analytics.runlock import EXIT_LOCKED, exclusive_run
from growth_analytics.serving import PublishError, publish, published_tables
from growth_analytics.settings import Settings, SettingsError, resolve_path

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)
DASHBOARD_TABLES = [("analytics", "engagement_daily"), ("analytics", "growth_accounting_daily")]


def land(pipeline: Pipeline, day: str, users: list[str]) -> None:
    lines = [
        f"{day} 1{i}:00:00,{user},miles_earned,dining,10,web,organic,SG"
        for i, user in enumerate(users)
    ]
    write_csv(pipeline.landing / f"dt={day}" / "events.csv", "\n".join([HEADER, *lines]) + "\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Pipeline:
    """A small production warehouse, two landing days, built by the first `growth-analytics run`
    (the plan). Tests that change it land later days."""
    p = Pipeline(tmp_path_factory.mktemp("serving"), start="2025-03-01")
    land(p, "2025-03-04", ["u_1", "u_2", "u_3"])
    land(p, "2025-03-05", ["u_1", "u_4"])
    p.cli("run", "--init", "--end", "2025-03-05")
    return p


def dataset_yaml(exports: Path, schema: str, table: str, folder: str = "warehouse") -> Path:
    """A Superset dataset export, trimmed to the keys that matter plus a few it always has."""
    text = (
        f"table_name: {table}\nmain_dttm_col: null\nsql: null\nparams: null\n"
        f"schema: {schema}\nuuid: {uuid.uuid5(uuid.NAMESPACE_URL, f'{folder}/{table}')}\n"
        f"columns:\n- column_name: period_start\n  is_dttm: true\nversion: 1.0.0\n"
        f"database_uuid: 11111111-1111-1111-1111-111111111111\n"
    )
    path = exports / "datasets" / folder / f"{table}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def exports(tmp_path) -> Path:
    root = tmp_path / "superset_exports"
    for schema, table in DASHBOARD_TABLES:
        dataset_yaml(root, schema, table)
    dataset_yaml(root, "analytics", "engagement_daily", folder="other_db")  # the same table again
    (root / "metadata.yaml").write_text("version: 1.0.0\ntype: Dataset\n")
    return root


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def leftovers(serving: Path) -> list[str]:
    return sorted(p.name for p in serving.parent.glob(serving.name + ".*"))


# --- what is published --------------------------------------------------------------------------


def test_published_tables_come_from_the_dataset_exports(exports, tmp_path):
    assert published_tables(exports) == DASHBOARD_TABLES  # sorted, deduplicated
    assert published_tables(tmp_path / "empty") == []
    dataset_yaml(exports, "analytics", "virtual").write_text(
        "table_name: virtual\nschema: analytics\nsql: SELECT 1\n"
    )
    with pytest.raises(PublishError, match="virtual"):
        published_tables(exports)


def test_publish_copies_exactly_the_dashboard_tables(built, exports, tmp_path):
    serving = tmp_path / "out" / "serving.duckdb"
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = publish(built.warehouse, serving, published_tables(exports))
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    listed = query(
        serving,
        "SELECT table_schema, table_name, table_type FROM information_schema.tables ORDER BY 1, 2",
    )
    assert listed == [
        ("analytics", "engagement_daily", "BASE TABLE"),
        ("analytics", "growth_accounting_daily", "BASE TABLE"),
        ("publication", "published", "BASE TABLE"),
        ("publication", "published_tables", "BASE TABLE"),
    ]
    for schema, table in DASHBOARD_TABLES:
        name = f"{schema}.{table}"
        assert query(serving, f"DESCRIBE {name}") == built.query(f"DESCRIBE {name}")
        rows = built.query(f"SELECT * FROM {name} ORDER BY ALL")
        assert rows, f"{name} is empty in the test warehouse"
        assert query(serving, f"SELECT * FROM {name} ORDER BY ALL") == rows

    [(published_at, warehouse, landed)] = query(serving, "SELECT * FROM publication.published")
    assert before <= published_at <= after
    assert warehouse == str(built.warehouse)
    assert landed == built.scalar("SELECT MAX(landed_date) FROM analytics.ingestion_accounting")
    counts = query(serving, "SELECT * FROM publication.published_tables ORDER BY 1, 2")
    expected = [
        (schema, table, built.scalar(f"SELECT count(*) FROM {schema}.{table}"))
        for schema, table in DASHBOARD_TABLES
    ]
    assert counts == expected
    assert result.tables == tuple(expected)
    assert result.rows == sum(n for _, _, n in expected)
    assert f"Published 2 tables ({result.rows:,} rows) to {serving}" in result.describe()
    assert leftovers(serving) == []  # no .next, no .wal


def test_no_datasets_publishes_only_the_metadata(built, tmp_path):
    serving = tmp_path / "serving.duckdb"
    result = publish(built.warehouse, serving, published_tables(tmp_path / "no_exports"))
    assert result.tables == ()
    assert query(serving, "SELECT table_schema, table_name FROM information_schema.tables") == [
        ("publication", "published"),
        ("publication", "published_tables"),
    ]
    landed = built.scalar("SELECT MAX(landed_date) FROM analytics.ingestion_accounting")
    assert query(serving, "SELECT latest_landed_date FROM publication.published") == [(landed,)]
    assert query(serving, "SELECT count(*) FROM publication.published_tables") == [(0,)]


def test_a_failed_publish_leaves_the_served_file_untouched(built, exports, tmp_path):
    serving = tmp_path / "serving.duckdb"
    publish(built.warehouse, serving, published_tables(exports))
    served = serving.read_bytes()
    # A crashed earlier publish left its build behind; the next attempt clears it.
    Path(f"{serving}.next").write_bytes(b"stale")
    Path(f"{serving}.next.wal").write_bytes(b"stale")
    dataset_yaml(exports, "analytics", "no_such_mart")

    with pytest.raises(PublishError, match=r"analytics\.no_such_mart") as raised:
        publish(built.warehouse, serving, published_tables(exports))
    assert "engagement_daily" not in str(raised.value)  # names only what is missing
    assert serving.read_bytes() == served
    assert leftovers(serving) == []


# --- readers during the swap --------------------------------------------------------------------

# A dashboard's stand-in, in its own process: in "hold" mode one connection for the whole loop, in
# "fresh" mode a new connection per query, as Superset opens one per chart query. Each pass reads
# the metadata and checks every published table against its row count, so a torn or half-written
# file would show. Bounded: it stops when told to, or after a deadline.
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

serving, mode, stop, ready = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
deadline = time.monotonic() + 240

def snapshot(con):
    [(published_at, landed)] = con.execute(
        "SELECT CAST(published_at AS VARCHAR), CAST(latest_landed_date AS VARCHAR) "
        "FROM publication.published"
    ).fetchall()
    tables = con.execute(
        "SELECT schema_name, table_name, row_count FROM publication.published_tables ORDER BY 1, 2"
    ).fetchall()
    for schema, table, rows in tables:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        assert n == rows, f"{schema}.{table}: {n} rows, the metadata says {rows}"
    return [published_at, landed, [f"{s}.{t}" for s, t, _ in tables]]

seen, errors, passes = [], [], 0
held = duckdb.connect(serving, read_only=True) if mode == "hold" else None
while time.monotonic() < deadline:
    stopping = stop.exists()
    try:
        if held is None:
            with duckdb.connect(serving, read_only=True) as con:
                snap = snapshot(con)
        else:
            snap = snapshot(held)
        if snap not in seen:
            seen.append(snap)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:300])
    passes += 1
    ready.touch()
    if stopping or len(errors) > 20:
        break
if held is not None:
    held.close()
with duckdb.connect(serving, read_only=True) as con:
    final = snapshot(con)
print(json.dumps({"seen": seen, "errors": errors, "passes": passes, "final": final,
                  "stopped": stopping}))
"""


class Readers:
    """Two reader processes on one serving file, one holding its connection, one reconnecting."""

    def __init__(self, serving: Path, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.stop = workdir / "stop"
        self.procs = {}
        for mode in ("hold", "fresh"):
            ready = workdir / f"ready_{mode}"
            cmd = [sys.executable, "-c", READER, str(serving), mode, str(self.stop), str(ready)]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.procs[mode] = (proc, ready)
        deadline = time.monotonic() + 60
        while not all(ready.exists() for _, ready in self.procs.values()):
            assert time.monotonic() < deadline, "readers did not start"
            assert all(proc.poll() is None for proc, _ in self.procs.values()), self.finish()
            time.sleep(0.02)

    def finish(self) -> dict[str, dict]:
        self.stop.touch()
        results = {}
        for mode, (proc, _) in self.procs.items():
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"{mode} reader exited {proc.returncode}: {err[-2000:]}"
            results[mode] = json.loads(out)
            assert results[mode]["stopped"], f"{mode} reader hit its deadline"
        return results


def snapshot_of(serving: Path) -> list:
    [(published_at, landed)] = query(
        serving,
        "SELECT CAST(published_at AS VARCHAR), CAST(latest_landed_date AS VARCHAR) "
        "FROM publication.published",
    )
    tables = query(
        serving, "SELECT schema_name, table_name FROM publication.published_tables ORDER BY 1, 2"
    )
    return [published_at, landed, [f"{s}.{t}" for s, t in tables]]


def test_readers_see_no_error_while_the_file_is_swapped_twice(built, tmp_path):
    serving = tmp_path / "serving.duckdb"
    everything = [*DASHBOARD_TABLES, ("analytics", "ingestion_accounting")]
    publish(built.warehouse, serving, everything[:1])
    first = snapshot_of(serving)
    readers = Readers(serving, tmp_path / "readers")
    try:
        publish(built.warehouse, serving, everything[:2])
        second = snapshot_of(serving)
        publish(built.warehouse, serving, everything)
        third = snapshot_of(serving)
    finally:
        results = readers.finish()
    assert len({first[0], second[0], third[0]}) == 3  # three different publications

    for mode, result in results.items():
        assert result["errors"] == [], mode
        assert result["passes"] > 1, mode
        assert result["final"] == third, mode  # a fresh connection afterwards sees the new file
    # A connection open during the swaps keeps reading the file it opened, consistently.
    assert results["hold"]["seen"] == [first]
    # New connections see whole publications only, the first before and the last after.
    fresh = results["fresh"]["seen"]
    assert fresh[0] == first and fresh[-1] == third
    assert all(snap in (first, second, third) for snap in fresh)
    assert leftovers(serving) == []


def test_the_pipeline_writes_while_dashboards_read_and_publishes_the_new_day(
    built, exports, tmp_path
):
    serving = serving_of(built.env)
    assert serving == built.warehouse.with_name("serving.duckdb")
    # Dashboard tables in the served file, so the readers read real marts during the run.
    publish(built.warehouse, serving, published_tables(exports))
    before = snapshot_of(serving)
    land(built, "2025-03-06", ["u_2", "u_5"])

    readers = Readers(serving, tmp_path / "readers")
    try:
        done = built.cli("run", "--end", "2025-03-06", check=False)
    finally:
        results = readers.finish()

    assert done.returncode == 0, done.stderr[-3000:]
    assert built.scalar("SELECT MAX(landed_date) FROM analytics.ingestion_accounting") == (
        dt.date(2025, 3, 6)
    )
    after = snapshot_of(serving)
    assert after[1] == "2025-03-06"
    # The run published what the project's own exports name (whatever superset_exports/ holds).
    assert after[2] == [f"{s}.{t}" for s, t in published_tables(PROJECT_ROOT / "superset_exports")]
    assert f"to {serving}" in done.stdout and "Published" in done.stdout
    for mode, result in results.items():
        assert result["errors"] == [], mode
        assert result["final"] == after, mode
    assert results["hold"]["seen"] == [before]
    assert leftovers(serving) == []


# --- the command line ---------------------------------------------------------------------------


def test_a_failed_run_publishes_nothing_and_exits_1(built):
    serving = serving_of(built.env)
    served = serving.read_bytes()
    bad_date = built.cli("run", "--end", "not-a-date", check=False)
    assert bad_date.returncode == 2
    assert "expected a date" in bad_date.stderr
    # A Parquet file the reader cannot read fails the staging model: SQLMesh's run fails.
    write_csv(built.landing / "dt=2025-03-09" / "events.parquet", b"not a parquet file")
    try:
        done = built.cli("run", "--end", "2025-03-09", check=False)
    finally:
        (built.landing / "dt=2025-03-09" / "events.parquet").unlink()
    assert done.returncode == 1, done.stderr[-2000:]
    assert "events.parquet" in done.stdout + done.stderr
    assert "Published" not in done.stdout
    assert serving.read_bytes() == served


def test_publish_command_takes_the_run_lock(built):
    serving = serving_of(built.env)
    served = serving.read_bytes()
    with exclusive_run(built.warehouse, "a writer, in the test"):
        locked = built.cli("publish", check=False)
    assert locked.returncode == EXIT_LOCKED
    assert "a writer, in the test" in locked.stderr
    assert serving.read_bytes() == served

    done = built.cli("publish")
    assert done.stdout.startswith("Published ") and f"to {serving}" in done.stdout
    assert serving.read_bytes() != served


# --- settings -----------------------------------------------------------------------------------


def serving_of(env: dict[str, str]) -> Path:
    """The serving file of the warehouse an environment names."""
    return Settings.for_warehouse(resolve_path(env["ANALYTICS_WAREHOUSE"]), env).serving


def test_serving_defaults_beside_the_warehouse():
    warehouse = Path("/srv/wh/prod.duckdb")
    assert Settings.for_warehouse(warehouse, {}).serving == Path("/srv/wh/serving.duckdb")
    relative = Settings.for_warehouse(warehouse, {"ANALYTICS_SERVING": "dashboards/marts.duckdb"})
    assert relative.serving == PROJECT_ROOT / "dashboards" / "marts.duckdb"


@pytest.mark.parametrize("stem", ["analytics", "Raw", "staging", "intermediate", "publication"])
def test_serving_named_after_a_schema_is_refused(stem):
    with pytest.raises(SettingsError, match=r"ANALYTICS_SERVING=.*stem"):
        Settings.for_warehouse(Path("/tmp/w.duckdb"), {"ANALYTICS_SERVING": f"/tmp/{stem}.duckdb"})


def test_serving_file_must_not_be_the_warehouse():
    with pytest.raises(SettingsError, match=r"ANALYTICS_SERVING=.*warehouse file itself"):
        serving_of(
            {
                "ANALYTICS_WAREHOUSE": "data/warehouse.duckdb",
                "ANALYTICS_SERVING": "data/warehouse.duckdb",
            }
        )
    with pytest.raises(SettingsError, match="warehouse file itself"):
        serving_of(
            {
                "ANALYTICS_WAREHOUSE": str(PROJECT_ROOT / "data" / "warehouse.duckdb"),
                "ANALYTICS_SERVING": "data/../data/warehouse.duckdb",
            }
        )
    with pytest.raises(SettingsError, match="warehouse file itself"):  # the default, by name
        serving_of({"ANALYTICS_WAREHOUSE": "/srv/serving.duckdb"})
