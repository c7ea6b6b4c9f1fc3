"""Expected conditions end in one line naming the file or the setting and what to do, with a
documented exit code, never a traceback; a command that refuses writes nothing; a successful
backfill logs no traceback; and the summary explains the non-blocking growth alert in plain
words."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import BIN, PROJECT_ROOT, SAMPLE_LANDING, Pipeline, one_error_line, write_csv

from growth_analytics.cli import EXIT_IO_ERROR, EXIT_NEEDS_PLAN, EXIT_PUBLISH_FAILED
from growth_analytics.exits import EXIT_LANDING, EXIT_SETTING
from growth_analytics.runlock import EXIT_LOCKED, exclusive_run

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def sample(demo_build, tmp_path_factory) -> Pipeline:
    """The bundled sample, planned as `make demo` plans it: a copy of the session's warehouse
    (conftest.py's demo_build), since the tests here write beside it (lock and serving files),
    on the landing folder it was planned with; the plan's output is demo_build's."""
    pipeline = Pipeline(tmp_path_factory.mktemp("sample"), start=demo_build.start)
    pipeline.landing = demo_build.landing
    pipeline.env["ANALYTICS_LANDING_DIR"] = str(demo_build.landing)
    shutil.copytree(demo_build.warehouse.parent, pipeline.warehouse.parent, dirs_exist_ok=True)
    pipeline.backfill_log = (demo_build.landing.parent / "plan.log").read_text()
    return pipeline


def test_a_successful_backfill_logs_no_traceback(sample):
    """A cron log with tracebacks in every successful run buries the one that matters (SQLMesh
    0.236.4 logged six about a column comment on a table without that column)."""
    assert "Traceback" not in sample.backfill_log, sample.backfill_log[-5000:]
    assert "not registered" not in sample.backfill_log


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
    # Refusing wrote nothing: no empty warehouse, no lock file.
    assert list(empty.warehouse.parent.iterdir()) == []


def test_a_warehouse_that_cannot_be_created_is_one_line(tmp_path):
    pipeline = Pipeline(tmp_path / "p", start="2025-01-01")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    pipeline.env["ANALYTICS_WAREHOUSE"] = str(blocker / "warehouse.duckdb")
    write_csv(pipeline.landing / "dt=2025-01-02" / "events.csv", "")
    done = pipeline.cli("run", "--init", "--end", "2025-01-02", check=False)
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


HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Pipeline:
    """Two landing days and no warehouse: every refusal below comes before anything is written."""
    pipeline = Pipeline(tmp_path_factory.mktemp("small"), start="2025-01-01")
    for day in ("2025-01-01", "2025-01-02"):
        write_csv(
            pipeline.landing / f"dt={day}" / "events.csv",
            f"{HEADER}\n{day} 10:00:00,u_1,like,,,web,organic,SG\n",
        )
    return pipeline


# (command, settings, exit code, what the one line names): each one was a traceback of 22 to 110
# lines and exit 1, or was accepted.
BAD_INPUTS = [
    (
        ("run", "--init"),
        {"ANALYTICS_LANDING_DIR": "{root}/missing"},
        EXIT_LANDING,
        "does not exist",
    ),
    (("plan",), {"ANALYTICS_LANDING_DIR": "{root}/missing"}, EXIT_LANDING, "does not exist"),
    (("run", "--init"), {"ANALYTICS_LANDING_DIR": "{root}/a-file"}, EXIT_LANDING, "is a file"),
    (("run", "--init"), {}, EXIT_LANDING, "dt=2025-01-02/notes.json: unsupported file type"),
    (("plan",), {"ANALYTICS_START": "banana"}, EXIT_SETTING, "ANALYTICS_START='banana'"),
    (("plan",), {"ANALYTICS_START": "2025-02-30"}, EXIT_SETTING, "not a day of the calendar"),
    (("plan",), {"ANALYTICS_START": "2030-01-01"}, EXIT_SETTING, "after today"),
    (("plan", "--end", "2024-12-01"), {}, EXIT_SETTING, "before ANALYTICS_START=2025-01-01"),
    (("plan",), {"ANALYTICS_LATE_DAYS": "[1"}, EXIT_SETTING, "ANALYTICS_LATE_DAYS='[1'"),
    (("plan",), {"ANALYTICS_LATE_DAYS": "1000000000"}, EXIT_SETTING, "from 0 to 366"),
    (
        ("run", "--init"),
        {"ANALYTICS_WAREHOUSE": '{root}/wh/ware"house.duckdb'},
        EXIT_SETTING,
        "'\"'",
    ),
    (("plan",), {"ANALYTICS_BQ_MAXIMUM_BYTES_BILLED": "abc"}, EXIT_SETTING, "BYTES_BILLED='abc'"),
    (("plan",), {"ANALYTICS_BQ_PRIORITY": "urgent"}, EXIT_SETTING, "interactive, batch"),
    (("plan",), {"ANALYTICS_DUCKDB_MEMORY_LIMIT": "lots"}, EXIT_SETTING, "MEMORY_LIMIT='lots'"),
    (("run", "--init"), {"ANALYTICS_RUN_LOCK_MAX_HOURS": "soon"}, EXIT_SETTING, "LOCK_MAX_HOURS"),
    (("run", "--init"), {"ANALYTICS_LANDING_AHEAD_DAYS": "-1"}, EXIT_SETTING, "from 0 to 7"),
    (("run", "--init"), {"ANALYTICS_WAREHOUSE": ""}, EXIT_SETTING, "set but empty"),
    (("summary",), {"ANALYTICS_GATEWAY": "snowflake"}, EXIT_SETTING, "local, bigquery"),
    (("run", "--init", "--end", "2025-1-5"), {}, EXIT_SETTING, "expected a date"),
]


@pytest.mark.parametrize(("args", "settings", "code", "names"), BAD_INPUTS)
def test_a_bad_input_is_one_line_and_its_exit_code(small, args, settings, code, names):
    root = small.landing.parent
    (root / "a-file").write_text("not a folder\n")
    json_file = small.landing / "dt=2025-01-02" / "notes.json"
    if names.startswith("dt=2025-01-02/notes.json"):
        json_file.write_text("{}\n")
    try:
        env = {**small.env, **{k: v.format(root=root) for k, v in settings.items()}}
        done = subprocess.run(
            [str(BIN / "growth-analytics"), *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        json_file.unlink(missing_ok=True)
    assert done.returncode == code, done.stderr[-3000:]
    assert names in one_error_line(done)
    assert list(small.warehouse.parent.iterdir()) == []


def test_a_full_disk_is_exit_74_and_one_line(tmp_path):
    """The warehouse on a 6 MB file system of its own (tmpfs, mounted in a mount namespace of
    this test's: `unshare --mount --map-root-user`), which the sample's backfill outgrows."""
    pipeline = Pipeline(tmp_path / "full", start="2025-01-01")
    shutil.copytree(SAMPLE_LANDING, pipeline.landing, dirs_exist_ok=True)
    folder = pipeline.warehouse.parent
    mount = f"mount -t tmpfs -o size=6m tmpfs {folder}"
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-c",
            f'{mount} && exec "$0" plan --end 2025-04-30',
            str(BIN / "growth-analytics"),
        ],
        cwd=PROJECT_ROOT,
        env=pipeline.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == EXIT_IO_ERROR, done.stdout[-2000:] + done.stderr[-3000:]
    line = one_error_line(done)
    assert f"no space left on the device of {folder}" in line
