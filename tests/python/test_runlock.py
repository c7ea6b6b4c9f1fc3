"""One writer at a time: concurrent cron invocations do not both write; the state stays valid."""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import BIN, PROJECT_ROOT, write_csv

from growth_analytics.runlock import EXIT_LOCKED, RunLocked, exclusive_run, lock_path

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
    p = make_pipeline("concurrent", start="2025-03-01")
    write_csv(
        p.landing / "dt=2025-03-02" / "a.csv",
        f"{HEADER}\n2025-03-02 10:00:00,u_1,like,,,web,organic,SG\n",
    )
    cmd = [str(BIN / "growth-analytics"), "run", "--init"]
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
    assert p.sqlmesh("run").returncode == 0
    plan = p.sqlmesh("plan", "--no-prompts", "--skip-tests")
    assert "No changes to plan" in plan.stdout, plan.stdout
    assert p.scalar("SELECT COUNT(*) FROM analytics.fct_events") == 1
