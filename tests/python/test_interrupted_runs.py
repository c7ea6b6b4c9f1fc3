"""A killed or raced run never leaves the next one blocked or unsafe: `growth-analytics` runs
SQLMesh in its own process, so kill -9 stops every write with it and releases the run lock;
an interrupted first plan makes the next `run` fail at once naming the command that recovers;
a bare `sqlmesh` beside a run is refused by DuckDB's lock on SQLMesh's state, and a run beside a
bare `sqlmesh` exits 75. After each, the recovered warehouse equals a clean run's, table by table.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, PROJECT_ROOT, SAMPLE_LANDING, Pipeline, without_checks

from growth_analytics.cli import EXIT_NEEDS_PLAN
from growth_analytics.runlock import EXIT_LOCKED, exclusive_run

pytestmark = pytest.mark.pipeline

START, END, NEXT = "2025-01-01", "2025-01-20", "2025-01-21"


def tables(pipeline: Pipeline) -> dict[str, list[tuple]]:
    names = pipeline.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('staging', 'intermediate', 'analytics') ORDER BY 1"
    )
    return {name: pipeline.query(f"SELECT * FROM {name} ORDER BY ALL") for (name,) in names}


def new_pipeline(root, name: str) -> Pipeline:
    """A pipeline on the bundled sample itself: these tests only read the landing files, and a
    copy of a warehouse is only production's (the same settings) on the same landing folder."""
    pipeline = Pipeline(root / name, start=START)
    pipeline.landing = SAMPLE_LANDING
    pipeline.env["ANALYTICS_LANDING_DIR"] = str(SAMPLE_LANDING)
    return pipeline


def copy_of(planned: Pipeline, root, name: str) -> Pipeline:
    """A pipeline whose warehouse (and serving file) starts as a copy of `planned`'s."""
    pipeline = new_pipeline(root, name)
    shutil.copytree(planned.warehouse.parent, pipeline.warehouse.parent, dirs_exist_ok=True)
    return pipeline


def start(pipeline: Pipeline, *args: str, group: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "growth-analytics"), *without_checks(args)],
        cwd=PROJECT_ROOT,
        env=pipeline.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=group,
    )


def kill_when(process: subprocess.Popen, marker: str, group: bool = False) -> str:
    """Read the command's output until `marker`, then kill -9 it (or its process group)."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    return "".join(seen)


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Pipeline:
    """The first plan to END, once for the module; tests that start from it work on a copy."""
    pipeline = new_pipeline(tmp_path_factory.mktemp("planned"), "planned")
    pipeline.cli("plan", "--end", END)
    return pipeline


@pytest.fixture(scope="module")
def clean(planned, tmp_path_factory) -> dict[str, list[tuple]]:
    """The tables a clean first plan to END, then a run to NEXT, leave."""
    pipeline = copy_of(planned, tmp_path_factory.mktemp("clean"), "clean")
    pipeline.cli("run", "--end", NEXT)
    return tables(pipeline)


def no_process_left_writing(pipeline: Pipeline) -> None:
    """Nothing holds the run lock or SQLMesh's state: both can be taken at once."""
    import duckdb

    with exclusive_run(pipeline.warehouse, "the test, checking"):
        pass
    duckdb.connect(str(pipeline.warehouse)).close()


def processes_of(pipeline: Pipeline) -> list[int]:
    """Every process whose environment names this pipeline's warehouse: the commands started for
    it and whatever they forked (SQLMesh's loaders carry their parent's environment)."""
    marker = f"ANALYTICS_WAREHOUSE={pipeline.warehouse}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return found


