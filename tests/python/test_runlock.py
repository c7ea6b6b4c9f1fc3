"""One writer at a time: concurrent cron invocations do not both write; the state stays valid; the
lock belongs to the run and to none of its children; a lock that is stuck fails loudly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import (
    BIN,
    PROJECT_ROOT,
    Pipeline,
    hold_lock_since,
    one_error_line,
    without_checks,
    write_csv,
)

from growth_analytics.exits import EXIT_LOCK_STUCK, RETRY_LATER
from growth_analytics.runlock import (
    EXIT_LOCKED,
    Holder,
    LockStuck,
    RunLocked,
    exclusive_run,
    lock_path,
    refusal,
)

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)


def test_second_holder_is_refused_at_once(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with exclusive_run(warehouse, "first"):
        began = time.monotonic()
        with (
            pytest.raises(RunLocked, match=r"pid \d+, `first`"),
            exclusive_run(warehouse, "second"),
        ):
            pass
        assert time.monotonic() - began < 1
    with exclusive_run(warehouse, "third"):  # released when the first one ended
        assert lock_path(warehouse).read_text().startswith("pid ")


def test_concurrent_runs_one_wins_and_state_stays_valid(make_pipeline):
    """Builds its own warehouse: three first runs race for an empty one."""
    p = make_pipeline("concurrent", start="2025-03-01")
    write_csv(
        p.landing / "dt=2025-03-02" / "a.csv",
        f"{HEADER}\n2025-03-02 10:00:00,u_1,like,,,web,organic,SG\n",
    )
    cmd = [str(BIN / "growth-analytics"), *without_checks(("run", "--init"))]
    procs = [
        subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=p.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(proc.wait(timeout=600), proc.stderr.read()) for proc in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, EXIT_LOCKED, EXIT_LOCKED], results
    for code, err in results:
        if code == EXIT_LOCKED:
            assert "another pipeline run holds" in err

    # The state is intact: SQLMesh sees prod, nothing is pending, and the data is there once.
    # Both up to the landing day: a bare `sqlmesh` goes up to the machine's date otherwise, and
    # filled every day since 2025 (a cost that grew by the day).
    assert p.sqlmesh("run", "--end", "2025-03-02").returncode == 0
    plan = p.sqlmesh("plan", "--no-prompts", "--skip-tests", "--execution-time", "2025-03-03")
    assert "No changes to plan" in plan.stdout, plan.stdout
    assert p.scalar("SELECT COUNT(*) FROM analytics.fct_events") == 1


def test_a_child_forked_under_the_lock_never_holds_it(tmp_path):
    """The command takes the lock, forks a child (as SQLMesh forks its loaders) and dies: the
    child lives on, the lock does not. With flock the child kept it, and every later run exited
    75."""
    anchor = tmp_path / "warehouse.duckdb"
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from growth_analytics.runlock import exclusive_run\n"
        "with exclusive_run(Path(sys.argv[1]), 'a run that forks'):\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        os.close(1)\n"
        "        os.close(2)\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    print(child, flush=True)\n"
        "    os._exit(0)\n"
    )
    holder = subprocess.run(
        [sys.executable, "-c", script, str(anchor)], capture_output=True, text=True, check=True
    )
    child = int(holder.stdout.strip())
    try:
        os.kill(child, 0)  # the child is still alive
        with exclusive_run(anchor, "the next run"):
            assert lock_path(anchor).read_text().startswith(f"pid {os.getpid()}, ")
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_lock_held_longer_than_the_limit_fails_loudly(tmp_path):
    pipeline = Pipeline(tmp_path / "stuck", start="2025-03-01")
    write_csv(pipeline.landing / "dt=2025-03-01" / "a.csv", f"{HEADER}\n")
    seven_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=7)
    holder = hold_lock_since(pipeline.warehouse, seven_hours_ago)
    try:
        done = pipeline.cli("run", "--init", check=False)
        assert done.returncode == EXIT_LOCK_STUCK
        assert EXIT_LOCK_STUCK not in RETRY_LATER
        line = one_error_line(done)
        assert f"held for 7.0 h (pid {holder.pid}, `growth-analytics run` since" in line
        assert "ANALYTICS_RUN_LOCK_MAX_HOURS=6" in line and f"kill {holder.pid}" in line

        # A limit above the lock's age: a run in progress, try again later.
        pipeline.env["ANALYTICS_RUN_LOCK_MAX_HOURS"] = "8"
        done = pipeline.cli("run", "--init", check=False)
        assert done.returncode == EXIT_LOCKED
        assert f"pid {holder.pid}" in one_error_line(done)
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_whose_holder_is_not_running_here_is_stuck():
    """The kernel drops a record lock with the process that held it, so on a local disk this
    cannot happen; on a shared file system the lock may be held from another machine, whose pid
    means nothing here. The decision itself, given a pid that is not running."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    holder = Holder(gone.pid, "growth-analytics run", dt.datetime.now(dt.UTC))
    found = refusal(
        PROJECT_ROOT / "x.lock", holder, "growth-analytics run", dt.datetime.now(dt.UTC)
    )
    assert isinstance(found, LockStuck)
    assert f"pid {gone.pid}, which is not running on this machine" in str(found)
    alive = Holder(os.getpid(), "growth-analytics run", dt.datetime.now(dt.UTC))
    assert isinstance(
        refusal(PROJECT_ROOT / "x.lock", alive, "x", dt.datetime.now(dt.UTC)), RunLocked
    )
