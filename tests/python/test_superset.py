"""The dashboards in a real Apache Superset (gunicorn on 127.0.0.1, its own virtual environment)
reading the serving file of a real pipeline run on the bundled sample, and a real headless
Chromium. Superset is started once for the module; the tests run in file order, and the one that
runs the pipeline while Superset reads comes after those that compare numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import difflib
import io
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import zipfile
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
import requests
import yaml
from conftest import BIN, PROJECT_ROOT, SAMPLE_LANDING, Pipeline
from reference import growth_accounting, last_complete_period
from superset_client import SupersetClient
from test_user_growth_states import user_growth_states

from growth_analytics.dashboards.bundle import Target, build_bundle, read_tree
from growth_analytics.dashboards.cli import dashboard_slugs, take_screenshots
from growth_analytics.dashboards.normalize import normalise, read_export, tree_texts
from growth_analytics.dashboards.server import SUPERSET_VENV, Superset, SupersetError, free_port

pytestmark = pytest.mark.server

LAST_DAY = "2025-04-30"  # the sample's last landing day, held back until the run under load
PASSWORD = "a-test-password-1"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    """The bundled sample up to the day before its last, run through the real pipeline (which
    publishes the serving file)."""
    assert (SUPERSET_VENV / "bin" / "superset").exists(), "run make superset-venv"
    pipeline = Pipeline(tmp_path_factory.mktemp("dashboards"), start="2025-01-01")
    shutil.copytree(SAMPLE_LANDING, pipeline.landing, dirs_exist_ok=True)
    held = pipeline.landing.parent / "held"
    shutil.move(pipeline.landing / f"dt={LAST_DAY}", held / f"dt={LAST_DAY}")
    pipeline.cli("run", "--init", "--end", "2025-04-29")  # the first run applies the plan
    pipeline.serving = pipeline.warehouse.with_name("serving.duckdb")
    assert pipeline.serving.exists()
    return pipeline


@pytest.fixture(scope="module")
def superset(pipeline, tmp_path_factory):
    """Superset initialised in a fresh home, the bundle imported, gunicorn on a free port."""
    instance = Superset(
        home=tmp_path_factory.mktemp("superset_home"), password=PASSWORD, serving=pipeline.serving
    )
    instance.initialise(build_bundle(Target.duckdb(pipeline.serving)))  # one Superset process
    with instance.running(free_port()) as (base_url, _, _):
        yield instance, base_url


@pytest.fixture(scope="module")
def client(superset) -> SupersetClient:
    _, base_url = superset
    return SupersetClient(base_url, "admin", PASSWORD)


@pytest.fixture(scope="module")
def charts(client) -> dict[str, int]:
    return {row["slice_name"]: row["id"] for row in client.listing("chart", ["id", "slice_name"])}


def committed(kind: str) -> list[dict]:
    return [doc for name, doc in read_tree().items() if name.startswith(f"{kind}/")]


def normal(value):
    """A value as the chart-data API returns it: temporal values as epoch milliseconds."""
    if isinstance(value, dt.datetime):
        return int(value.replace(tzinfo=dt.UTC).timestamp() * 1000)
    if isinstance(value, dt.date):
        return normal(dt.datetime.combine(value, dt.time()))
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    return value


def rows_of(records: list[dict], columns: list[str]) -> list[tuple]:
    return sorted((tuple(normal(r[c]) for c in columns) for r in records), key=repr)


def test_every_committed_chart_and_dashboard_is_imported(client, charts):
    assert set(charts) == {chart["slice_name"] for chart in committed("charts")}
    slugs = {row["slug"] for row in client.listing("dashboard", ["id", "slug"])}
    assert slugs == set(dashboard_slugs())
    assert len(slugs) >= 6


def test_every_chart_answers_with_the_numbers_of_the_same_query_on_the_warehouse(
    client, charts, pipeline
):
    """Each chart's saved query, through Superset on the serving file, against the SQL Superset
    generated run on the pipeline's own warehouse."""
    with duckdb.connect(str(pipeline.warehouse), read_only=True) as warehouse:
        for name, chart_id in sorted(charts.items()):
            response = client.chart_data(chart_id)
            assert response.status_code == 200, f"{name}: {response.text[:500]}"
            (result,) = response.json()["result"]
            assert result["rowcount"] > 0, f"{name}: no rows"
            columns = result["colnames"]
            expected = warehouse.execute(result["query"]).fetchall()
            assert rows_of(result["data"], columns) == sorted(
                (tuple(normal(v) for v in row) for row in expected), key=repr
            ), name


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_growth_accounting_charts_equal_the_independent_computation(
    client, charts, pipeline, grain
):
    """The stacked bars of each grain: new, retained, resurrected up and churned below zero,
    from the definitions computed in plain Python on the events."""
    title = {"day": "Growth accounting, day", "week": "Growth accounting, week"}.get(
        grain, "Growth accounting, month"
    )
    suffix = {"day": "daily", "week": "weekly", "month": "monthly"}[grain]
    (result,) = client.chart_data(charts[title]).json()["result"]

    def period(row: dict) -> dt.date:
        # Weekly charts put the week's Monday as text on the x axis (week_label).
        if grain == "week":
            return dt.date.fromisoformat(row["week_label"])
        return dt.datetime.fromtimestamp(row["period_start"] / 1000, dt.UTC).date()

    shown = {
        period(row): (
            row[f"new_users_{suffix}"],
            row[f"retained_users_{suffix}"],
            row[f"resurrected_users_{suffix}"],
            row[f"churned_users_below_zero_{suffix}"],
        )
        for row in result["data"]
    }
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    last_day = dt.date(2025, 4, 29)
    expected = {
        period: (c["new_users"], c["retained_users"], c["resurrected_users"], -c["churned_users"])
        for period, c in growth_accounting(
            user_days, grain, last_complete_period(last_day, grain)
        ).items()
    }
    assert shown == expected


