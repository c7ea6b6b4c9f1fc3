"""`growth-analytics`: the project's command line.

growth-analytics run        the daily pipeline for cron: SQLMesh's run of production's models, as
                            planned, under the run lock (--init: the first plan of an empty project)
growth-analytics plan       `sqlmesh plan --auto-apply --no-prompts` under the run lock
growth-analytics restate    re-read a date range's landing files and recompute its tables
                            (re-delivered files, very late events)
growth-analytics publish    copy the dashboards' tables into the serving file, under the run lock
                            (run, prod plan and restate do it after each success; DuckDB only)
growth-analytics summary    print what production holds
growth-analytics metrics    write docs/metrics.md from the METRIC definitions in metrics/
growth-analytics lineage    draw the models' lineage from SQLMesh's DAG (docs/lineage.md, README.md)
growth-analytics superset   the Superset dashboards: init, import, export, serve, up, screenshots
growth-analytics generate   write synthetic landing files

Exit codes: 0 done; 1 SQLMesh failed (a model, an audit, a plan); 2 a setting cannot work; 3 the
warehouse was updated but the serving file could not be; 74 a file could not be created or
written (a read-only folder, a full disk); 75 another process holds the run lock or SQLMesh's state
(try again later); 78 production needs a reviewed plan first (none yet, or one was interrupted):
the message names the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from growth_analytics.dashboards.bundle import BundleError
from growth_analytics.dashboards.server import SupersetError
from growth_analytics.project import (
    PROD,
    StateLocked,
    Target,
    load_target,
    production,
    sqlmesh_context,
)
from growth_analytics.runlock import EXIT_LOCKED, RunLocked, exclusive_run
from growth_analytics.serving import PublishError
from growth_analytics.settings import Settings, SettingsError

# Restating staging re-reads the landing files of the range (a file re-delivered into a day that
# already ran, say) and re-runs everything downstream of it for the range too: the event-time
# models from the range's first day, whatever landed in it.
RESTATE_MODELS = ("staging.stg_events_classified",)
# The warehouse was updated but the serving file could not be; the old one is still served.
EXIT_PUBLISH_FAILED = 3
# EX_CONFIG: production needs someone to apply a reviewed plan; retrying will not help.
EXIT_NEEDS_PLAN = 78
# EX_IOERR: a file could not be created or written (a read-only folder, a full disk).
EXIT_IO_ERROR = 74


class NeedsPlan(RuntimeError):
    """Production does not exist, or a plan applying to it was interrupted."""


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"--end/--start {text!r}: expected a date, YYYY-MM-DD") from None


def last_arrived_day(target: Target) -> dt.date | None:
    """The default end of a run: the last landing day that has arrived, so that a late or missing
    delivery is not run as a day on which nobody was active. Undated (unpartitioned) files carry
    no delivery day: with them the run goes up to yesterday (UTC), as cron's clock says."""
    from growth_analytics.landing.layout import last_landing_day

    last, undated = last_landing_day(target.landing_dir)
    if undated:
        yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        return max(last, yesterday) if last else yesterday
    return last


def publish_serving(settings: Settings) -> int:
    """Publish the dashboards' tables to the serving file. Only under the run lock."""
    from growth_analytics.serving import publish, published_tables

    result = publish(settings.warehouse, settings.serving, published_tables())
    print(result.describe())
    return 0


def then_publish(code: int, target: Target, settings: Settings | None) -> int:
    """After a successful write, publish; a failed one publishes nothing and keeps its code."""
    if code != 0:
        return code
    if settings is None:
        print(
            f"Not publishing a serving file: the {target.gateway} gateway keeps the data in "
            f"{target.engine}, which the dashboards read directly.",
            file=sys.stderr,
        )
        return 0
    return publish_serving(settings)


def _settings(target: Target) -> Settings | None:
    """The serving file's settings: for a DuckDB warehouse only."""
    return Settings.for_warehouse(target.warehouse) if target.warehouse else None


def _plan(context, environment: str | None = None, **kwargs) -> int:
    from sqlmesh.utils.errors import SQLMeshError

    try:
        context.plan(environment, auto_apply=True, no_prompts=True, **kwargs)
    except SQLMeshError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _needs_plan_message(target: Target, prod) -> str:
    if not prod.exists:
        return (
            f"no production environment yet ({target.describe()}): apply the first plan with "
            "`growth-analytics plan` (or `growth-analytics run --init`), then schedule `run`"
        )
    return (
        f"production was left half-applied by an interrupted plan ({prod.plan_id}, "
        f"{target.describe()}): finish it with `growth-analytics plan`"
    )


