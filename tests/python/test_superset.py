"""The dashboards in a real Apache Superset (gunicorn on 127.0.0.1, its own virtual environment)
reading the serving file of a real pipeline run on the bundled sample, and a real headless
Chromium. Superset is started once for the module; the tests run in file order, and the one that
runs the pipeline while Superset reads comes after those that compare numbers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import io
import json
import math
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import BIN, PROJECT_ROOT, Pipeline
from reference import growth_accounting, last_complete_period

from growth_analytics.dashboards.bundle import Target, build_bundle, read_tree
from growth_analytics.dashboards.cli import dashboard_slugs, take_screenshots
from growth_analytics.dashboards.client import SupersetClient
from growth_analytics.dashboards.normalize import normalise, read_export, tree_texts
from growth_analytics.dashboards.server import SUPERSET_VENV, Superset, free_port

SAMPLE = PROJECT_ROOT / "sample_data" / "landing"
LAST_DAY = "2025-04-30"  # the sample's last landing day, held back until the run under load
PASSWORD = "a-test-password-1"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    """The bundled sample up to the day before its last, run through the real pipeline (which
    publishes the serving file)."""
    assert (SUPERSET_VENV / "bin" / "superset").exists(), "run make superset-venv"
    pipeline = Pipeline(tmp_path_factory.mktemp("dashboards"), start="2025-01-01")
    shutil.copytree(SAMPLE, pipeline.landing, dirs_exist_ok=True)
    held = pipeline.landing.parent / "held"
    shutil.move(pipeline.landing / f"dt={LAST_DAY}", held / f"dt={LAST_DAY}")
    pipeline.cli("run", "--end", "2025-04-29")
    pipeline.serving = pipeline.warehouse.with_name("serving.duckdb")
    assert pipeline.serving.exists()
    return pipeline


@pytest.fixture(scope="module")
def superset(pipeline, tmp_path_factory):
    """Superset initialised in a fresh home, the bundle imported, gunicorn on a free port."""
    instance = Superset(home=tmp_path_factory.mktemp("superset_home"), password=PASSWORD)
    instance.initialise()
    instance.import_bundle(build_bundle(Target.duckdb(pipeline.serving)))
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
    shown = {
        dt.datetime.fromtimestamp(row["period_start"] / 1000, dt.UTC).date(): (
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


def test_sql_lab_cannot_read_local_files_write_or_unlock_duckdb(client):
    databases = client.listing("database", ["id", "database_name"])
    (database_id,) = [d["id"] for d in databases if d["database_name"] == "growth_analytics"]
    ok = client.sql(database_id, "SELECT COUNT(*) AS n FROM analytics.growth_accounting_daily")
    assert ok.status_code == 200, ok.text[:500]
    assert ok.json()["data"][0]["n"] > 0
    refused = {
        "SELECT * FROM read_csv('/etc/passwd')": "file system operations are disabled",
        "SELECT * FROM read_text('/etc/hostname')": "file system operations are disabled",
        "SET enable_external_access = true": "",
        "CREATE TABLE analytics.x AS SELECT 1 AS a": "",
        "COPY (SELECT 1) TO '/tmp/leak.csv'": "",
    }
    for sql, message in refused.items():
        response = client.sql(database_id, sql)
        assert response.status_code != 200, f"{sql} was allowed: {response.text[:300]}"
        assert message in response.text, f"{sql}: {response.text[:300]}"
    assert not Path("/tmp/leak.csv").exists()


def test_every_dashboard_draws_in_a_browser_without_errors(superset, tmp_path):
    instance, base_url = superset
    slugs = dashboard_slugs()
    code, results = take_screenshots(instance, base_url, tmp_path, slugs)
    assert code == 0, json.dumps(results, indent=1)
    for result in results:
        assert result["charts"] > 0 and result["drawn"] == result["charts"], result
        assert not result["errors"] and result["not_blank"], result
        assert Path(result["png"]).stat().st_size > 20_000, result
    # Drawing a dashboard makes the browser store the colours it chose: not an edit.
    assert_export_is_the_committed_tree(instance)


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
