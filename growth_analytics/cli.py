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

Exit codes (growth_analytics/exits.py, docs/operations.md): 0 done; 1 SQLMesh failed (a model, an
audit, a plan); 2 a setting or an argument cannot work; 3 the warehouse was updated but the serving
file could not be; 65 the landing folder cannot be read as it is (missing, a file type the readers
do not take, a day that has not happened); 69 the run lock is stuck (held too long, or by a
process that is gone); 74 a file could not be created or written (a read-only folder, a full
disk); 75 another process holds the run lock or SQLMesh's state (try again later); 78 production
needs a reviewed plan first (none yet, an interrupted one, or other settings): the message names
the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys

from growth_analytics.dashboards.bundle import BundleError
from growth_analytics.dashboards.server import SupersetError, take_admin_password
from growth_analytics.end_day import (
    LandingDays,
    check_restate_range,
    end_day,
    landing_days,
    parse_day,
)
from growth_analytics.exits import (
    EXIT_FAILED,
    EXIT_IO_ERROR,
    EXIT_LANDING,
    EXIT_LOCKED,
    EXIT_NEEDS_PLAN,
    EXIT_OK,
    EXIT_PUBLISH_FAILED,
    EXIT_SETTING,
    LandingRefused,
    NeedsPlan,
    Refusal,
)
from growth_analytics.landing.sources import LandingError
from growth_analytics.project import (
    FAILED_MODELS,
    PROD,
    Target,
    disk_full,
    is_disk_full,
    load_target,
    production,
    sqlmesh_context,
)
from growth_analytics.runlock import exclusive_run
from growth_analytics.serving import PublishError
from growth_analytics.settings import Settings, SettingsError
from growth_analytics.variables import check_environment

__all__ = ["EXIT_IO_ERROR", "EXIT_LOCKED", "EXIT_NEEDS_PLAN", "EXIT_PUBLISH_FAILED", "main"]

# Restating staging re-reads the landing files of the range (a file re-delivered into a day that
# already ran, say) and re-runs everything downstream of it for the range too: the event-time
# models from the range's first day, whatever landed in it.
RESTATE_MODELS = ("staging.stg_events_classified",)


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def first_date(target: Target) -> dt.date:
    """ANALYTICS_START as config.yaml gives it (growth_analytics.variables checked it)."""
    return dt.date.fromisoformat(str(target.variables["first_date"]))


def publish_serving(settings: Settings) -> int:
    """Publish the dashboards' tables to the serving file. Only under the run lock."""
    from growth_analytics.serving import publish, published_tables

    result = publish(settings.warehouse, settings.serving, published_tables())
    print(result.describe())
    return EXIT_OK


def then_publish(code: int, target: Target, settings: Settings | None) -> int:
    """After a successful write, publish; a failed one publishes nothing and keeps its code."""
    if code != EXIT_OK:
        return code
    if settings is None:
        print(
            f"Not publishing a serving file: the {target.gateway} gateway keeps the data in "
            f"{target.engine}, which the dashboards read directly.",
            file=sys.stderr,
        )
        return EXIT_OK
    return publish_serving(settings)


def _settings(target: Target) -> Settings | None:
    """The serving file's settings: for a DuckDB warehouse only."""
    return Settings.for_warehouse(target.warehouse) if target.warehouse else None


def _failed(target: Target, error: BaseException | None = None) -> int:
    """A failed SQLMesh run or plan: a full disk is 74 with its own line; anything else is 1,
    with SQLMesh's error (it has said what failed above, and notified)."""
    if is_disk_full(error) or any(is_disk_full(failure) for failure in FAILED_MODELS):
        raise disk_full(target)
    if error is not None:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_FAILED


def _plan(context, target: Target, environment: str | None = None, **kwargs) -> int:
    from sqlmesh.utils.errors import SQLMeshError

    try:
        context.plan(environment, auto_apply=True, no_prompts=True, **kwargs)
    except SQLMeshError as error:
        return _failed(target, error)
    return EXIT_OK


def _checks(args: argparse.Namespace) -> dict[str, bool]:
    """What a plan skips of SQLMesh's checks (`make unit` and `make lint` run both once)."""
    return {"skip_tests": args.skip_tests, "skip_linter": args.skip_linter}


