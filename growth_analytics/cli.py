"""`growth-analytics`: the project's command line.

growth-analytics run        the daily pipeline for cron: `sqlmesh run` under the run lock
                            (the first time, when production does not exist yet, `sqlmesh plan`)
growth-analytics plan       `sqlmesh plan --auto-apply --no-prompts` under the run lock
growth-analytics restate    re-read a date range's landing files and recompute its tables
                            (re-delivered files, very late events)
growth-analytics publish    copy the dashboards' tables into the serving file, under the run lock
                            (run, prod plan and restate do it after each success)
growth-analytics summary    print what the warehouse holds
growth-analytics metrics    write docs/metrics.md from the METRIC definitions in metrics/
growth-analytics superset   the Superset dashboards: init, import, export, serve, up, screenshots
growth-analytics generate   write synthetic landing files
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from growth_analytics import PROJECT_ROOT
from growth_analytics.dashboards.bundle import BundleError
from growth_analytics.dashboards.server import SupersetError
from growth_analytics.runlock import EXIT_LOCKED, RunLocked, exclusive_run
from growth_analytics.serving import PublishError
from growth_analytics.settings import Settings, SettingsError

# Restating staging re-reads the landing files of the range (a file re-delivered into a day that
# already ran, say) and re-runs everything downstream of it for the range too: the event-time
# models from the range's first day, whatever landed in it.
RESTATE_MODELS = ("staging.stg_events_classified",)
# The warehouse was updated but the serving file could not be; the old one is still served.
EXIT_PUBLISH_FAILED = 3


def sqlmesh_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("sqlmesh")), "--paths", str(PROJECT_ROOT), *args]


def _sqlmesh(*args: str) -> int:
    # SQLMesh compiles its built-in audits' conditions (e.g. `-1 is not None`) at run time, and
    # Python warns about them on every run; they are SQLMesh's own and harmless.
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    return subprocess.run(sqlmesh_command(*args), cwd=PROJECT_ROOT, env=env, check=False).returncode


def production_exists(settings: Settings) -> bool:
    """Whether `sqlmesh plan` has ever been applied to prod in this warehouse."""
    if not settings.warehouse.exists():
        return False
    import duckdb

    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            rows = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'sqlmesh' AND table_name = '_environments'"
            ).fetchone()
            if not rows or not rows[0]:
                return False
            found = con.execute(
                "SELECT count(*) FROM sqlmesh._environments WHERE name = 'prod'"
            ).fetchone()
            return bool(found and found[0])
    except duckdb.Error:
        return False


def publish_serving(settings: Settings) -> int:
    """Publish the dashboards' tables to the serving file. Only under the run lock."""
    from growth_analytics.serving import publish, published_tables

    result = publish(settings.warehouse, settings.serving, published_tables())
    print(result.describe())
    return 0


def then_publish(code: int, settings: Settings) -> int:
    """After a successful write, publish; a failed one publishes nothing and keeps its code."""
    return publish_serving(settings) if code == 0 else code


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    with exclusive_run(settings.warehouse, "growth-analytics run"):
        code = then_publish(run_pipeline(args, settings), settings)
    if code == 0 and args.summary:
        return cmd_summary(args, settings)
    return code


def run_pipeline(args: argparse.Namespace, settings: Settings) -> int:
    if production_exists(settings):
        return _sqlmesh("run", *(["--end", args.end] if args.end else []))
    print("No production environment yet: applying the first plan.", file=sys.stderr)
    # A production plan takes no end date; its execution time bounds the backfill.
    until = ["--execution-time", next_day(args.end)] if args.end else []
    return _sqlmesh("plan", "--auto-apply", "--no-prompts", *until)


def next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    # As in `run`: the execution time, not an end date, bounds what a production plan fills.
    until = ["--execution-time", next_day(args.end)] if args.end else []
    with exclusive_run(settings.warehouse, "growth-analytics plan"):
        code = _sqlmesh(
            "plan",
            *([args.environment] if args.environment else []),
            "--auto-apply",
            "--no-prompts",
            *until,
        )
        if args.environment in (None, "prod"):  # dashboards read prod only
            code = then_publish(code, settings)
    if code == 0 and args.summary:
        return cmd_summary(args, settings)
    return code


def cmd_restate(args: argparse.Namespace, settings: Settings) -> int:
    restate = [arg for model in RESTATE_MODELS for arg in ("--restate-model", model)]
    with exclusive_run(settings.warehouse, "growth-analytics restate"):
        code = _sqlmesh(
            "plan",
            *restate,
            "--start",
            args.start,
            "--end",
            args.end,
            "--auto-apply",
            "--no-prompts",
        )
        return then_publish(code, settings)


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    # The lock too: never read the warehouse while a writer writes it.
    with exclusive_run(settings.warehouse, "growth-analytics publish"):
        return publish_serving(settings)


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from growth_analytics.summary import print_summary

    return print_summary(settings.warehouse)


def cmd_metrics(args: argparse.Namespace, settings: Settings) -> int:
    from growth_analytics.semantic import write_docs

    return write_docs(check=args.check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="growth-analytics",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the daily pipeline (for cron), under the run lock")
    run.add_argument("--summary", action="store_true", help="print a summary afterwards")
    run.add_argument(
        "--end", help="last day to process (default: yesterday); for replays and tests"
    )
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="sqlmesh plan --auto-apply, under the run lock")
    plan.add_argument("environment", nargs="?", help="virtual environment (default: prod)")
    plan.add_argument("--summary", action="store_true", help="print a summary afterwards")
    plan.add_argument(
        "--end", help="last day to fill (default: yesterday); e.g. the last day of a fixed sample"
    )
    plan.set_defaults(func=cmd_plan)

    restate = sub.add_parser(
        "restate", help="re-read a date range's landing files and recompute its tables"
    )
    restate.add_argument("--start", required=True, help="first landing and event date to recompute")
    restate.add_argument("--end", required=True, help="last landing and event date to recompute")
    restate.set_defaults(func=cmd_restate)

    publish = sub.add_parser(
        "publish", help="copy the dashboards' tables into the serving file, under the run lock"
    )
    publish.set_defaults(func=cmd_publish)

    summary = sub.add_parser("summary", help="print what the warehouse holds")
    summary.set_defaults(func=cmd_summary)

    metrics = sub.add_parser("metrics", help="write docs/metrics.md from metrics/*.sql")
    metrics.add_argument("--check", action="store_true", help="fail if docs/metrics.md is stale")
    metrics.set_defaults(func=cmd_metrics)

    from growth_analytics.dashboards.cli import add_superset_parser
    from growth_analytics.generator import add_generate_parser

    add_superset_parser(sub)
    add_generate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        return args.func(args) or 0
    try:
        settings = Settings.from_env()
        return args.func(args, settings)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except PublishError as exc:
        print(f"error: serving file not published: {exc}", file=sys.stderr)
        return EXIT_PUBLISH_FAILED
    except (SupersetError, BundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
