"""Measures what publishing the serving file costs on the benchmark warehouse.

    .venv/bin/python benchmarks/bench_publish.py --warehouse /tmp/bench_pipeline/wh/warehouse.duckdb

Publishes the aggregate marts (every table of schema analytics except the event-, user- and
user x day-level ones, which the dashboards do not read) to WORK/serving.duckdb under the
warehouse's run lock, REPEAT times, and prints the tables, then one Markdown table row per publish
(wall seconds, rows, serving file size) and the peak RSS of the process. Results: pipeline.md.
Run bench_pipeline.py first, and not while a pipeline run writes that warehouse.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

import duckdb

from growth_analytics.runlock import exclusive_run
from growth_analytics.serving import publish

# Event-level, user-level and user x day tables: large, and not read by dashboards.
EXCLUDED = {"fct_events", "rejected_events", "user_engagement_daily", "dim_users", "user_streaks"}


def aggregate_marts(warehouse: Path) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'analytics' ORDER BY table_name"
            ).fetchall()
        ]
        left_out = [n for n in names if n in EXCLUDED or n.startswith("users_")]
        sizes = [
            (n, con.execute(f"SELECT count(*) FROM analytics.{n}").fetchone()[0]) for n in left_out
        ]
    return [("analytics", n) for n in names if n not in left_out], sizes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--warehouse", type=Path, default=Path("/tmp/bench_pipeline/wh/warehouse.duckdb")
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_publish"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} does not exist: run benchmarks/bench_pipeline.py first")
    serving = args.work / "serving.duckdb"
    serving.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_run(args.warehouse, "benchmarks/bench_publish.py"):
        tables, left_out = aggregate_marts(args.warehouse)
        print(f"warehouse: {args.warehouse} ({args.warehouse.stat().st_size / 1e6:,.0f} MB)")
        print("left out (rows):", ", ".join(f"{n} {rows:,}" for n, rows in left_out))
        print("published:", ", ".join(t for _, t in tables), "\n")
        print("| publish | tables | rows | wall s | serving file MB |\n|---|---|---|---|---|")
        for i in range(1, args.repeat + 1):
            result = publish(args.warehouse, serving, tables)
            size = serving.stat().st_size / 1e6
            cells = [
                i,
                len(result.tables),
                f"{result.rows:,}",
                f"{result.seconds:.2f}",
                f"{size:.1f}",
            ]
            print("| " + " | ".join(map(str, cells)) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:,.0f} MB")
    for schema, table, rows in result.tables:
        print(f"  {schema}.{table}: {rows:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
