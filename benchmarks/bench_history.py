"""Does the daily run grow with history? One generated history, and the same one-day run timed
after a short and after a long stretch of it (by default after 90 and after 360 days).

    .venv/bin/python benchmarks/bench_history.py --work /tmp/bench_history \
        --record benchmarks/history_results.json

Generates the preset over --days days, with its users scaled by the same factor (the same app,
running longer), into WORK/landing (kept for the next run). Then, for each day N of --at in
turn: fills the days before N (`growth-analytics plan --end` the first time, `run --end` after),
times `growth-analytics run --end N` (one new day) and a run with nothing new. Every step is a
whole command (wall time, peak RSS); the per-model times are SQLMesh's own. Prints a Markdown
table with the events landed on each day N, so that a difference in volume is not read as one in
history; results are written down in pipeline.md (and, with --record, in a JSON file of their
own: pipeline_results.json holds the backfills the plot draws).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench_pipeline import BIN, landing_ready, model_seconds, pipeline_env, timed


def day_events(landing: Path, day: dt.date) -> int:
    """Rows in the landing files of one day, counted by DuckDB in a process of its own."""
    files = sorted(str(p) for p in (landing / f"dt={day.isoformat()}").glob("*.parquet"))
    script = (
        "import duckdb, sys; "
        "print(duckdb.sql(f'SELECT COUNT(*) FROM read_parquet({sys.argv[1:]})').fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *files], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--preset", default="benchmark", help="generator preset (default: benchmark)"
    )
    parser.add_argument("--days", type=int, default=360, help="days of history (default: 360)")
    parser.add_argument(
        "--at", default="90,360", help="days after which to time a daily run (default: 90,360)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_history"))
    parser.add_argument("--memory-limit", help="ANALYTICS_DUCKDB_MEMORY_LIMIT for the pipeline")
    parser.add_argument("--record", type=Path, help="also write the figures into this JSON file")
    args = parser.parse_args()
    from growth_analytics.generator import PRESETS, generate

    preset = PRESETS[args.preset]
    config = dataclasses.replace(
        preset, days=args.days, users=round(preset.users * args.days / preset.days)
    )
    at = sorted(int(n) for n in args.at.split(","))
    if not at or at[0] < 2 or at[-1] > args.days:
        sys.exit(f"--at {args.at}: expected days between 2 and --days ({args.days})")
    name = f"{args.preset}_{args.days}d_history"
    landing = args.work / "landing"
    if not landing_ready(landing, name):
        shutil.rmtree(args.work, ignore_errors=True)
        print(f"generating {name} ({config.users:,} users) into {landing}", file=sys.stderr)
        generate(config, landing)
        (landing / "_bench_preset.json").write_text(json.dumps({"preset": name}))
    shutil.rmtree(args.work / "wh", ignore_errors=True)
    env = pipeline_env(landing, args.work / "wh", config.start, args.memory_limit)
    cli = str(BIN / "growth-analytics")

    results = []
    for index, n in enumerate(at):
        day = config.start + dt.timedelta(days=n - 1)
        before = (day - dt.timedelta(days=1)).isoformat()
        fill = [cli, "plan", "--end", before] if index == 0 else [cli, "run", "--end", before]
        timed(f"fill up to {before}", fill, env)
        daily = timed(f"daily run for {day} (day {n})", [cli, "run", "--end", day.isoformat()], env)
        noop = timed("daily run, nothing new", [cli, "run", "--end", day.isoformat()], env)
        results.append((n, day, day_events(landing, day), daily, noop))

    first = results[0][3].seconds
    print("\n| after | day | events that day | daily run s | x first | models s | no-op s |")
    print("|---|---|---|---|---|---|---|")
    for n, day, events, daily, noop in results:
        models = sum(model_seconds(daily.output).values())
        print(
            f"| {n} days | {day} | {events:,} | {daily.seconds:.1f} | {daily.seconds / first:.2f} "
            f"| {models:.1f} | {noop.seconds:.1f} |"
        )
    for n, _, _, daily, _ in results:
        top = sorted(model_seconds(daily.output).items(), key=lambda kv: -kv[1])[:8]
        print(f"\nafter {n} days, slowest models: " + ", ".join(f"{m} {s:.1f}" for m, s in top))
    if args.record:
        recorded = json.loads(args.record.read_text()) if args.record.exists() else {}
        recorded[name] = {
            "measured": dt.date.today().isoformat(),
            "users": config.users,
            "days": args.days,
            "runs": {
                str(n): {
                    "day": day.isoformat(),
                    "events_that_day": events,
                    "daily_seconds": round(daily.seconds, 1),
                    "daily_peak_rss_mb": daily.rss_mb,
                    "noop_seconds": round(noop.seconds, 1),
                    "daily_models": {
                        m: round(s, 1) for m, s in model_seconds(daily.output).items()
                    },
                }
                for n, day, events, daily, noop in results
            },
        }
        args.record.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
