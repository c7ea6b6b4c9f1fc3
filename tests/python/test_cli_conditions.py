"""Expected conditions end in one line naming the file and what to do, with a documented exit
code, never a traceback; and the summary explains the non-blocking growth alert in plain words."""

from __future__ import annotations

import shutil

import pytest
from conftest import PROJECT_ROOT, Pipeline

from growth_analytics.cli import EXIT_IO_ERROR, EXIT_NEEDS_PLAN, EXIT_PUBLISH_FAILED
from growth_analytics.runlock import EXIT_LOCKED, exclusive_run

SAMPLE_LANDING = PROJECT_ROOT / "sample_data" / "landing"


def one_error_line(done) -> str:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr[-3000:]
    return errors[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Pipeline:
    """The bundled sample, planned as `make demo` plans it."""
    pipeline = Pipeline(tmp_path_factory.mktemp("sample"), start="2025-01-01")
    shutil.copytree(SAMPLE_LANDING, pipeline.landing, dirs_exist_ok=True)
    pipeline.cli("plan", "--end", "2025-04-30")
    return pipeline


def test_summary_explains_the_growth_alert(sample):
    done = sample.cli("summary")
    # April 2025 of the sample lost more users than it won: the audit that warns about it is
    # non-blocking, and the summary says what the warning means.
    assert "growth alert for April 2025 (2025-04-01 to 2025-04-30)" in done.stdout
    assert "not a failure of the pipeline" in done.stdout
    ratio = sample.scalar(
        "SELECT quick_ratio FROM analytics.quick_ratio_analysis "
        "WHERE period_grain = 'month' AND period_start = DATE '2025-04-01'"
    )
    assert ratio < 1
    assert f"quick ratio {ratio:.2f}" in done.stdout


def test_summary_and_run_without_production_say_what_to_do(tmp_path):
    empty = Pipeline(tmp_path / "empty", start="2025-01-01")
    for args in (("summary",), ("run", "--end", "2025-01-02")):
        done = empty.cli(*args, check=False)
        assert done.returncode == EXIT_NEEDS_PLAN
        line = one_error_line(done)
        assert "no production environment yet" in line and str(empty.warehouse) in line
        assert "growth-analytics plan" in line


def test_a_warehouse_that_cannot_be_created_is_one_line(tmp_path):
    pipeline = Pipeline(tmp_path / "p", start="2025-01-01")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    pipeline.env["ANALYTICS_WAREHOUSE"] = str(blocker / "warehouse.duckdb")
    done = pipeline.cli("run", "--end", "2025-01-02", check=False)
    assert done.returncode == EXIT_IO_ERROR
    assert str(blocker) in one_error_line(done)


def test_a_serving_file_that_cannot_be_written_is_one_line(sample, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    sample.env["ANALYTICS_SERVING"] = str(blocker / "serving.duckdb")
    try:
        done = sample.cli("publish", check=False)
    finally:
        del sample.env["ANALYTICS_SERVING"]
    assert done.returncode == EXIT_PUBLISH_FAILED
    line = one_error_line(done)
    assert "serving file not published" in line and str(blocker) in line


def test_a_locked_warehouse_is_exit_75_naming_the_holder(sample):
    with exclusive_run(sample.warehouse, "a writer, in the test"):
        done = sample.cli("run", "--end", "2025-04-30", check=False)
    assert done.returncode == EXIT_LOCKED
    assert "a writer, in the test" in one_error_line(done)