def epoch_ms(day: dt.date) -> int:
    return normal(day)


def user_list(client: SupersetClient, chart_id: int, period: dt.date, state: str, **fmt) -> dict:
    """The chart's saved query with the filters its dashboard's Week (or Month) and Growth state
    filters add, as the browser sends them: the period as epoch milliseconds."""
    query = json.loads(client.get(f"/api/v1/chart/{chart_id}").json()["result"]["query_context"])
    query["queries"][0]["filters"] += [
        {"col": "period_start", "op": "IN", "val": [epoch_ms(period)]},
        {"col": "state", "op": "IN", "val": [state]},
    ]
    query.update(fmt)
    response = client.post("/api/v1/chart/data", query)
    assert response.status_code == 200, response.text[:500]
    return response


@pytest.mark.parametrize(
    ("grain", "state", "bar"),
    [
        ("week", "churned", "churned_users_below_zero_weekly"),
        ("month", "resurrected", "resurrected_users_monthly"),
    ],
)
def test_a_growth_accounting_number_opens_as_the_list_of_its_users(
    client, viewer, charts, pipeline, grain, state, bar
):
    """The last complete period's churned users (weekly) and resurrected users (monthly): the
    list the dashboard's filters pick equals the users computed from the events, its length is
    the growth-accounting chart's number, and the viewer downloads the same list as CSV."""
    period = last_complete_period(dt.date(2025, 4, 29), grain)
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_touch = {user: ("", "", "") for _, user in user_days}
    expected = {
        user
        for (start, user), row in user_growth_states(user_days, first_touch, grain, period).items()
        if start == period and row[0] == state
    }
    assert expected, f"the sample has {state} users in {period}"

    (bars,) = client.chart_data(charts[f"Growth accounting, {grain}"]).json()["result"]
    (number,) = [
        row[bar]
        for row in bars["data"]
        if row.get("period_start") == epoch_ms(period) or row.get("week_label") == str(period)
    ]
    assert abs(number) == len(expected)

    chart_id = charts[f"Users by growth state, {grain}"]
    (listed,) = user_list(client, chart_id, period, state).json()["result"]
    assert sorted(row["user_id"] for row in listed["data"]) == sorted(expected)
    assert {row["state"] for row in listed["data"]} == {state}

    csv_text = user_list(viewer, chart_id, period, state, result_format="csv").text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert sorted(row["user_id"] for row in rows) == sorted(expected)
    assert {row["days_since_last_active"] for row in rows} and all(
        row["first_platform"] for row in rows
    )


def test_a_chart_changed_in_the_tree_reaches_a_superset_that_has_it(superset, client, pipeline):
    """Superset 6.1 imports a dashboard's charts and datasets without overwriting them; the
    project's import overwrites them, so a second import carries the change."""
    instance, _ = superset
    tree = read_tree()
    name = "charts/growth_accounting_week.yaml"
    changed = {**tree[name], "description": "Changed by test_superset.py"}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "exports"
        shutil.copytree(PROJECT_ROOT / "superset_exports", copy)
        (copy / name).write_text(yaml.safe_dump(changed))
        instance.import_bundle(build_bundle(Target.duckdb(pipeline.serving), copy))
    try:
        charts = client.listing("chart", ["id", "slice_name", "description"])
        (chart,) = [c for c in charts if c["slice_name"] == changed["slice_name"]]
        assert chart["description"] == "Changed by test_superset.py"
    finally:
        instance.import_bundle(build_bundle(Target.duckdb(pipeline.serving)))
    charts = client.listing("chart", ["id", "slice_name", "description"])
    (chart,) = [c for c in charts if c["slice_name"] == changed["slice_name"]]
    assert chart["description"] == tree[name]["description"]


def assert_export_is_the_committed_tree(instance: Superset) -> None:
    exported, committed_texts = normalise(read_export(instance.export_bundle())), tree_texts()
    assert set(exported) == set(committed_texts)
    for name, text in committed_texts.items():
        diff = "".join(
            difflib.unified_diff(text.splitlines(True), exported[name].splitlines(True), n=1)
        )
        assert not diff, f"{name} comes back from Superset changed:\n{diff[:3000]}"


def test_the_export_of_the_imported_dashboards_is_the_committed_tree(superset):
    """Import, export and normalise: what a UI edit would go through. Nothing else changes."""
    instance, _ = superset
    assert_export_is_the_committed_tree(instance)


def project_database_id(client) -> int:
    databases = client.listing("database", ["id", "database_name"])
    (database_id,) = [d["id"] for d in databases if d["database_name"] == "growth_analytics"]
    return database_id


# DuckDB's answer once superset_config.py has switched its local file system off. An entry's own
# settings alone (enable_external_access false) answer "file system operations are disabled":
# this text says the connection went through superset_config.py.
LOCKED = "File system LocalFileSystem has been disabled by configuration"
ALLOWED_TABLE = "SELECT COUNT(*) AS n FROM analytics.growth_accounting_daily"


def assert_answers(client, database_id: int, sql: str) -> list[dict]:
    response = client.sql(database_id, sql)
    assert response.status_code == 200, f"{sql}: {response.text[:500]}"
    return response.json()["data"]


def assert_refused(client, database_id: int, sql: str, message: str = LOCKED) -> None:
    response = client.sql(database_id, sql)
    assert response.status_code != 200, f"{sql} was allowed: {response.text[:300]}"
    assert message in response.text, f"{sql}: {response.text[:500]}"


