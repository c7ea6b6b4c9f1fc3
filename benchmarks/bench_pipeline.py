"""The pipeline against its floor, in one run: a backfill, a daily run and a no-op run of the
project, and one DuckDB query computing the same daily, weekly and monthly growth accounting from
the same Parquet (the floor: the least any design could cost on this machine).

    .venv/bin/python benchmarks/bench_pipeline.py --work /tmp/bench_pipeline
    .venv/bin/python benchmarks/bench_pipeline.py --preset benchmark_100m --work /tmp/bench_100m
    .venv/bin/python benchmarks/bench_pipeline.py --days 90 --work /tmp/bench_90d

--days generates the preset over another number of days (the same app, a shorter or longer
history): the daily run after 90 and after 360 days shows whether its cost grows with history.

Generates the preset into WORK/landing (kept, and reused by the next run with the same preset),
holds back the last landing day, times the floor over the held-in files, backfills everything
before the last day with `growth-analytics plan --end <day before>`, lands the last day and runs
`growth-analytics run` for it, then runs once more with nothing new. Every step is a whole
command under /usr/bin/time (wall time, peak RSS of the process); the per-model times are
SQLMesh's own, from the backfill's output. Prints Markdown tables with the ratios to the floor;
results are written down in pipeline.md (and, with --record, in a JSON file for the plot).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The floor: growth accounting (new, retained, resurrected, churned; README's definitions) per
# day, Monday week and month, straight from the landing Parquet in one query. It skips what the
# pipeline must do besides (quarantine, duplicates, late events, sessions, the other marts), so
# it is a floor, not a rival.
FLOOR_SQL = """
WITH events AS (
    SELECT DISTINCT user_id, CAST(TRY_CAST(event_time AS TIMESTAMP) AS DATE) AS day
    FROM read_parquet({files})
    WHERE TRY_CAST(event_time AS TIMESTAMP) IS NOT NULL AND user_id IS NOT NULL
), periods AS (
    SELECT 'day' AS grain, user_id, day AS period FROM events
    UNION ALL
    SELECT DISTINCT 'week', user_id, CAST(day - CAST((DAYOFWEEK(day) + 6) % 7 AS INTEGER) AS DATE)
    FROM events
    UNION ALL
    SELECT DISTINCT 'month', user_id, CAST(DATE_TRUNC('month', day) AS DATE) FROM events
), firsts AS (
    SELECT grain, user_id, MIN(period) AS first_period FROM periods GROUP BY ALL
), steps AS (
    SELECT grain, CASE grain WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY
        ELSE INTERVAL 1 MONTH END AS step
    FROM (VALUES ('day'), ('week'), ('month')) AS grains (grain)
), shifted AS (
    SELECT periods.grain, periods.user_id, CAST(periods.period + steps.step AS DATE) AS period
    FROM periods JOIN steps USING (grain)
), transitions AS (
    SELECT
        COALESCE(cur.grain, prev.grain) AS grain,
        COALESCE(cur.period, prev.period) AS period,
        COALESCE(cur.user_id, prev.user_id) AS user_id,
        cur.user_id IS NOT NULL AS is_active,
        prev.user_id IS NOT NULL AS was_active
    FROM periods AS cur
    FULL JOIN shifted AS prev
        ON cur.grain = prev.grain AND cur.user_id = prev.user_id AND cur.period = prev.period
)
SELECT
    t.grain,
    t.period,
    COUNT(*) FILTER (WHERE is_active AND f.first_period = t.period) AS new_users,
    COUNT(*) FILTER (WHERE is_active AND was_active) AS retained_users,
    COUNT(*) FILTER (WHERE is_active AND NOT was_active AND f.first_period < t.period)
        AS resurrected_users,
    COUNT(*) FILTER (WHERE was_active AND NOT is_active) AS churned_users
FROM transitions AS t JOIN firsts AS f USING (grain, user_id)
GROUP BY ALL
ORDER BY ALL
"""

FLOOR_SCRIPT = """
import duckdb, sys
con = duckdb.connect()
rows = con.execute(sys.argv[1]).fetchall()
print(len(rows), "growth-accounting rows")
"""

# SQLMesh's progress lines: "[1/6] staging.stg_events_classified [insert ...] 4.71s".
MODEL_LINE = re.compile(r"^\[\d+/\d+\]\s+(\S+)\s.*?(\d+\.\d+)s\s*$")


@dataclasses.dataclass
class Step:
    label: str
    seconds: float
    rss_mb: int
    output: str


def timed(label: str, cmd: list[str], env: dict[str, str]) -> Step:
    """A whole command, under /usr/bin/time when the machine has it (peak RSS), else timed here
    (RSS then from getrusage of the children)."""
    use_time = Path("/usr/bin/time").exists()
    began = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *cmd] if use_time else cmd,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if use_time:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        rss_kb = int(found.group(1))
    else:
        import resource

        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"  {label}: {seconds:.1f} s, {rss_kb // 1024:,} MB", file=sys.stderr)
    return Step(label, seconds, rss_kb // 1024, done.stdout + done.stderr)


def model_seconds(output: str) -> dict[str, float]:
    """Seconds per model over all its batches, from SQLMesh's progress lines (a line may wrap)."""
    totals: dict[str, float] = collections.defaultdict(float)
    text = re.sub(r"\n(?=\S[^\[]*\s\d+\.\d+s\s*$)", " ", output, flags=re.M)
    for line in text.splitlines():
        found = MODEL_LINE.match(line.strip())
        if found:
            totals[found.group(1)] += float(found.group(2))
    return dict(totals)