def run_pipeline(args: argparse.Namespace, context, target: Target) -> int:
    """Production's models as planned, up to the end day; never a change of models."""
    from sqlmesh.utils.errors import SQLMeshError

    prod = production(context)
    end = parse_day(args.end) if args.end else last_arrived_day(target)
    if not prod.exists and args.init:
        print("No production environment yet: applying the first plan (--init).", file=sys.stderr)
        if end is None:
            raise NeedsPlan(f"no landing day has arrived in {target.landing_dir}")
        return _plan(context, execution_time=next_day(end))
    if not prod.exists or prod.interrupted:
        raise NeedsPlan(_needs_plan_message(target, prod))
    if prod.changed_models:
        shown = ", ".join(prod.changed_models[:8])
        more = f" and {len(prod.changed_models) - 8} more" if len(prod.changed_models) > 8 else ""
        print(
            f"warning: the local models differ from production's ({shown}{more}); running "
            "production as planned. Apply the change with a reviewed `growth-analytics plan`.",
            file=sys.stderr,
        )
    if end is None:
        print(f"No landing day has arrived in {target.landing_dir}: nothing to run.")
        return 0
    try:
        # Execution time = the day after the end: what the run computes depends on the landing
        # files and the end day, not on the machine's clock.
        status = context.run(PROD, end=next_day(end), execution_time=next_day(end))
    except SQLMeshError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 1 if status.is_failure else 0


def cmd_run(args: argparse.Namespace) -> int:
    target = load_target()
    with exclusive_run(target.lock_anchor, "growth-analytics run"):
        with sqlmesh_context(target) as context:
            code = run_pipeline(args, context, target)
        code = then_publish(code, target, _settings(target))
    if code == 0 and args.summary:
        return cmd_summary(args)
    return code


def cmd_plan(args: argparse.Namespace) -> int:
    target = load_target()
    # As in `run`: the end day (by default the last landing day that has arrived) sets the
    # execution time, which bounds what a production plan fills; not the machine's clock.
    end = parse_day(args.end) if args.end else last_arrived_day(target)
    until = {"execution_time": next_day(end)} if end else {}
    with exclusive_run(target.lock_anchor, "growth-analytics plan"):
        with sqlmesh_context(target) as context:
            code = _plan(context, args.environment, **until)
        if args.environment in (None, PROD):  # dashboards read prod only
            code = then_publish(code, target, _settings(target))
    if code == 0 and args.summary:
        return cmd_summary(args)
    return code


def cmd_restate(args: argparse.Namespace) -> int:
    target = load_target()
    start, end = parse_day(args.start), parse_day(args.end)
    with exclusive_run(target.lock_anchor, "growth-analytics restate"):
        with sqlmesh_context(target) as context:
            prod = production(context)
            if not prod.exists or prod.interrupted:
                raise NeedsPlan(_needs_plan_message(target, prod))
            # Restate up to what production already covers, never up to the machine's date.
            until = max(end, prod.last_day or end)
            code = _plan(
                context,
                restate_models=list(RESTATE_MODELS),
                start=start,
                end=end,
                execution_time=next_day(until),
            )
        return then_publish(code, target, _settings(target))


def cmd_publish(args: argparse.Namespace) -> int:
    target = load_target()
    settings = _settings(target)
    if settings is None:
        raise SettingsError(
            f"the {target.gateway} gateway keeps no DuckDB warehouse: there is no serving file to "
            "publish (the dashboards read BigQuery directly)"
        )
    # The lock too: never read the warehouse while a writer writes it.
    with exclusive_run(target.lock_anchor, "growth-analytics publish"):
        return publish_serving(settings)


def cmd_summary(args: argparse.Namespace) -> int:
    from growth_analytics.summary import print_summary

    target = load_target()
    with sqlmesh_context(target) as context:
        prod = production(context)
        if not prod.exists:
            raise NeedsPlan(
                f"no production environment yet ({target.describe()}): run `make demo` for the "
                "bundled sample, or `growth-analytics plan`"
            )
        return print_summary(context.engine_adapter)


def cmd_metrics(args: argparse.Namespace) -> int:
    from growth_analytics.semantic import write_docs

    return write_docs(check=args.check)


def cmd_lineage(args: argparse.Namespace) -> int:
    from growth_analytics.lineage import write

    return write(check=args.check)


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
        "--end", help="last day to process (default: the last landing day that has arrived)"
    )
    run.add_argument(
        "--init",
        action="store_true",
        help="apply the first plan when production does not exist yet (never otherwise)",
    )
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="sqlmesh plan --auto-apply, under the run lock")
    plan.add_argument("environment", nargs="?", help="virtual environment (default: prod)")
    plan.add_argument("--summary", action="store_true", help="print a summary afterwards")
    plan.add_argument(
        "--end", help="last day to fill (default: the last landing day that has arrived)"
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

    lineage = sub.add_parser(
        "lineage",
        help="draw the models' lineage from SQLMesh's DAG into docs/lineage.md and README.md",
    )
    lineage.add_argument(
        "--check", action="store_true", help="fail if docs/lineage.md or README.md is stale"
    )
    lineage.set_defaults(func=cmd_lineage)

    from growth_analytics.dashboards.cli import add_superset_parser
    from growth_analytics.generator import add_generate_parser

    add_superset_parser(sub)
    add_generate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "superset":
            # The serving file beside the warehouse SQLMesh's configuration names (the demo's,
            # with no variables set); on another gateway, the local one's.
            target = load_target()
            settings = _settings(target) or _settings(load_target("local"))
            return args.func(args, settings)
        return args.func(args) or 0
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RunLocked, StateLocked) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except NeedsPlan as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NEEDS_PLAN
    except PublishError as exc:
        print(f"error: serving file not published: {exc}", file=sys.stderr)
        return EXIT_PUBLISH_FAILED
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_IO_ERROR
    except (SupersetError, BundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