def none_left(pipeline: Pipeline, within: float = 5.0) -> list[int]:
    """The processes of the pipeline still alive after `within` seconds (zombies count as gone)."""
    deadline = time.monotonic() + within
    while True:
        alive = [pid for pid in processes_of(pipeline) if not zombie(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def load_window(pipeline: Pipeline) -> float:
    """Seconds from a command's start until its project is loaded: the last moment the loaders
    SQLMesh forks are seen (`summary` loads the project as `run` does, then reads little)."""
    began = time.monotonic()
    process = start(pipeline, "summary")
    last_seen = None
    while process.poll() is None:
        if any(pid != process.pid for pid in processes_of(pipeline)):
            last_seen = time.monotonic() - began
        time.sleep(0.02)
    process.stdout.read()
    assert last_seen is not None, "SQLMesh forked no loader: MAX_FORK_WORKERS=1 here?"
    return last_seen


def wait_within_load(pipeline: Pipeline, process: subprocess.Popen, after: float) -> None:
    """Until `after` seconds from the command's start, or until the loaders it forked have come
    and gone, whichever is first: the window was measured on a busier machine than this moment's
    (tests run two at a time), and a kill meant for the load must not land after it."""
    began = time.monotonic()
    seen = False
    while time.monotonic() - began < after and process.poll() is None:
        loaders = any(pid != process.pid for pid in processes_of(pipeline) if not zombie(pid))
        if seen and not loaders:
            return
        seen = seen or loaders
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("marker", "group"),
    [
        ("staging.stg_events_classified", False),  # while the models are being built
        ("Model batches executed", False),  # built, prod not yet promoted or finalized
        ("Model batches executed", True),  # the same, the whole process group
    ],
)
def test_a_first_plan_killed_is_recovered(tmp_path, clean, marker, group):
    """Builds its own warehouse: what it kills is the first plan of an empty one."""
    pipeline = new_pipeline(tmp_path, "killed")
    kill_when(start(pipeline, "plan", "--end", END, group=group), marker, group)
    no_process_left_writing(pipeline)

    done = pipeline.cli("run", "--end", NEXT, check=False)
    # At once, not after SQLMesh's hours of waiting for the interrupted plan to finish.
    assert done.returncode == EXIT_NEEDS_PLAN, done.stdout[-2000:] + done.stderr[-2000:]
    assert "growth-analytics plan" in done.stderr
    pipeline.cli("plan", "--end", END)
    pipeline.cli("run", "--end", NEXT)
    assert tables(pipeline) == clean


def test_a_daily_run_killed_is_recovered_by_the_next_run(tmp_path, planned, clean):
    pipeline = copy_of(planned, tmp_path, "daily")
    kill_when(start(pipeline, "run", "--end", NEXT), "staging.stg_events_classified")
    no_process_left_writing(pipeline)
    pipeline.cli("run", "--end", NEXT)
    assert tables(pipeline) == clean


def test_a_bare_sqlmesh_beside_a_run_is_refused_and_harms_nothing(tmp_path, planned, clean):
    pipeline = copy_of(planned, tmp_path, "race")
    run = start(pipeline, "run", "--end", NEXT)
    # Wait until the run is writing, then race it with a bare sqlmesh run.
    for line in run.stdout:
        if "staging.stg_events_classified" in line or "[1/" in line:
            break
    bare = pipeline.sqlmesh("run", "--end", NEXT, check=False)
    assert run.wait(timeout=600) == 0
    assert bare.returncode != 0
    assert "lock" in (bare.stdout + bare.stderr).lower()
    pipeline.cli("run", "--end", NEXT)
    assert tables(pipeline) == clean


def test_a_run_beside_a_bare_sqlmesh_exits_75(tmp_path, planned):
    pipeline = copy_of(planned, tmp_path, "beside")
    holder = subprocess.Popen(
        [
            str(BIN / "python"),
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('holding', flush=True); time.sleep(120)",
            str(pipeline.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        began = time.monotonic()
        done = pipeline.cli("run", "--end", NEXT, check=False)
        assert done.returncode == EXIT_LOCKED, done.stdout[-2000:] + done.stderr[-2000:]
        assert "open in another process" in done.stderr
        assert time.monotonic() - began < 60
    finally:
        holder.kill()
        holder.wait()


def test_kill_9_during_project_load_never_leaves_the_lock_held(tmp_path, planned, clean):
    """kill -9 of the command at 10 points spread over project load (`run`, and `plan` at every
    other point, which loads the project the same way), then of its whole process group at 5:
    each time no process of the command is left (SQLMesh's forked loaders die with it) and the
    next command takes the lock (it is still running when the next kill comes, not refused with
    75); the run after the last kill succeeds and the tables equal a clean build. With flock, the
    orphaned loaders kept the lock and every later command exited 75."""
    pipeline = copy_of(planned, tmp_path, "load")
    window = load_window(pipeline)
    points = [("command", window * (i + 1) / 10) for i in range(10)]
    points += [("group", window * (i + 1) / 5) for i in range(5)]
    started = []
    try:
        for number, (who, after) in enumerate(points):
            command = ("plan", "--end", END) if number % 2 else ("run", "--end", NEXT)
            process = start(pipeline, *command, group=True)
            started.append(process.pid)
            wait_within_load(pipeline, process, after)
            assert process.poll() is None, (
                f"{command[0]} ended before the kill at {after:.2f} s ({who}), exit "
                f"{process.returncode}:\n{process.stdout.read()[-2000:]}"
            )
            if who == "group":
                os.killpg(process.pid, signal.SIGKILL)
            else:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            process.stdout.close()
            left = none_left(pipeline)
            assert left == [], f"after kill -9 at {after:.2f} s ({who}): {left} still alive"
            no_process_left_writing(pipeline)
    finally:
        for pid in started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    pipeline.cli("run", "--end", NEXT)
    assert tables(pipeline) == clean
