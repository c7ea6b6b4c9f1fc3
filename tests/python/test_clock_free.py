"""The same landing files and the same end day give the same tables, whenever and however they are
run: a plan to day N followed by a run to day M, a plan straight to day M, and a plan to day M
followed by a restatement of earlier days agree table by table, every table of every layer
(the fully rebuilt ones included), although the machine's date is long after the sample's."""

from __future__ import annotations

import shutil

import pytest
from conftest import SAMPLE_LANDING, Pipeline

pytestmark = pytest.mark.pipeline

START, FIRST_END, END = "2025-01-01", "2025-01-15", "2025-01-24"


def tables(pipeline: Pipeline) -> list[str]:
    rows = pipeline.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('staging', 'intermediate', 'analytics') ORDER BY 1"
    )
    return [name for (name,) in rows]


def contents(pipeline: Pipeline, table: str) -> list[tuple]:
    return pipeline.query(f"SELECT * FROM {table} ORDER BY ALL")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Pipeline]:
    """Three warehouses on the bundled sample itself (only read): the restated one starts as a
    copy of the plan to END, which is what it would plan again."""
    root = tmp_path_factory.mktemp("clock_free")
    pipelines = {}
    for name in ("plan_then_run", "plan", "plan_then_restate"):
        pipeline = Pipeline(root / name, start=START)
        pipeline.landing = SAMPLE_LANDING
        pipeline.env["ANALYTICS_LANDING_DIR"] = str(SAMPLE_LANDING)
        pipelines[name] = pipeline
    pipelines["plan_then_run"].cli("plan", "--end", FIRST_END)
    pipelines["plan_then_run"].cli("run", "--end", END)
    pipelines["plan"].cli("plan", "--end", END)
    restated = pipelines["plan_then_restate"]
    shutil.copytree(
        pipelines["plan"].warehouse.parent, restated.warehouse.parent, dirs_exist_ok=True
    )
    restated.cli("restate", "--start", "2025-01-05", "--end", "2025-01-08")
    return pipelines


def test_every_layer_has_its_tables(built):
    names = tables(built["plan"])
    assert {"staging.stg_events_classified", "analytics.retention_cohorts_daily"} <= set(names)
    assert "analytics.growth_accounting_daily" in names
    for pipeline in built.values():
        assert tables(pipeline) == names


@pytest.mark.parametrize("other", ["plan_then_run", "plan_then_restate"])
def test_tables_depend_on_the_end_day_not_on_the_way_or_the_clock(built, other):
    reference = built["plan"]
    differing = []
    for table in tables(reference):
        expected, got = contents(reference, table), contents(built[other], table)
        if expected != got:
            differing.append(f"{table}: {len(got)} rows against {len(expected)}")
    assert not differing, "\n".join(differing)


def test_nothing_reaches_past_the_end_day(built):
    for pipeline in built.values():
        last = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
        assert str(last) == END
        cohorts = pipeline.scalar("SELECT MAX(cohort_start) FROM analytics.retention_cohorts_daily")
        assert str(cohorts) <= END