def file_reads(secret: Path, home: Path) -> list[str]:
    """SQL that reads a file the test made, every file beside it, /etc/passwd and Superset's
    own secret key."""
    return [
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM read_text('{secret.parent}/*')",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT content FROM read_text('{home / 'secret_key'}')",
    ]


@pytest.fixture
def secret_csv(tmp_path) -> Path:
    path = tmp_path / "files" / "secret.csv"
    path.parent.mkdir()
    path.write_text("secret\nsomething only the server's user may read\n")
    return path


def test_sql_lab_cannot_read_local_files_write_or_unlock_duckdb(client, superset, pipeline):
    instance, _ = superset
    database_id = project_database_id(client)
    assert assert_answers(client, database_id, ALLOWED_TABLE)[0]["n"] > 0
    wal = f"{pipeline.serving}.wal"  # external access alone lets a query write here
    refused = {
        "SELECT * FROM read_csv('/etc/passwd')": LOCKED,
        "SELECT * FROM read_text('/etc/hostname')": LOCKED,
        f"SELECT * FROM read_text('{instance.home / 'secret_key'}')": LOCKED,
        f"COPY (SELECT 1 AS a) TO '{wal}'": LOCKED,
        "COPY (SELECT 1) TO '/tmp/leak.csv'": LOCKED,
        f"ATTACH '{pipeline.warehouse}' AS wh": LOCKED,
        "SET enable_external_access = true": "the configuration has been locked",
        "SET disabled_filesystems = ''": "the configuration has been locked",
        "CREATE TABLE analytics.x AS SELECT 1 AS a": "",
    }
    for sql, message in refused.items():
        assert_refused(client, database_id, sql, message)
    assert not Path("/tmp/leak.csv").exists() and not Path(wal).exists()


def create_database(client, name: str, uri: str, extra: dict):
    return client.post(
        "/api/v1/database/",
        {
            "database_name": name,
            "sqlalchemy_uri": uri,
            "expose_in_sqllab": True,
            "extra": json.dumps(extra),
        },
    )


def entry_extra(connect_args: dict) -> dict:
    return {"engine_params": {"connect_args": connect_args}}


LOCKED_CONFIG = {"enable_external_access": False, "lock_configuration": True}
# A DuckDB entry superset_config.py saves: the serving file, read-only and locked.
LOCKED_SERVING = entry_extra({"read_only": True, "config": LOCKED_CONFIG})


def test_a_duckdb_entry_that_allows_file_access_cannot_be_saved(client, pipeline, secret_csv):
    """Through the API: a new entry is refused (and so is its connection test), and so is an
    edit of the project's entry that drops its settings. The message says why."""
    serving = f"duckdb:///{pipeline.serving}"
    refused = {
        "no settings": ("duckdb:///:memory:", {}, "enable_external_access is not false"),
        "not locked": (
            "duckdb:///:memory:",
            entry_extra({"config": {"enable_external_access": False}}),
            "lock_configuration is not true",
        ),
        "settings in the URI": (
            "duckdb:///:memory:?enable_external_access=true",
            entry_extra({"config": LOCKED_CONFIG}),
            "settings in the URI (enable_external_access)",
        ),
        "a readable temp directory": (
            "duckdb:///:memory:",
            entry_extra({"config": {**LOCKED_CONFIG, "temp_directory": str(secret_csv.parent)}}),
            "other than resource limits (temp_directory)",
        ),
        "an extension": (
            "duckdb:///:memory:",
            entry_extra({"config": LOCKED_CONFIG, "preload_extensions": ["httpfs"]}),
            "connection arguments preload_extensions",
        ),
        "a writable file": (
            serving,
            entry_extra({"config": LOCKED_CONFIG}),
            "not opened read_only",
        ),
    }
    before = client.listing("database", ["id", "database_name"])
    for name, (uri, extra, reason) in refused.items():
        for path in ("/api/v1/database/test_connection/", "/api/v1/database/"):
            response = client.post(
                path,
                {
                    "database_name": f"open {name}",
                    "sqlalchemy_uri": uri,
                    "extra": json.dumps(extra),
                },
            )
            assert response.status_code == 422, f"{name}, {path}: {response.text[:500]}"
            assert "must not allow file access" in response.text, response.text[:500]
            assert reason in response.text, f"{name}: {response.text[:500]}"
    assert client.listing("database", ["id", "database_name"]) == before

    database_id = project_database_id(client)
    saved = client.get(f"/api/v1/database/{database_id}/connection").json()["result"]
    response = client.session.put(
        f"{client.base_url}/api/v1/database/{database_id}",
        json={"extra": json.dumps({"allows_virtual_table_explore": True})},
        timeout=client.timeout,
    )
    assert response.status_code == 422, response.text[:500]
    assert (
        "'growth_analytics' not saved: a DuckDB entry must not allow file access" in response.text
    )
    after = client.get(f"/api/v1/database/{database_id}/connection").json()["result"]
    assert json.loads(after["extra"]) == json.loads(saved["extra"])
    # The check refuses what allows file access, not DuckDB: a locked entry is saved.
    created = create_database(client, "locked", serving, LOCKED_SERVING)
    assert created.status_code == 201, created.text[:500]
    assert client.session.delete(
        f"{client.base_url}/api/v1/database/{created.json()['id']}", timeout=client.timeout
    ).ok


def write_entry(instance: Superset, database_id: int, **columns: str) -> dict[str, str]:
    """Change a database entry in Superset's metadata directly, past its checks (as an entry
    written before them, or by hand, would be); the columns' previous values."""
    with closing(sqlite3.connect(instance.home / "superset.db")) as metadata, metadata:
        names = ", ".join(columns)
        previous = metadata.execute(f"SELECT {names} FROM dbs WHERE id = ?", (database_id,))
        old = dict(zip(columns, previous.fetchone(), strict=True))
        assignments = ", ".join(f"{name} = ?" for name in columns)
        metadata.execute(
            f"UPDATE dbs SET {assignments} WHERE id = ?", (*columns.values(), database_id)
        )
    return old