def _loads_tests(args: argparse.Namespace) -> bool:
    """The unit tests are loaded for a plan that runs them, or lints (a rule wants a test per
    model)."""
    return not (args.skip_tests and args.skip_linter)


def _needs_plan_message(target: Target, prod=None) -> str:
    if prod is None or not prod.exists:
        return (
            f"no production environment yet ({target.describe()}): apply the first plan with "
            "`growth-analytics plan` (or `growth-analytics run --init`), then schedule `run`"
        )
    return (
        f"production was left half-applied by an interrupted plan ({prod.plan_id}, "
        f"{target.describe()}): finish it with `growth-analytics plan`"
    )


def require_state(target: Target) -> None:
    """Production needs SQLMesh's state: refuse before opening it, which would create the file."""
    if target.state is not None and not target.state.exists():
        raise NeedsPlan(_needs_plan_message(target))


def refuse_other_settings(target: Target, prod, command: str) -> None:
    """Production's models read the landing folder, start and late window they were planned with;
    a command run with other values would compute its days from one and read the other."""
    if prod.changed_settings:
        changes = "; ".join(change.describe() for change in prod.changed_settings)
        raise NeedsPlan(
            f"{changes} ({target.describe()}): `{command}` would mix both. Apply the new "
            "settings with a reviewed `growth-analytics plan`, or set them back"
        )


def with_future_days(code: int, days: LandingDays) -> int:
    """Landing days that have not happened end the command with 65 once it has done the days that
    have; a failure of its own keeps its code, and the refusal is said too."""
    refusal = days.future_refusal()
    if refusal is None:
        return code
    if code != EXIT_OK:
        print(f"error: {refusal}", file=sys.stderr)
        return code
    raise refusal


def run_pipeline(args: argparse.Namespace, context, target: Target, end: dt.date | None) -> int:
    """Production's models as planned, up to the end day; never a change of models."""
    from sqlmesh.utils.errors import SQLMeshError

    prod = production(context)
    if not prod.exists and args.init:
        print("No production environment yet: applying the first plan (--init).", file=sys.stderr)
        if end is None:
            raise LandingRefused(f"no landing day has arrived in {target.landing_dir}")
        return _plan(context, target, execution_time=next_day(end), **_checks(args))
    if not prod.exists or prod.interrupted:
        raise NeedsPlan(_needs_plan_message(target, prod))
    refuse_other_settings(target, prod, "growth-analytics run")
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
        return EXIT_OK
    try:
        # Execution time = the day after the end: what the run computes depends on the landing
        # files and the end day, not on the machine's clock.
        status = context.run(PROD, end=next_day(end), execution_time=next_day(end))
    except SQLMeshError as error:
        return _failed(target, error)
    return _failed(target) if status.is_failure else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    target = load_target()
    if not args.init:
        require_state(target)
    days = landing_days(target.landing_dir)
    requested = parse_day(args.end, "--end") if args.end else None
    end = end_day(requested, days, first_date(target))
    with exclusive_run(target.lock_anchor, "growth-analytics run"):
        with sqlmesh_context(target, unit_tests=args.init and _loads_tests(args)) as context:
            code = run_pipeline(args, context, target, end)
        code = then_publish(code, target, _settings(target))
    code = with_future_days(code, days)
    if code == EXIT_OK and args.summary:
        return cmd_summary(args)
    return code


def cmd_plan(args: argparse.Namespace) -> int:
    target = load_target()
    # As in `run`: the end day (by default the last landing day that has arrived) sets the
    # execution time, which bounds what a plan fills; not the machine's clock.
    days = landing_days(target.landing_dir)
    requested = parse_day(args.end, "--end") if args.end else None
    end = end_day(requested, days, first_date(target))
    if end is None:
        raise LandingRefused(
            f"no landing day has arrived in {target.landing_dir}: a plan would fill days that "
            "no file supports. Deliver the first day's files (dt=YYYY-MM-DD/), then plan"
        )
    with exclusive_run(target.lock_anchor, "growth-analytics plan"):
        with sqlmesh_context(target, unit_tests=_loads_tests(args)) as context:
            code = _plan(
                context, target, args.environment, execution_time=next_day(end), **_checks(args)
            )
        if args.environment in (None, PROD):  # dashboards read prod only
            code = then_publish(code, target, _settings(target))
    code = with_future_days(code, days)
    if code == EXIT_OK and args.summary:
        return cmd_summary(args)
    return code


