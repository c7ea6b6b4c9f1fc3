"""Configuration: local commands need no cloud credentials; BigQuery without them fails clearly."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import PROJECT_ROOT, model_files

from growth_analytics.project import load_target
from growth_analytics.settings import Settings, SettingsError


def test_every_local_command_works_without_gcp_credentials(make_pipeline):
    pipeline = make_pipeline()
    done = pipeline.sqlmesh("info")
    assert "Data warehouse connection succeeded" in done.stdout
    # Every model the files define, a blueprint's models each counted.
    assert f"Models: {len(model_files())}" in done.stdout


def test_bigquery_gateway_without_credentials_fails_at_once_naming_the_variables(make_pipeline):
    pipeline = make_pipeline()
    began = time.monotonic()
    done = pipeline.sqlmesh("--gateway", "bigquery", "plan", "--no-prompts", check=False)
    elapsed = time.monotonic() - began
    assert done.returncode != 0
    output = " ".join((done.stdout + done.stderr).split())
    assert "ANALYTICS_BQ_PROJECT" in output
    assert "GOOGLE_APPLICATION_CREDENTIALS" in output
    # No network retries: the placeholder fails on its first connection (measured: about 3 s).
    assert elapsed < 60, f"took {elapsed:.0f}s"


def test_bigquery_gateway_is_configured_when_credentials_are_set(make_pipeline):
    """With the variables set, the gateway really is BigQuery (not the placeholder)."""
    pipeline = make_pipeline()
    pipeline.env.update(ANALYTICS_BQ_PROJECT="my-project", ANALYTICS_BQ_USE_ADC="1")
    code = (
        "from pathlib import Path\n"
        "from sqlmesh.core.config import Config\n"
        "from sqlmesh.core.config.loader import load_configs\n"
        "cfg = list(load_configs(None, Config, [Path('.')]).values())[0]\n"
        "c = cfg.get_connection('bigquery')\n"
        "print(c.type_, c.project, c.location)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=pipeline.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["bigquery", "my-project", "US"]


@pytest.mark.parametrize("stem", ["analytics", "raw", "Staging", "intermediate"])
def test_warehouse_named_after_a_schema_is_refused(stem, monkeypatch):
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", f"/tmp/{stem}.duckdb")
    with pytest.raises(SettingsError, match=r"ANALYTICS_WAREHOUSE=.*stem"):
        load_target("local")


def test_settings_come_from_sqlmesh_s_configuration(monkeypatch):
    """The defaults are config.yaml's, as SQLMesh loads it; a late-days value that is not a
    whole number fails by name before any model is rendered."""
    for name in ("ANALYTICS_WAREHOUSE", "ANALYTICS_LATE_DAYS", "ANALYTICS_SERVING"):
        monkeypatch.delenv(name, raising=False)
    target = load_target("local")
    assert target.warehouse == PROJECT_ROOT / "data" / "warehouse.duckdb"
    assert target.variables["late_arrival_days"] == 3
    assert Settings.for_warehouse(target.warehouse).serving == target.warehouse.with_name(
        "serving.duckdb"
    )
    monkeypatch.setenv("ANALYTICS_LATE_DAYS", "7")
    assert load_target("local").variables["late_arrival_days"] == 7
    for wrong in ("three", "-1"):
        monkeypatch.setenv("ANALYTICS_LATE_DAYS", wrong)
        with pytest.raises(SettingsError, match="ANALYTICS_LATE_DAYS"):
            load_target("local")
