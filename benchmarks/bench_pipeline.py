"""Measures what a full backfill and a daily run cost on the benchmark preset (10M+ events).

    .venv/bin/python benchmarks/bench_pipeline.py --work /tmp/bench_pipeline

Generates the preset into WORK/landing, holds back the last landing day, runs the backfill
(`growth-analytics run --end <day before>`), then lands the last day and runs the daily pipeline
for it alone, then runs once more with nothing new. Prints one Markdown table row per step with
wall time and the peak RSS of the process tree (from /usr/bin/time). Results: pipeline.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(label: str, cmd: list[str], env: dict[str, str]) -> tuple[str, float, int]:
    began = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return label, seconds, rss // 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_pipeline"))
    args = parser.parse_args()
    from growth_analytics.generator import PRESETS, generate

    config = PRESETS["benchmark"]
    shutil.rmtree(args.work, ignore_errors=True)
    landing = args.work / "landing"
    stats = generate(config, landing)
    last = config.end
    held = args.work / "held" / f"dt={last.isoformat()}"
    held.parent.mkdir(parents=True)
    shutil.move(landing / f"dt={last.isoformat()}", held)
    env = {
        **os.environ,
        "ANALYTICS_LANDING_DIR": str(landing),
        "ANALYTICS_WAREHOUSE": str(args.work / "wh" / "warehouse.duckdb"),
        "ANALYTICS_START": config.start.isoformat(),
    }
    cli = str(BIN / "growth-analytics")
    before = (last - dt.timedelta(days=1)).isoformat()
    rows = [timed(f"backfill {config.start} .. {before}", [cli, "run", "--end", before], env)]
    shutil.move(held, landing / f"dt={last.isoformat()}")
    rows.append(timed(f"daily run for {last}", [cli, "run", "--end", last.isoformat()], env))
    rows.append(timed("daily run, nothing new", [cli, "run", "--end", last.isoformat()], env))
    size = (args.work / "wh" / "warehouse.duckdb").stat().st_size / 1e6
    print(f"{stats.events_written:,} rows in {stats.files} files; warehouse {size:,.0f} MB")
    print("| step | wall s | peak RSS MB |\n|---|---|---|")
    for label, seconds, rss in rows:
        print(f"| {label} | {seconds:.1f} | {rss:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