def cmd_restate(args: argparse.Namespace) -> int:
    target = load_target()
    start, end = parse_day(args.start, "--start"), parse_day(args.end, "--end")
    require_state(target)
    with exclusive_run(target.lock_anchor, "growth-analytics restate"):
        with sqlmesh_context(target) as context:
            prod = production(context)
            if not prod.exists or prod.interrupted:
                raise NeedsPlan(_needs_plan_message(target, prod))
            check_restate_range(start, end, first_date(target), prod.last_day)
            refuse_other_settings(target, prod, "growth-analytics restate")
            if prod.changed_models:
                raise NeedsPlan(
                    f"the local models differ from production's ({', '.join(prod.changed_models)}"
                    "): a restatement re-reads files with production's models and would apply "
                    "the change unreviewed. Apply it first with `growth-analytics plan`"
                )
            # Up to what production already covers, never up to the machine's date.
            code = _plan(
                context,
                target,
                restate_models=list(RESTATE_MODELS),
                start=start,
                end=end,
                execution_time=next_day(prod.last_day),
                # Production's models, unchanged (refused above otherwise): nothing to test.
                skip_tests=True,
                skip_linter=True,
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
    require_state(target)
    # The lock too: never read the warehouse while a writer writes it.
    with exclusive_run(target.lock_anchor, "growth-analytics publish"):
        return publish_serving(settings)


def cmd_summary(args: argparse.Namespace) -> int:
    from growth_analytics.summary import print_summary

    target = load_target()
    require_state(target)
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


def add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--skip-tests",
        action="store_true",
        help="do not run SQLMesh's unit tests before applying a plan (make unit runs them)",
    )
    parser.add_argument(
        "--skip-linter",
        action="store_true",
        help="do not run SQLMesh's linter before applying a plan (make lint runs it)",
    )


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
    add_check_options(run)
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="sqlmesh plan --auto-apply, under the run lock")
    plan.add_argument("environment", nargs="?", help="virtual environment (default: prod)")
    plan.add_argument("--summary", action="store_true", help="print a summary afterwards")
    plan.add_argument(
        "--end", help="last day to fill (default: the last landing day that has arrived)"
    )
    add_check_options(plan)
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


# An expected condition's exception and its exit code; the message is the one line printed.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (Refusal, -1),  # its own exit_code
    (SettingsError, EXIT_SETTING),
    (LandingError, EXIT_LANDING),
    (PublishError, EXIT_PUBLISH_FAILED),
    (OSError, EXIT_IO_ERROR),
    (SupersetError, EXIT_FAILED),
    (BundleError, EXIT_FAILED),
)


def exit_code_of(error: BaseException) -> int | None:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return error.exit_code if code == -1 else code
    return None


def one_line(error: BaseException) -> str:
    if isinstance(error, PublishError):
        return f"serving file not published: {error}"
    return str(error)


def main(argv: list[str] | None = None) -> int:
    # SQLMesh 0.236 renders every model and audit of a run by deep-copying sqlglot trees: millions
    # of short-lived objects. At CPython 3.11's default (a young collection every 700 allocations)
    # the collector ran about 2,700 times in a daily run of the bundled sample and took 3.2 s of
    # its 14 s; at 10,000 it takes 1.0 s, for 20-30 MB more at the peak.
    gc.set_threshold(10_000, 10, 10)
    args = build_parser().parse_args(argv)
    try:
        # Before config.yaml is read: a bad value is one line naming its variable, not a
        # traceback from the YAML parser or a connection SQLMesh builds.
        check_environment()
        if args.command == "superset":
            take_admin_password()  # before SQLMesh is imported, which starts a process
            # The serving file beside the warehouse SQLMesh's configuration names (the demo's,
            # with no variables set); on another gateway, the local one's.
            target = load_target()
            settings = _settings(target) or _settings(load_target("local"))
            return args.func(args, settings)
        return args.func(args) or EXIT_OK
    except Exception as error:
        code = exit_code_of(error)
        if code is None:
            raise
        line = one_line(error)
        print(f"error: {line}", file=sys.stderr)
        if args.command == "run" and code not in (EXIT_OK, EXIT_LOCKED):
            from growth_analytics.notify import notify_failure

            notify_failure(f"growth-analytics run exited {code}: {line}")
        return code


if __name__ == "__main__":
    sys.exit(main())