def chart_query(client, dataset_id: int, column: str):
    """The chart-data API on a dataset: what a chart or a dashboard asks."""
    return client.post(
        "/api/v1/chart/data",
        {
            "datasource": {"id": dataset_id, "type": "table"},
            "queries": [{"columns": [column], "metrics": [], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
        },
    )


def test_no_duckdb_connection_reads_files_whatever_its_entry_says(
    client, superset, pipeline, secret_csv
):
    """The engine-level lockdown: a second entry on the serving file made through the API (the
    only DuckDB file an entry may open), then that entry and the project's own rewritten to
    allow file access, past the save check. Each still answers SQL, in SQL Lab and in a chart;
    none reads a file."""
    instance, _ = superset
    reads = file_reads(secret_csv, instance.home)
    serving = f"duckdb:///{pipeline.serving}"
    created = create_database(client, "scratch", serving, LOCKED_SERVING)
    assert created.status_code == 201, created.text[:500]
    scratch = created.json()["id"]
    project = project_database_id(client)
    restore, dataset_id = None, None
    try:
        assert assert_answers(client, scratch, "SELECT 42 AS n") == [{"n": 42}]
        for sql in reads:
            assert_refused(client, scratch, sql)

        open_extra = entry_extra(
            {
                "config": {
                    "enable_external_access": True,
                    "lock_configuration": False,
                    "temp_directory": str(secret_csv.parent),
                }
            }
        )
        write_entry(
            instance,
            scratch,
            sqlalchemy_uri=f"{serving}?enable_external_access=true",
            extra=json.dumps(open_extra),
        )
        restore = write_entry(instance, project, extra=json.dumps({}))
        for database_id, allowed in ((scratch, "SELECT 42 AS n"), (project, ALLOWED_TABLE)):
            assert assert_answers(client, database_id, allowed)
            for sql in reads:
                assert_refused(client, database_id, sql)
            assert_refused(client, database_id, "SET enable_external_access = true", "locked")

        # A chart: a virtual dataset answers, then reads a file once its SQL says so.
        dataset = client.post(
            "/api/v1/dataset/",
            {
                "database": project,
                "schema": "analytics",
                "table_name": "scratch",
                "sql": "SELECT 7 AS a",
            },
        )
        assert dataset.status_code == 201, dataset.text[:500]
        dataset_id = dataset.json()["id"]
        answer = chart_query(client, dataset_id, "a")
        assert answer.status_code == 200 and answer.json()["result"][0]["data"] == [{"a": 7}]
        edit = client.session.put(
            f"{client.base_url}/api/v1/dataset/{dataset_id}",
            json={"sql": f"SELECT secret AS a FROM read_csv('{secret_csv}')"},
            timeout=client.timeout,
        )
        assert edit.status_code == 200, edit.text[:500]
        refused = chart_query(client, dataset_id, "a")
        assert refused.status_code != 200 and LOCKED in refused.text, refused.text[:500]
    finally:
        if dataset_id is not None:
            client.session.delete(f"{client.base_url}/api/v1/dataset/{dataset_id}", timeout=60)
        if restore is not None:
            write_entry(instance, project, **restore)
        client.session.delete(f"{client.base_url}/api/v1/database/{scratch}", timeout=60)
    assert [d["id"] for d in client.listing("database", ["id"])] == [project]
    assert len(client.listing("dataset", ["id"])) == len(committed("datasets"))
    assert assert_answers(client, project, ALLOWED_TABLE)[0]["n"] > 0


def database_columns(client, database_id: int) -> dict:
    """What Superset holds for an entry: its URI, extra and flags."""
    response = client.get(f"/api/v1/database/{database_id}/connection")
    assert response.status_code == 200, response.text[:500]
    result = response.json()["result"]
    return {key: result.get(key) for key in ("sqlalchemy_uri", "extra", *REFUSED_FLAGS)}


def edit_database(client, database_id: int, changes: dict):
    return client.session.put(
        f"{client.base_url}/api/v1/database/{database_id}", json=changes, timeout=client.timeout
    )


REFUSED_FLAGS = ("allow_dml", "allow_file_upload", "allow_ctas", "allow_cvas")
SERVING_ONLY = "a DuckDB entry must open the serving file"


def test_a_duckdb_entry_opens_the_serving_file_and_nothing_else(
    client, superset, pipeline, tmp_path
):
    """Through the API: an entry on the warehouse, on a copy of the serving file or in memory is
    refused (and so is its connection test), and so is an edit pointing the project's entry at
    the warehouse; the reason names the serving file. So is an import of the dashboards for the
    warehouse. The serving file under another name (a symlink) is the serving file."""
    instance, _ = superset
    serving = str(pipeline.serving.resolve())
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(pipeline.serving, copy)
    before = client.listing("database", ["id", "database_name"])
    for name, uri in (
        ("the warehouse", f"duckdb:///{pipeline.warehouse}"),
        ("a copy of the serving file", f"duckdb:///{copy}"),
        ("in memory", "duckdb:///:memory:"),
    ):
        for path in ("/api/v1/database/test_connection/", "/api/v1/database/"):
            response = client.post(
                path,
                {"database_name": name, "sqlalchemy_uri": uri, "extra": json.dumps(LOCKED_SERVING)},
            )
            assert response.status_code == 422, f"{name}, {path}: {response.text[:500]}"
            assert f"{SERVING_ONLY} {serving} and nothing else" in response.text, response.text
    assert client.listing("database", ["id", "database_name"]) == before

    project = project_database_id(client)
    saved = database_columns(client, project)
    response = edit_database(client, project, {"sqlalchemy_uri": f"duckdb:///{pipeline.warehouse}"})
    assert response.status_code == 422, response.text[:500]
    assert f"'growth_analytics' not saved: {SERVING_ONLY} {serving}" in response.text
    assert database_columns(client, project) == saved
    try:
        with pytest.raises(SupersetError, match=f"databases not imported: .*{SERVING_ONLY}"):
            instance.import_bundle(build_bundle(Target.duckdb(pipeline.warehouse)))
    finally:
        if database_columns(client, project) != saved:
            instance.import_bundle(build_bundle(Target.duckdb(pipeline.serving)))
    assert database_columns(client, project) == saved

    link = tmp_path / "link.duckdb"
    link.symlink_to(pipeline.serving)
    created = create_database(client, "through a link", f"duckdb:///{link}", LOCKED_SERVING)
    assert created.status_code == 201, created.text[:500]
    try:
        assert assert_answers(client, created.json()["id"], ALLOWED_TABLE)[0]["n"] > 0
    finally:
        client.session.delete(f"{client.base_url}/api/v1/database/{created.json()['id']}")
    assert client.listing("database", ["id", "database_name"]) == before


def test_an_entry_repointed_at_the_warehouse_past_the_checks_opens_nothing(
    client, superset, pipeline, charts
):
    """The project's entry rewritten in Superset's metadata to the warehouse (as by hand, or
    before the check existed): SQL Lab and the charts are refused at the connection, before
    DuckDB opens the warehouse, whose SQLMesh state they would otherwise read."""
    instance, _ = superset
    project = project_database_id(client)
    restore = write_entry(instance, project, sqlalchemy_uri=f"duckdb:///{pipeline.warehouse}")
    try:
        state = client.sql(project, "SELECT count(*) AS n FROM sqlmesh._snapshots")
        chart = client.chart_data(charts["Growth accounting, day"])
    finally:
        write_entry(instance, project, **restore)
    for response in (state, chart):
        assert response.status_code != 200, response.text[:500]
        assert "connection refused by superset_config.py" in response.text, response.text[:500]
        assert SERVING_ONLY in response.text, response.text[:500]
    assert assert_answers(client, project, ALLOWED_TABLE)[0]["n"] > 0


def test_dml_uploads_ctas_and_cvas_cannot_be_switched_on(client, superset, pipeline):
    """Each flag, on a new entry (otherwise accepted) and on an edit of the project's entry:
    refused with the flag named, nothing saved. Switched on past the checks, in the metadata,
    the entry is refused at the connection."""
    instance, _ = superset
    project = project_database_id(client)
    saved = database_columns(client, project)
    assert not any(saved[flag] for flag in REFUSED_FLAGS)
    before = client.listing("database", ["id", "database_name"])
    serving = f"duckdb:///{pipeline.serving}"
    for flag in REFUSED_FLAGS:
        created = client.post(
            "/api/v1/database/",
            {
                "database_name": f"with {flag}",
                "sqlalchemy_uri": serving,
                "extra": json.dumps(LOCKED_SERVING),
                flag: True,
            },
        )
        assert created.status_code == 422, f"{flag}: {created.text[:500]}"
        assert f"'with {flag}' not saved: {flag} must be off" in created.text, created.text
        edited = edit_database(client, project, {flag: True})
        assert edited.status_code == 422, f"{flag}: {edited.text[:500]}"
        assert f"'growth_analytics' not saved: {flag} must be off" in edited.text, edited.text
    assert client.listing("database", ["id", "database_name"]) == before
    assert database_columns(client, project) == saved

    restore = write_entry(instance, project, allow_dml=True)
    try:
        refused = client.sql(project, ALLOWED_TABLE)
    finally:
        write_entry(instance, project, **restore)
    assert refused.status_code != 200 and "allow_dml must be off" in refused.text, refused.text
    assert assert_answers(client, project, ALLOWED_TABLE)[0]["n"] > 0


def test_only_duckdb_and_bigquery_entries_may_be_saved(client, superset, secret_csv):
    """shillelagh+sqlglot, which Superset's own blocklist lets through and which opens the CSV
    paths a query names: refused on create and connection test. Written into the metadata past
    the checks, its connection is refused, with the same answer whether the file named exists
    or not, and never a cell of it."""
    instance, _ = superset
    before = client.listing("database", ["id", "database_name"])
    for path in ("/api/v1/database/test_connection/", "/api/v1/database/"):
        response = client.post(
            path, {"database_name": "files", "sqlalchemy_uri": "shillelagh+sqlglot://"}
        )
        assert response.status_code == 422, f"{path}: {response.text[:500]}"
        assert "only duckdb and bigquery entries are allowed, not shillelagh+sqlglot" in (
            response.text
        ), response.text[:500]
    assert client.listing("database", ["id", "database_name"]) == before

    project = project_database_id(client)
    restore = write_entry(instance, project, sqlalchemy_uri="shillelagh+sqlglot://")
    try:
        answers = {
            name: client.sql(project, f'SELECT * FROM "{secret_csv.with_name(name)}"')
            for name in (secret_csv.name, "missing.csv")
        }
    finally:
        write_entry(instance, project, **restore)
    for response in answers.values():
        assert response.status_code != 200, response.text[:500]
        assert "not shillelagh+sqlglot" in response.text, response.text[:500]
        assert "something only" not in response.text
    texts = [answers[name].text.replace(name, "NAME") for name in answers]
    assert texts[0] == texts[1], texts


VIEWER = ("viewer", "a-viewer-password-1")


@pytest.fixture(scope="module")
def viewer(superset) -> SupersetClient:
    """A user with the project's "Dashboard Viewer" role, which `superset init` made."""
    instance, base_url = superset
    name, password = VIEWER
    instance.superset(
        "fab", "create-user", "--role", "Dashboard Viewer", "--username", name,
        "--firstname", "Dash", "--lastname", "Viewer", "--email", f"{name}@localhost",
        "--password", password,
    )  # fmt: skip
    return SupersetClient(base_url, name, password)


def test_the_dashboard_viewer_reads_dashboards_and_charts_and_nothing_else(client, viewer, charts):
    assert {row["slug"] for row in viewer.listing("dashboard", ["id", "slug"])} == set(
        dashboard_slugs()
    )
    assert {row["slice_name"] for row in viewer.listing("chart", ["id", "slice_name"])} == set(
        charts
    )
    assert len(viewer.listing("dataset", ["id", "table_name"])) == len(committed("datasets"))
    for title in ("Growth accounting, day", "DAU, WAU and MAU", "Latest loaded day"):
        response = viewer.chart_data(charts[title])
        assert response.status_code == 200, f"{title}: {response.text[:300]}"
        assert response.json()["result"][0]["rowcount"] > 0
    assert viewer.get("/api/v1/dashboard/growth-accounting").status_code == 200
    # A chart opened on its own, in Explore (saving it is refused below).
    explore = viewer.get("/api/v1/explore/", slice_id=charts["Growth accounting, day"])
    assert explore.status_code == 200, explore.text[:300]
    assert explore.json()["result"]["slice"]["slice_name"] == "Growth accounting, day"

    database_id = project_database_id(client)
    assert assert_answers(client, database_id, ALLOWED_TABLE)  # the admin may
    chart_id = charts["Growth accounting, day"]
    refused = {
        "SQL Lab": viewer.sql(database_id, ALLOWED_TABLE),
        "the database list": viewer.get("/api/v1/database/"),
        "a database's connection": viewer.get(f"/api/v1/database/{database_id}/connection"),
        "a new database": create_database(
            viewer, "mine", "duckdb:///:memory:", entry_extra({"config": LOCKED_CONFIG})
        ),
        "a connection test": viewer.post(
            "/api/v1/database/test_connection/", {"sqlalchemy_uri": "duckdb:///:memory:"}
        ),
        "a chart edit": viewer.session.put(
            f"{viewer.base_url}/api/v1/chart/{chart_id}", json={"slice_name": "x"}, timeout=60
        ),
        "a dashboard edit": viewer.session.put(
            f"{viewer.base_url}/api/v1/dashboard/growth-accounting",
            json={"dashboard_title": "x"},
            timeout=60,
        ),
        "a saved query": viewer.get("/api/v1/saved_query/"),
        "the query history": viewer.get("/api/v1/query/"),
    }
    for what, response in refused.items():
        assert response.status_code in (401, 403), f"{what}: {response.status_code}"
    assert client.get(f"/api/v1/chart/{chart_id}").json()["result"]["slice_name"] == (
        "Growth accounting, day"
    )


def test_superset_pages_forbid_telemetry_hosts(superset):
    """Superset 6.1.0's menu bar always draws Scarf's pixel: the page's Content Security Policy
    (superset_config.py) is what keeps the browser from loading it."""
    _, base_url = superset
    response = requests.get(f"{base_url}/login/", timeout=60)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"] == "'self' blob: data:"
    assert policy["connect-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    header = response.headers["Content-Security-Policy"]
    for host in ("scarf", "mapbox", "openstreetmap", "cartocdn", "document360"):
        assert host not in header


def test_every_dashboard_draws_in_a_browser_without_errors(superset, tmp_path):
    instance, base_url = superset
    slugs = dashboard_slugs()
    code, results, other_hosts = take_screenshots(instance, base_url, tmp_path, slugs)
    assert code == 0, json.dumps(results, indent=1)
    for result in results:
        assert result["charts"] > 0 and result["drawn"] == result["charts"], result
        assert not result["errors"] and result["not_blank"], result
        assert Path(result["png"]).stat().st_size > 20_000, result
    # Nothing left the browser for another host; the telemetry pixel was asked for, and the
    # page's policy blocked it.
    assert other_hosts["sent"] == [], other_hosts
    assert any("scarf.sh" in url and "(csp)" in url for url in other_hosts["blocked"]), other_hosts
    # Drawing a dashboard makes the browser store the colours it chose: not an edit.
    assert_export_is_the_committed_tree(instance)


def test_the_dashboard_viewer_sees_a_dashboard_drawn_in_a_browser(superset, viewer, tmp_path):
    instance, base_url = superset
    code, (result,), _ = take_screenshots(
        instance, base_url, tmp_path, ["growth-accounting"], user=VIEWER
    )
    assert code == 0 and result["charts"] > 0 and result["drawn"] == result["charts"], result
    assert not result["errors"] and result["not_blank"], result


def daily_days(client, charts) -> set[int]:
    (result,) = client.chart_data(charts["Growth accounting, day"]).json()["result"]
    return {row["period_start"] for row in result["data"]}


def test_dashboards_answer_while_the_pipeline_writes_and_show_the_new_day_after(
    client, charts, pipeline
):
    last = normal(dt.date.fromisoformat(LAST_DAY))
    assert last not in daily_days(client, charts)
    held = pipeline.landing.parent / "held" / f"dt={LAST_DAY}"
    shutil.move(held, pipeline.landing / f"dt={LAST_DAY}")
    run = subprocess.Popen(
        [str(BIN / "growth-analytics"), "run", "--end", LAST_DAY],
        cwd=PROJECT_ROOT,
        env=pipeline.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answers, began = [], time.monotonic()
    try:
        while run.poll() is None and time.monotonic() - began < 600:
            for title in ("Growth accounting, day", "DAU, WAU and MAU", "Latest loaded day"):
                answers.append((title, client.chart_data(charts[title]).status_code))
    finally:
        output = run.communicate(timeout=600)[0]
    assert run.returncode == 0, output[-3000:]
    assert len(answers) >= 6, "the run ended before the dashboards were asked anything"
    assert {code for _, code in answers} == {200}, [a for a in answers if a[1] != 200][:5]
    assert last in daily_days(client, charts)


def test_the_same_dashboards_import_for_bigquery_with_no_credentials(superset, client, pipeline):
    """The BigQuery target swaps only the database entry (same uuid, so every dataset and chart
    follows it); credentials come from the Superset process's environment, never the bundle."""
    instance, _ = superset
    bundle = build_bundle(Target.bigquery("growth-analytics-prod", "EU"))
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        text = "".join(archive.read(name).decode() for name in archive.namelist())
    for secret in ("credentials", "password", "private_key", "token", "duckdb"):
        assert secret not in text.lower()
    instance.import_bundle(bundle)
    try:
        (database,) = client.listing("database", ["id", "database_name", "backend"])
        assert database["backend"] == "bigquery"
        detail = client.get(f"/api/v1/database/{database['id']}/connection").json()["result"]
        assert detail["sqlalchemy_uri"] == "bigquery://growth-analytics-prod?location=EU"
        assert "engine_params" not in json.loads(detail.get("extra") or "{}")
        datasets = client.listing("dataset", ["id", "table_name", "database.id"])
        assert len(datasets) == len(committed("datasets"))
        assert {d["database"]["id"] for d in datasets} == {database["id"]}
    finally:
        instance.import_bundle(build_bundle(Target.duckdb(pipeline.serving)))


def test_committed_database_entry_is_read_only_and_locked():
    (database,) = committed("databases")
    assert database["sqlalchemy_uri"] == "duckdb:///${SERVING_PATH}"
    args = database["extra"]["engine_params"]["connect_args"]
    assert args == {
        "read_only": True,
        "config": {"enable_external_access": False, "lock_configuration": True},
    }
    assert not database["allow_dml"] and not database["allow_file_upload"]
    assert yaml.safe_dump(database).count("${") == 1


def process_table() -> dict[int, tuple[int, int, str]]:
    """Every process: pid -> (parent pid, process group, command line)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we looked
        table[int(stat.parent.name)] = (int(fields[1]), int(fields[2]), command)
    return table


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("command", ["serve", "up"])
def test_sigterm_to_the_command_stops_gunicorn(command, superset, pipeline, tmp_path):
    """SIGTERM to `growth-analytics superset serve|up` alone (as a service manager sends it)
    stops the gunicorn it started, whose own session the signal does not reach."""
    instance, _ = superset
    port = free_port()
    env = {
        **pipeline.env,
        "ANALYTICS_SUPERSET_HOME": str(instance.home),
        "SUPERSET_ADMIN_PASSWORD": PASSWORD,
    }
    log = tmp_path / "out.log"
    with open(log, "wb") as out:
        started = subprocess.Popen(
            [str(BIN / "growth-analytics"), "superset", command, "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    group: set[int] = set()
    try:
        deadline = time.monotonic() + 400
        while "Superset is up at" not in log.read_text(errors="replace"):
            assert started.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=30).ok
        table = process_table()
        (master,) = [
            pid
            for pid, (parent, _, line) in table.items()
            if parent == started.pid and "gunicorn" in line
        ]
        group = {pid for pid, (_, pgid, _) in table.items() if pgid == master}
        assert len(group) >= 3, group  # the master and its two workers, in their own group
        assert table[started.pid][1] != master

        started.send_signal(signal.SIGTERM)
        assert started.wait(timeout=90) == 0, log.read_text()[-3000:]
        assert not answers(port)
        left = {pid: line for pid, (_, pgid, line) in process_table().items() if pgid == master}
        assert not left, left
    finally:
        # Whatever failed above: leave nothing of this run behind for the next tests.
        if started.poll() is None:
            started.kill()
            started.wait()
        for pid in group & set(process_table()):
            os.kill(pid, signal.SIGKILL)


def watch_for(started: subprocess.Popen, secret: str) -> dict[str, list[str]]:
    """While the command runs, every few milliseconds: the command lines of its descendants,
    any process on the machine whose command line holds the secret (anyone may read those, in
    ps), and any descendant whose environment holds it."""
    seen: dict[str, list[str]] = {"commands": [], "command_lines": [], "environments": []}
    while started.poll() is None:
        table = process_table()
        family = {started.pid}
        for _ in range(10):  # descendants up to ten generations down
            family |= {pid for pid, (parent, _, _) in table.items() if parent in family}
        for pid, (_, _, line) in table.items():
            if secret in line:
                seen["command_lines"].append(f"{pid}: {line}")
            if pid in family - {started.pid}:
                seen["commands"].append(line)
                try:
                    environment = (Path("/proc") / str(pid) / "environ").read_bytes()
                except OSError:
                    continue
                if secret.encode() in environment:
                    seen["environments"].append(f"{pid}: {line}")
        time.sleep(0.01)
    return seen


@pytest.fixture(scope="module")
def fresh_init(pipeline, tmp_path_factory) -> tuple[Path, dict]:
    """`growth-analytics superset init` on a home that does not exist yet, as a user whose umask
    lets everyone read new files, with the admin password in SUPERSET_ADMIN_PASSWORD; watched
    while it runs. The home, and what the watch saw."""
    home = tmp_path_factory.mktemp("fresh") / "superset"
    password = "init-password-7f3a9c"
    # croniter 7.0, imported with SQLMesh, runs `file -b <python>` as it is imported: too brief
    # for the watch to be sure to see, so a `file` first on PATH writes down its environment.
    shims = tmp_path_factory.mktemp("shims")
    environments = shims / "environments"
    (shims / "file").write_text(
        f'#!/bin/sh\nenv >> "{environments}"\necho ---- >> "{environments}"\n'
        f'exec {shutil.which("file") or "false"} "$@"\n'
    )
    (shims / "file").chmod(0o755)
    env = {
        **pipeline.env,
        "ANALYTICS_SUPERSET_HOME": str(home),
        "SUPERSET_ADMIN_PASSWORD": password,
        "PATH": f"{shims}:{pipeline.env['PATH']}",
    }
    started = subprocess.Popen(
        [str(BIN / "growth-analytics"), "superset", "init"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        umask=0o022,
    )
    seen = watch_for(started, password)
    output = started.communicate(timeout=600)[0].decode(errors="replace")
    assert started.returncode == 0, output[-3000:]
    recorded = environments.read_text() if environments.exists() else ""
    seen["file_environments"] = [e for e in recorded.split("----\n") if password in e]
    return home, seen


def test_init_puts_the_admin_password_on_no_command_line(fresh_init):
    """The password reaches Superset on standard input: no process's command line (which any
    user reads) and no Superset process's environment holds it, while init runs."""
    _, seen = fresh_init
    # The watch saw the command that makes the admin (superset_setup.py --init, which upgrades
    # and inits too), so it looked while the password was being read.
    commands = " | ".join(seen["commands"])
    assert "superset_setup.py --init admin" in commands, commands[:3000]
    assert seen["command_lines"] == [], seen["command_lines"]
    assert seen["environments"] == [], seen["environments"]
    assert seen["file_environments"] == [], "a `file` the command started had the password"


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_superset_s_home_and_files_are_its_owner_s_alone(fresh_init, superset):
    """The home init made is 0700 and every file in it 0600, the metadata with the password
    hashes included; so is every file of the served home, gunicorn's log included."""
    home, _ = fresh_init
    served, _ = superset
    assert mode(home) == 0o700
    assert {path.name for path in home.iterdir()} >= {"superset.db", "secret_key"}
    assert (served.home / "gunicorn.log").exists()
    for folder in (home, served.home):
        files = {path.name: oct(mode(path)) for path in folder.iterdir() if path.is_file()}
        assert set(files.values()) == {oct(0o600)}, files


def start_up(env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(BIN / "growth-analytics"), "superset", "up", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_up(started: subprocess.Popen, log: Path) -> str:
    """The command's output once it says Superset is up."""
    deadline = time.monotonic() + 400
    while "Superset is up at" not in log.read_text(errors="replace"):
        assert started.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(1)
    return log.read_text(errors="replace")


def gunicorn_child(parent: int) -> int:
    (master,) = [
        pid
        for pid, (ppid, _, line) in process_table().items()
        if ppid == parent and "gunicorn" in line
    ]
    return master


def live_group(group: int) -> dict[int, str]:
    """The processes of a group that still run (a zombie has ended; its reaper is not ours)."""
    live = {}
    for pid, (_, pgid, line) in process_table().items():
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if pgid == group and state != "Z":
            live[pid] = line
    return live


def test_up_stops_the_server_a_killed_up_left_behind(fresh_init, pipeline, tmp_path):
    """kill -9 of `growth-analytics superset up` leaves its gunicorn serving (it runs in a
    session of its own). The next `up` on the home stops that gunicorn, by its pid, says so,
    and serves afresh: its own gunicorn answers, with the admin password it was given."""
    home, _ = fresh_init
    password = "up-password-2b8e41"
    env = {
        **pipeline.env,
        "ANALYTICS_SUPERSET_HOME": str(home),
        "SUPERSET_ADMIN_PASSWORD": password,
    }
    port = free_port()
    first = start_up(env, port, tmp_path / "first.log")
    second, groups = None, set()
    try:
        wait_until_up(first, tmp_path / "first.log")
        left = gunicorn_child(first.pid)
        groups.add(left)
        first.kill()
        first.wait()
        assert answers(port) and len(live_group(left)) >= 3, "gunicorn did not outlive its up"

        second = start_up(env, port, tmp_path / "second.log")
        output = wait_until_up(second, tmp_path / "second.log")
        assert f"stopping the Superset server left behind on port {port}: gunicorn pid {left}" in (
            output
        ), output[-3000:]
        assert live_group(left) == {}
        serving = gunicorn_child(second.pid)
        groups.add(serving)
        assert serving != left
        client = SupersetClient(f"http://127.0.0.1:{port}", "admin", password)
        slugs = {row["slug"] for row in client.listing("dashboard", ["id", "slug"])}
        assert slugs == set(dashboard_slugs())

        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=90) == 0, output[-3000:]
        assert not answers(port) and live_group(serving) == {}
    finally:
        # Whatever failed above: leave no gunicorn of this test serving, the one an `up` killed
        # here would leave behind included.
        for started in (first, second):
            if started is not None and started.poll() is None:
                groups |= {
                    pid
                    for pid, (parent, _, line) in process_table().items()
                    if parent == started.pid and "gunicorn" in line
                }
                started.kill()
                started.wait()
        for group in groups:
            for pid in live_group(group):
                os.kill(pid, signal.SIGKILL)


def test_up_refuses_a_port_another_process_holds(superset, pipeline):
    """Something else listens on the port: `up` stops nothing and starts nothing, and says
    which process holds it, in one line."""
    instance, _ = superset
    env = {
        **pipeline.env,
        "ANALYTICS_SUPERSET_HOME": str(instance.home),
        "SUPERSET_ADMIN_PASSWORD": PASSWORD,
    }
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "growth-analytics"), "superset", "up", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr[-2000:]
    assert errors[0].startswith(f"error: port {port} is taken by pid {os.getpid()} ("), errors
    assert "Superset is up" not in done.stdout