def pipeline_env(
    landing: Path, warehouse_dir: Path, start: dt.date, memory_limit: str | None
) -> dict[str, str]:
    """The project's settings for a benchmark: its landing folder and a warehouse of its own."""
    env = {
        **os.environ,
        "ANALYTICS_LANDING_DIR": str(landing),
        "ANALYTICS_WAREHOUSE": str(warehouse_dir / "warehouse.duckdb"),
        "ANALYTICS_START": start.isoformat(),
        "PYTHONWARNINGS": "ignore::SyntaxWarning",
    }
    if memory_limit:
        env["ANALYTICS_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return env


def landing_ready(landing: Path, preset: str) -> bool:
    stamp = landing / "_bench_preset.json"
    return stamp.exists() and json.loads(stamp.read_text()).get("preset") == preset


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--preset", default="benchmark", help="generator preset (default: benchmark)"
    )
    parser.add_argument(
        "--days", type=int, help="days of history to generate (default: the preset's)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_pipeline"))
    parser.add_argument(
        "--memory-limit", help="ANALYTICS_DUCKDB_MEMORY_LIMIT for the pipeline (default: config's)"
    )
    parser.add_argument(
        "--record",
        type=Path,
        help="also write the figures into this JSON file, under the preset's name (the plot "
        "benchmarks/plot_pipeline.py draws reads benchmarks/pipeline_results.json)",
    )
    args = parser.parse_args()
    from growth_analytics.generator import PRESETS, generate

    config = PRESETS[args.preset]
    if args.days:
        config = dataclasses.replace(config, days=args.days)
    run_name = f"{args.preset}_{args.days}d" if args.days else args.preset
    landing = args.work / "landing"
    last = config.end
    held = args.work / "held" / f"dt={last.isoformat()}"
    if not landing_ready(landing, run_name):
        shutil.rmtree(args.work, ignore_errors=True)
        print(f"generating {run_name} into {landing}", file=sys.stderr)
        generate(config, landing)
        # The underscore keeps it out of the pipeline's reading (a marker, listed as skipped).
        (landing / "_bench_preset.json").write_text(json.dumps({"preset": run_name}))
    if held.exists():  # an earlier run stopped half-way
        shutil.move(held, landing / held.name)
    shutil.rmtree(args.work / "wh", ignore_errors=True)
    held.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(landing / held.name, held)
    files = sorted(str(p) for p in landing.rglob("*.parquet"))
    events = int(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; print(duckdb.sql(f'SELECT COUNT(*) FROM read_parquet("
                "{sys.argv[1:]})').fetchone()[0])",
                *files,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    input_mb = folder_mb(landing) - (landing / "_bench_preset.json").stat().st_size / 1e6

    env = pipeline_env(landing, args.work / "wh", config.start, args.memory_limit)
    cli = str(BIN / "growth-analytics")
    before = (last - dt.timedelta(days=1)).isoformat()
    floor_sql = FLOOR_SQL.format(files="[" + ", ".join(f"'{f}'" for f in files) + "]")
    floor = timed("floor", [sys.executable, "-c", FLOOR_SCRIPT, floor_sql], env)
    backfill = timed(
        f"backfill {config.start} .. {before} (growth-analytics plan)",
        [cli, "plan", "--end", before],
        env,
    )
    shutil.move(held, landing / held.name)
    daily = timed(
        f"daily run for {last} (growth-analytics run)", [cli, "run", "--end", str(last)], env
    )
    noop = timed("daily run, nothing new", [cli, "run", "--end", str(last)], env)
    warehouse_mb = (args.work / "wh" / "warehouse.duckdb").stat().st_size / 1e6

    print(
        f"\n{run_name}: {events:,} events in {len(files)} Parquet files ({input_mb:,.0f} MB) "
        f"held in for the backfill; warehouse {warehouse_mb:,.0f} MB "
        f"({warehouse_mb / input_mb:.1f}x the input Parquet)\n"
    )
    print("| step | wall s | x floor | peak RSS MB |\n|---|---|---|---|")
    for step in (floor, backfill, daily, noop):
        print(
            f"| {step.label} | {step.seconds:.1f} | {step.seconds / floor.seconds:.1f} "
            f"| {step.rss_mb:,} |"
        )
    if args.record:
        recorded = json.loads(args.record.read_text()) if args.record.exists() else {}
        recorded[run_name] = {
            "measured": dt.date.today().isoformat(),
            "events": events,
            "files": len(files),
            "input_mb": round(input_mb, 1),
            "warehouse_mb": round(warehouse_mb, 1),
            "steps": {
                name: {"seconds": round(step.seconds, 1), "peak_rss_mb": step.rss_mb}
                for name, step in zip(
                    ("floor", "backfill", "daily", "noop"),
                    (floor, backfill, daily, noop),
                    strict=True,
                )
            },
            "backfill_models": {
                name: round(seconds, 1) for name, seconds in model_seconds(backfill.output).items()
            },
            "daily_models": {
                name: round(seconds, 1) for name, seconds in model_seconds(daily.output).items()
            },
        }
        args.record.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    print("\n| model (backfill) | s |\n|---|---|")
    for name, seconds in sorted(model_seconds(backfill.output).items(), key=lambda kv: -kv[1]):
        if seconds >= 0.5:
            print(f"| {name} | {seconds:.1f} |")
    print("\n| model (daily run) | s |\n|---|---|")
    for name, seconds in sorted(model_seconds(daily.output).items(), key=lambda kv: -kv[1]):
        if seconds >= 0.2:
            print(f"| {name} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
