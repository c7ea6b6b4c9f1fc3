"""Shared fixtures: run the real pipeline (the project's CLI and SQLMesh, as subprocesses) on a
landing folder into a throw-away DuckDB file, and read the results back."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PUBLIC_SAMPLE = PROJECT_ROOT.parent / "shared" / "data" / "heymax_v2025" / "event_stream.csv"


def model_files() -> dict[str, tuple[Path, bool]]:
    """Every model the project's files define: name -> (file, is it EMBEDDED), read from the files
    themselves rather than from SQLMesh, with a blueprint model's names expanded (its `name` holds
    @{var}, one model per tuple of `blueprints (...)`)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((PROJECT_ROOT / "models").rglob("*.sql")):
        text = path.read_text()
        match = re.search(r"\bMODEL\s*\(\s*name\s+([\w.@{}]+)", text, re.IGNORECASE)
        assert match, f"no MODEL (name ...) block in {path}"
        embedded = re.search(r"\bkind\s+EMBEDDED\b", text, re.IGNORECASE) is not None
        name = match.group(1)
        if "@" not in name:
            found[name] = (path, embedded)
            continue
        opening = re.search(r"\bblueprints\s*\(", text, re.IGNORECASE)
        assert opening, f"{path}: name {name} has variables but no blueprints (...)"
        depth, end = 1, opening.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        for variables in re.findall(r"\(([^()]*)\)", text[opening.end() : end - 1]):
            values = dict(re.findall(r"(\w+)\s*:=\s*([\w.]+)", variables))
            expanded = re.sub(r"@\{?(\w+)\}?", lambda m, v=values: v[m.group(1)], name)
            found[expanded] = (path, embedded)
    return found


def pipeline_env(landing: Path, warehouse: Path, start: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "GOOGLE_"))}
    env.update(
        ANALYTICS_LANDING_DIR=str(landing),
        ANALYTICS_WAREHOUSE=str(warehouse),
        ANALYTICS_START=start,
        SQLMESH__DISABLE_ANONYMIZED_ANALYTICS="1",
        # SQLMesh's console wraps its messages at the terminal's width (80 without one), which
        # splits a long temporary path, and the file name a test looks for, across two lines.
        COLUMNS="400",
        **extra,
    )
    return env


# What a plan made by a test skips: SQLMesh's unit tests and linter, which `make unit` and
# `make lint` run once for the whole project (each plan ran them again: about 7 s).
SKIP_CHECKS = ("--skip-tests", "--skip-linter")


def without_checks(args: tuple[str, ...]) -> tuple[str, ...]:
    """The command's arguments, with SKIP_CHECKS added to the commands that plan."""
    plans = args[:1] == ("plan",) or (args[:1] == ("run",) and "--init" in args)
    return (*args, *SKIP_CHECKS) if plans else args


