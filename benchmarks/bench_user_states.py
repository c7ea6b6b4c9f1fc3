"""What the user-level growth states (analytics.user_growth_states_weekly, _monthly) cost at a
real size: rows, bytes in the warehouse, model time, user-list queries, the serving file.

    .venv/bin/python benchmarks/bench_user_states.py build --preset benchmark --work /tmp/bench_ugs
    .venv/bin/python benchmarks/bench_user_states.py measure --work /tmp/bench_ugs

`build` does what benchmarks/bench_pipeline.py does (its functions): generates the preset into
WORK/landing (reused when already there), holds back the last landing day, backfills everything
before it with `growth-analytics plan --end <day before>`, lands the last day, runs it, then runs
once more with nothing new; each command's whole output goes to WORK/logs/<step>.log and the
per-model times (SQLMesh's own progress lines) to WORK/logs/models.json.

`measure` reads WORK/wh/warehouse.duckdb (a copy of it, so the warehouse stays untouched):
row counts and states of both tables, their size from DuckDB's storage_info (blocks of the
physical tables x the block size) and from the file size of copies with and without them, the
user-list queries ("churned last week", "came back last month") on the warehouse and on a serving
file, and publish() of the serving file with published_tables() as it is, with the two tables
added, and with the two tables cut to non-dormant rows plus the dormant rows of the last N
periods (an alternative, measured on copies; serving.py is not changed). Results: pipeline.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# benchmarks/ is not a package: bench_pipeline is imported from beside this file.
from bench_pipeline import (
    BIN,
    landing_ready,
    model_seconds,
    pipeline_env,
    timed,
)

UGS = ("user_growth_states_weekly", "user_growth_states_monthly")


def build(args: argparse.Namespace) -> int:
    from growth_analytics.generator import PRESETS, generate

    config = PRESETS[args.preset]
    landing = args.work / "landing"
    logs = args.work / "logs"
    last = config.end
    held = args.work / "held" / f"dt={last.isoformat()}"
    if not landing_ready(landing, args.preset):
        shutil.rmtree(args.work, ignore_errors=True)
        print(f"generating {args.preset} into {landing}", file=sys.stderr)
        began = time.perf_counter()
        generate(config, landing)
        (landing / "_bench_preset.json").write_text(json.dumps({"preset": args.preset}))
        print(f"  generated in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    if held.exists():
        shutil.move(held, landing / held.name)
    shutil.rmtree(args.work / "wh", ignore_errors=True)
    held.parent.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    shutil.move(landing / held.name, held)

    env = pipeline_env(landing, args.work / "wh", config.start, args.memory_limit)
    cli = str(BIN / "growth-analytics")
    before = (last - dt.timedelta(days=1)).isoformat()
    steps = {}
    steps["backfill"] = timed(f"backfill .. {before}", [cli, "plan", "--end", before], env)
    shutil.move(held, landing / held.name)
    steps["daily"] = timed(f"daily run {last}", [cli, "run", "--end", str(last)], env)
    steps["noop"] = timed("no-op run", [cli, "run", "--end", str(last)], env)
    for name, step in steps.items():
        (logs / f"{name}.log").write_text(step.output)
    record = {
        name: {
            "seconds": round(step.seconds, 2),
            "peak_rss_mb": step.rss_mb,
            "models": {m: round(s, 2) for m, s in model_seconds(step.output).items()},
        }
        for name, step in steps.items()
    }
    (logs / "models.json").write_text(json.dumps(record, indent=2) + "\n")
    for name, step in steps.items():
        models = record[name]["models"]
        total = sum(models.values())
        ugs = {m: s for m, s in models.items() if m.split(".")[-1] in UGS}
        print(f"{name}: {step.seconds:.1f} s wall, {step.rss_mb:,} MB peak; models {total:.1f} s")
        for model, seconds in sorted(ugs.items()):
            print(f"  {model}: {seconds:.2f} s ({seconds / total:.1%} of the models' time)")
    return 0


CHURNED = """SELECT user_id, last_active_date, first_platform, first_country, first_utm_source
FROM {schema}.user_growth_states_weekly
WHERE period_start = DATE '{period}' AND state = 'churned'"""
RESURRECTED = """SELECT user_id, last_active_date, first_platform, first_country, first_utm_source
FROM {schema}.user_growth_states_monthly
WHERE period_start = DATE '{period}' AND state = 'resurrected'"""


def copy_warehouse(warehouse: Path, folder: Path) -> Path:
    """A copy under the same file name (the catalog is named after it; SQLMesh's views use it)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / warehouse.name
    shutil.copyfile(warehouse, copy)
    return copy


def physical_tables(con) -> dict[str, str]:
    """The SQLMesh physical table behind each analytics.user_growth_states_* view."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name = 'sqlmesh__analytics' AND table_name LIKE '%user_growth_states_%'"
    ).fetchall()
    found = {}
    for schema, table in rows:
        for name in UGS:
            if table.startswith(f"analytics__{name}__"):
                found[name] = f'{schema}."{table}"'
    return found


def used_bytes(con) -> tuple[int, int]:
    size = con.execute("PRAGMA database_size").fetchone()
    names = [d[0] for d in con.description]
    row = dict(zip(names, size, strict=True))
    return int(row["used_blocks"]) * int(row["block_size"]), int(row["block_size"])


def timed_query(con, sql: str, repeat: int) -> tuple[float, float, int]:
    """First run (in a fresh connection), median of the next `repeat`, rows returned."""
    times = []
    rows = 0
    for _ in range(repeat + 1):
        began = time.perf_counter()
        rows = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - began)
    return times[0], statistics.median(times[1:]), rows


def query_times(path: Path, schema: str, weeks: str, months: str, repeat: int) -> dict:
    import duckdb

    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for label, sql in (
            ("churned last week", CHURNED.format(schema=schema, period=weeks)),
            ("resurrected last month", RESURRECTED.format(schema=schema, period=months)),
        ):
            first, median, rows = timed_query(con, sql, repeat)
            out[label] = {"first_s": first, "median_s": median, "rows": rows}
    return out


def publish_once(args: argparse.Namespace) -> int:
    """One process: publish the given tables `repeat` times, print JSON (first and median)."""
    from growth_analytics.serving import publish

    tables = [tuple(t.split(".", 1)) for t in args.tables]
    times = []
    result = None
    for _ in range(args.repeat):
        result = publish(args.warehouse, args.serving, tables)
        times.append(result.seconds)
    print(
        json.dumps(
            {
                "tables": len(result.tables),
                "rows": result.rows,
                "first_s": times[0],
                "median_rest_s": statistics.median(times[1:]) if len(times) > 1 else None,
                "serving_bytes": args.serving.stat().st_size,
            }
        )
    )
    return 0


def publish_variant(warehouse: Path, serving: Path, tables: list, repeat: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "publish-once",
            "--warehouse",
            str(warehouse),
            "--serving",
            str(serving),
            "--repeat",
            str(repeat),
            *[f"{schema}.{table}" for schema, table in tables],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(args: argparse.Namespace) -> int:
    import duckdb

    from growth_analytics.serving import published_tables

    warehouse = args.work / "wh" / "warehouse.duckdb"
    out = args.work / "measure"
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"warehouse_bytes": warehouse.stat().st_size}

    # Rows and states.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in UGS:
            rows = con.execute(
                f"SELECT state, count(*) FROM analytics.{name} GROUP BY ALL ORDER BY ALL"
            ).fetchall()
            periods, users, first, last = con.execute(
                f"SELECT count(DISTINCT period_start), count(DISTINCT user_id), "
                f"min(period_start), max(period_start) FROM analytics.{name}"
            ).fetchone()
            result[name] = {
                "states": dict(rows),
                "rows": sum(n for _, n in rows),
                "periods": periods,
                "users": users,
                "first_period": str(first),
                "last_period": str(last),
            }
        tables = physical_tables(con)
        block_size = used_bytes(con)[1]
        for name, table in tables.items():
            info = con.execute(
                "SELECT count(DISTINCT block_id) FILTER (WHERE persistent "
                "AND block_id >= 0), count(DISTINCT row_group_id) "
                f"FROM pragma_storage_info('{table}')"
            ).fetchone()
            result[name]["physical_table"] = table
            result[name]["storage_info_blocks"] = info[0]
            result[name]["storage_info_bytes"] = info[0] * block_size
            result[name]["row_groups"] = info[1]
            result[name]["estimated_size"] = con.execute(
                "SELECT estimated_size FROM duckdb_tables() WHERE schema_name = ? "
                "AND table_name = ?",
                [table.split(".")[0], table.split(".", 1)[1].strip('"')],
            ).fetchone()[0]

    # Bytes freed when both tables are dropped (used blocks before and after, on a copy).
    copy = copy_warehouse(warehouse, out / "drop")
    with duckdb.connect(str(copy)) as con:
        before, _ = used_bytes(con)
        dropped = {}
        for name, table in tables.items():
            con.execute(f"DROP VIEW analytics.{name}")
            con.execute(f"DROP TABLE {table}")
            con.execute("CHECKPOINT")
            after, _ = used_bytes(con)
            dropped[name] = before - after
            before = after
    result["dropped_bytes"] = dropped
    shutil.rmtree(out / "drop")

    weeks = result["user_growth_states_weekly"]["last_period"]
    months = result["user_growth_states_monthly"]["last_period"]
    result["queries_warehouse"] = query_times(warehouse, "analytics", weeks, months, args.repeat)

    # Serving file: the dashboards' tables as they are, with the two tables, and the alternative.
    base = published_tables()
    with_ugs = [*base, *[("analytics", name) for name in UGS]]
    variants = {
        "published_tables()": (warehouse, base),
        "+ user_growth_states": (warehouse, with_ugs),
    }
    trim = copy_warehouse(warehouse, out / "trim")
    with duckdb.connect(str(trim)) as con:
        con.execute("CREATE SCHEMA ugs_trim")
        for keep in args.keep:
            con.execute(f"CREATE SCHEMA ugs_keep{keep}")
            for name, unit in zip(UGS, ("week", "month"), strict=True):
                last = result[name]["last_period"]
                con.execute(
                    f"CREATE TABLE ugs_keep{keep}.{name} AS SELECT * FROM analytics.{name} "
                    f"WHERE state <> 'dormant' OR period_start > DATE '{last}' "
                    f"- INTERVAL {keep} {unit}"
                )
            variants[f"+ user_growth_states, dormant of the last {keep} periods only"] = (
                trim,
                [*base, *[(f"ugs_keep{keep}", name) for name in UGS]],
            )
    result["serving"] = {}
    for index, (label, (source, tables_)) in enumerate(variants.items()):
        serving = out / f"serving{index}" / "serving.duckdb"
        serving.parent.mkdir(parents=True, exist_ok=True)
        figures = publish_variant(source, serving, tables_, args.publish_repeat)
        schema = tables_[-1][0] if source == trim else "analytics"
        if len(tables_) > len(base):
            figures["queries"] = query_times(serving, schema, weeks, months, args.repeat)
        result["serving"][label] = figures
        print(label, json.dumps(figures), file=sys.stderr)
    shutil.rmtree(out / "trim")

    (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    report(result)
    return 0


def report(r: dict) -> None:
    mb = 1e6
    print(f"warehouse file: {r['warehouse_bytes'] / mb:,.0f} MB\n")
    print(
        "| table | periods | users | rows | dormant | churned | resurrected | storage_info MB "
        "| freed by DROP MB |\n|---|---|---|---|---|---|---|---|---|"
    )
    for name in UGS:
        t = r[name]
        s = t["states"]
        print(
            f"| {name} | {t['periods']} | {t['users']:,} | {t['rows']:,} "
            f"| {s.get('dormant', 0):,} ({s.get('dormant', 0) / t['rows']:.0%}) "
            f"| {s.get('churned', 0):,} | {s.get('resurrected', 0):,} "
            f"| {t['storage_info_bytes'] / mb:.1f} | {r['dropped_bytes'][name] / mb:.1f} |"
        )
    print("\n| query | where | rows | first s | median s |\n|---|---|---|---|---|")
    for label, q in r["queries_warehouse"].items():
        print(f"| {label} | warehouse | {q['rows']:,} | {q['first_s']:.3f} | {q['median_s']:.3f} |")
    for variant, v in r["serving"].items():
        for label, q in v.get("queries", {}).items():
            print(
                f"| {label} | serving ({variant}) | {q['rows']:,} | {q['first_s']:.3f} "
                f"| {q['median_s']:.3f} |"
            )
    print("\n| serving file | tables | rows | MB | first publish s | later publishes s |")
    print("|---|---|---|---|---|---|")
    for variant, v in r["serving"].items():
        later = v["median_rest_s"]
        print(
            f"| {variant} | {v['tables']} | {v['rows']:,} | {v['serving_bytes'] / mb:.1f} "
            f"| {v['first_s']:.2f} | {'' if later is None else f'{later:.2f}'} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="generate the preset, backfill, daily run, no-op")
    b.add_argument("--preset", default="benchmark")
    b.add_argument("--work", type=Path, default=Path("/tmp/bench_ugs"))
    b.add_argument("--memory-limit", help="ANALYTICS_DUCKDB_MEMORY_LIMIT (default: config's)")
    b.set_defaults(func=build)
    m = sub.add_parser("measure", help="rows, bytes, queries and serving file on WORK's warehouse")
    m.add_argument("--work", type=Path, default=Path("/tmp/bench_ugs"))
    m.add_argument("--repeat", type=int, default=5, help="timed runs of each query after the first")
    m.add_argument(
        "--publish-repeat", type=int, default=3, help="publishes per variant, one process"
    )
    m.add_argument(
        "--keep",
        type=int,
        nargs="*",
        default=[1, 4],
        help="the alternative: keep the dormant rows of the last N periods only (N per value)",
    )
    m.set_defaults(func=measure)
    p = sub.add_parser("publish-once", help=argparse.SUPPRESS)
    p.add_argument("--warehouse", type=Path, required=True)
    p.add_argument("--serving", type=Path, required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("tables", nargs="+")
    p.set_defaults(func=publish_once)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
