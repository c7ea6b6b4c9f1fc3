"""Does the daily run grow with history? One generated history, and the same kind of one-day run
timed after a short and after a long stretch of it (by default after 90 and after 360 days).

    .venv/bin/python benchmarks/bench_history.py --same-day --work /tmp/bench_history \
        --record benchmarks/history_results.json
    .venv/bin/python benchmarks/bench_history.py --work /tmp/bench_history

Generates the preset over --days days, with its users scaled by the same factor (the same app,
running longer), into WORK/landing (kept for the next run). Two ways to compare:

- --same-day: the last day of the history, run on a warehouse that holds the N days before it, for
  each N of --at (each its own `growth-analytics plan` from ANALYTICS_START = that day - N + 1).
  The day, its events and its users' activity are the same in every run; only the history behind
  it differs. This is the comparison the daily-run target is about.
- otherwise: the day N of the history, for each N of --at, after the N - 1 days before it (the
  app as it runs longer). Later days carry more events (the active base grows), so volume and
  history move together.

In both, each warehouse is kept as it stands before its timed day; `growth-analytics run --end
<day>` (one new day) and a run with nothing new are timed from those copies --repeat times, the
warehouses taken in turn (A B A B ...: a drift in the machine's speed moves both alike), and the
medians are reported. Every step is a whole command (wall time, peak RSS); the per-model times are
SQLMesh's own (of the median run). Prints a Markdown table with the events landed on each timed
day; results are written down in pipeline.md (and, with --record, in a JSON file of their own:
pipeline_results.json holds the backfills the plot draws).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench_pipeline import BIN, Step, landing_ready, model_seconds, pipeline_env, timed


def median_run(runs: list[Step]) -> Step:
    """The run with the median wall time (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    return ordered[(len(ordered) - 1) // 2]


def settle(folder: Path) -> None:
    """Writes a fresh copy's pages to disk before a timed run: left dirty, the run's first fsync
    (DuckDB's first checkpoint) would flush the whole file, a cost that follows the warehouse's
    size and has nothing to do with the run (measured: 0.2 s at 90 days, 0.6 s at 360)."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb+") as file:
                os.fsync(file.fileno())


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
        "--at", default="90,360", help="days of history before the timed run (default: 90,360)"
    )
    parser.add_argument(
        "--same-day",
        action="store_true",
        help="time the history's last day each time, on --at days of history before it",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_history"))
    parser.add_argument("--memory-limit", help="ANALYTICS_DUCKDB_MEMORY_LIMIT for the pipeline")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed daily runs for each day (default: 3)"
    )
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
    warehouse = args.work / "wh"
    shutil.rmtree(warehouse, ignore_errors=True)
    cli = str(BIN / "growth-analytics")

    last = config.start + dt.timedelta(days=args.days - 1)
    days = []  # (history days, timed day, the pipeline's settings)
    for index, n in enumerate(at):
        if args.same_day:
            # n days before the last one, or all there are.
            day, start = last, max(last - dt.timedelta(days=n), config.start)
            shutil.rmtree(warehouse, ignore_errors=True)
        else:
            day, start = config.start + dt.timedelta(days=n - 1), config.start
        env = pipeline_env(landing, warehouse, start, args.memory_limit)
        before = (day - dt.timedelta(days=1)).isoformat()
        first_fill = args.same_day or index == 0
        fill = [cli, "plan" if first_fill else "run", "--end", before]
        timed(f"fill up to {before} from {env['ANALYTICS_START']}", fill, env)
        # The warehouse as it stands before the timed day (DuckDB names the catalog after the
        # file, so the copy is put back under the same name before each timed run).
        shutil.copytree(warehouse, args.work / f"before_{n}", dirs_exist_ok=False)
        days.append((n, day, env))

    timings: dict[int, list[tuple[Step, Step]]] = {n: [] for n, _, _ in days}
    for _ in range(args.repeat):
        for n, day, env in days:
            shutil.rmtree(warehouse)
            shutil.copytree(args.work / f"before_{n}", warehouse)
            settle(warehouse)
            end = ["--end", day.isoformat()]
            daily = timed(f"daily run for {day} (day {n})", [cli, "run", *end], env)
            noop = timed("daily run, nothing new", [cli, "run", *end], env)
            timings[n].append((daily, noop))
    results = []
    for n, day, _ in days:
        daily = median_run([daily for daily, _ in timings[n]])
        noop = median_run([noop for _, noop in timings[n]])
        spread = [round(d.seconds, 1) for d, _ in timings[n]]
        results.append((n, day, day_events(landing, day), daily, noop, spread))
    for n, _, _ in days:
        shutil.rmtree(args.work / f"before_{n}")

    first = results[0][3].seconds
    print(
        f"\n| after | day | events that day | daily run s (median of {args.repeat}) | runs s "
        "| x first | models s | no-op s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n, day, events, daily, noop, spread in results:
        models = sum(model_seconds(daily.output).values())
        runs = ", ".join(map(str, spread))
        print(
            f"| {n} days | {day} | {events:,} | {daily.seconds:.1f} | {runs} "
            f"| {daily.seconds / first:.2f} | {models:.1f} | {noop.seconds:.1f} |"
        )
    for n, _, _, daily, _, _ in results:
        top = sorted(model_seconds(daily.output).items(), key=lambda kv: -kv[1])[:8]
        print(f"\nafter {n} days, slowest models: " + ", ".join(f"{m} {s:.1f}" for m, s in top))
    if args.record:
        recorded = json.loads(args.record.read_text()) if args.record.exists() else {}
        recorded[name + ("_same_day" if args.same_day else "")] = {
            "measured": dt.date.today().isoformat(),
            "users": config.users,
            "days": args.days,
            "repeat": args.repeat,
            "same_day": args.same_day,
            "runs": {
                str(n): {
                    "day": day.isoformat(),
                    "events_that_day": events,
                    "daily_seconds": round(daily.seconds, 1),
                    "daily_seconds_each": spread,
                    "daily_peak_rss_mb": daily.rss_mb,
                    "noop_seconds": round(noop.seconds, 1),
                    "daily_models": {
                        m: round(s, 1) for m, s in model_seconds(daily.output).items()
                    },
                }
                for n, day, events, daily, noop, spread in results
            },
        }
        args.record.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