class Pipeline:
    """A landing folder and a warehouse file, driven through the real command line."""

    def __init__(self, root: Path, start: str) -> None:
        self.landing = root / "landing"
        self.warehouse = root / "wh" / "warehouse.duckdb"
        self.landing.mkdir(parents=True, exist_ok=True)
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self.start = start
        self.env = pipeline_env(self.landing, self.warehouse, start)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run([str(BIN / "growth-analytics"), *without_checks(args)], check)

    def sqlmesh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run([str(BIN / "sqlmesh"), *args], check)

    def _run(self, cmd: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            cmd, cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(cmd)} exited {done.returncode}\n"
                f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        return done

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]

    def table_digest(self, table: str, order_by: str) -> list[tuple]:
        return self.query(f"SELECT * FROM {table} ORDER BY {order_by}")


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Callable[..., Pipeline]:
    def factory(name: str = "p", start: str = "2025-03-01") -> Pipeline:
        return Pipeline(tmp_path / name, start)

    return factory


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder built once per test session and shared by every pytest-xdist worker: the first to
    ask builds it (under a lock, while the others wait), the rest reuse it. For readers only: a
    test that writes works on a copy."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, above each worker's own
    folder = root / f"built-once-{name}"
    with open(root / f"built-once-{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            (folder / ".built").touch()
    return folder


# The public sample's events end on 2025-06-05; the rolling 28-day checks look 56 days further.
PUBLIC_SAMPLE_END = "2025-08-15"
SAMPLE_LANDING = PROJECT_ROOT / "sample_data" / "landing"
DEMO_START, DEMO_END = "2025-01-01", "2025-04-30"


def built_demo(tmp_path_factory) -> Pipeline:
    """The bundled sample planned as `make demo` plans it (from DEMO_START, `plan --end
    DEMO_END`), built once per test session for every worker (test_bigquery_emulator.py compares
    the emulator's tables with it, test_cli_conditions.py works on a copy); its plan's output is
    in plan.log beside the landing folder. Tests only read it. Safe to call from a thread."""

    def build(folder: Path) -> None:
        pipeline = Pipeline(folder, start=DEMO_START)
        shutil.copytree(SAMPLE_LANDING, pipeline.landing, dirs_exist_ok=True)
        done = pipeline.cli("plan", "--end", DEMO_END)
        (folder / "plan.log").write_text(done.stdout + done.stderr)

    return Pipeline(built_once(tmp_path_factory, "demo", build), start=DEMO_START)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Pipeline:
    return built_demo(tmp_path_factory)


@pytest.fixture(scope="session")
def loaded(tmp_path_factory) -> Pipeline:
    """The public sample, loaded once per test session (for every worker) through the real pipeline;
    tests only read it. Skips cleanly where ../shared is absent."""
    if not PUBLIC_SAMPLE.exists():
        pytest.skip(f"public sample not present at {PUBLIC_SAMPLE}")

    def build(folder: Path) -> None:
        pipeline = Pipeline(folder, start="2025-03-07")
        copy_into(PUBLIC_SAMPLE, pipeline.landing / "event_stream.csv")
        pipeline.cli("run", "--init", "--end", PUBLIC_SAMPLE_END)

    return Pipeline(built_once(tmp_path_factory, "public", build), start="2025-03-07")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """The local BigQuery API emulator, a fresh one for each module that uses it: it starts in
    2.5 s, and it slows down with the tables it holds. Shared with test_bigquery_emulator.py's
    whole pipeline, test_bigquery_cli.py's tests took 399 s instead of 254 s (measured with
    --durations, two workers)."""
    from bigquery_emulator.emulator import running_emulator

    with running_emulator(tmp_path_factory.mktemp("bigquery-emulator")) as running:
        yield running


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one `error: ` line of a command that refused, with no traceback; without the prefix."""
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr[-3000:]
    return errors[0].removeprefix("error: ")


def hold_lock_since(anchor, since: dt.datetime) -> subprocess.Popen:
    """A process holding the run lock as a run started at `since` would (a record lock, and its
    line in the file); it prints 'holding' once it does."""
    script = (
        "import fcntl, os, sys, time\n"
        "handle = open(sys.argv[1], 'a+')\n"
        "fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "handle.truncate(0)\n"
        "handle.write(f'pid {os.getpid()}, `growth-analytics run` since {sys.argv[2]}\\n')\n"
        "handle.flush()\n"
        "print('holding', flush=True)\n"
        "time.sleep(120)\n"
    )
    lock = anchor.with_name(anchor.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(lock), since.isoformat(timespec="seconds")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding"
    return process


def write_csv(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to a server started in a session of its own, then SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue


def copy_into(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


# make test runs the tests on two pytest-xdist workers (--dist loadfile): the tests of a module go
# to one worker together, so that its fixtures are built once. Modules are handed out in
# collection order (--no-loadscope-reorder), the longest first, so that the last one to start is
# a short one and neither worker waits long for the other at the end. Measured with --durations
# (figures in docs/development.md); a module not listed comes after, by name.
LONGEST_FIRST = (
    "test_superset.py",
    "test_bigquery_emulator.py",
    "test_bigquery_cli.py",
    "test_interrupted_runs.py",
    "test_cold_start.py",
    "test_incremental_equals_rebuild.py",
    "test_days_that_happened.py",
    "test_late_events.py",
    "test_clock_free.py",
    "test_landing_gcs.py",
    "test_miles_economy.py",
    "test_notifications.py",
    "test_runlock.py",
    "test_user_growth_states.py",
    "test_audits_can_fail.py",
    "test_serving.py",
    "test_cli_conditions.py",
    "test_pipeline_quarantine.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, str]:
        name = item.path.name
        return (LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST), name)

    items.sort(key=rank)  # stable: the tests of a module keep their order
