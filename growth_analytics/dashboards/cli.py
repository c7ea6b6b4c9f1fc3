"""`growth-analytics superset ...`: the dashboards' commands.

init          metadata database, roles, the admin user (password: SUPERSET_ADMIN_PASSWORD, or
              generated into <home>/admin_password)
import        build the bundle from superset_exports/ for a target and import it
export        export every dashboard from Superset and normalise it into superset_exports/
serve         gunicorn on 127.0.0.1 (default port 8088), in the foreground; a server of the
              same home whose command was killed is stopped first, a port held by another
              process refused
up            init and import (in one Superset process), serve: what `make superset` runs
sync-metrics  write the datasets' metrics from metrics/ (--check: fail when they drift)
normalise     rewrite superset_exports/ as an export would leave it (after a hand edit: file
              names, key order, every dashboard's series colours from series_colours.py)
screenshots   start Superset on a free port, screenshot every dashboard, stop
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from growth_analytics import PROJECT_ROOT
from growth_analytics.dashboards.bundle import EXPORTS_DIR, TARGETS, Target, build_bundle, read_tree
from growth_analytics.dashboards.server import DEFAULT_PORT, Superset, SupersetError, free_port
from growth_analytics.project import load_target

SCREENSHOT_SCRIPT = Path(__file__).with_name("screenshot.py")
DEFAULT_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def target_from(name: str, settings) -> Target:
    if name == "bigquery":
        # config.yaml's (ANALYTICS_BQ_PROJECT, ANALYTICS_BQ_LOCATION), the gateway's own values.
        variables = load_target("local").variables
        return Target.bigquery(variables["bigquery_project"], variables["bigquery_location"])
    if not settings.serving.exists():
        raise SupersetError(
            f"no serving file at {settings.serving}: run the pipeline (growth-analytics run) or "
            "growth-analytics publish first"
        )
    return Target.duckdb(settings.serving.resolve())


def superset_for(settings) -> Superset:
    """Superset as ANALYTICS_SUPERSET_HOME has it, told the serving file, the one DuckDB file
    superset_config.py lets a database entry open."""
    return Superset.from_env(serving=settings.serving)


def dashboard_slugs(exports_dir: Path = EXPORTS_DIR) -> list[str]:
    tree = read_tree(exports_dir)
    return [doc["slug"] for name, doc in tree.items() if name.startswith("dashboards/")]


def take_screenshots(
    superset: Superset,
    base_url: str,
    out_dir: Path,
    slugs: list[str],
    user: tuple[str, str] | None = None,
) -> tuple[int, list[dict], dict]:
    """Run screenshot.py with Superset's Python, as the admin or user=(name, password): its exit
    code, one result per dashboard, and what the browser asked of other hosts than Superset
    (screenshot.py's last line: requests sent, and requests the page's policy blocked)."""
    name, password = user or (superset.admin_user, superset.admin_password())
    script = [str(superset.bin / "python"), str(SCREENSHOT_SCRIPT)]
    done = subprocess.run(
        [*script, base_url, name, str(out_dir), *slugs],
        input=password + "\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120 + 90 * len(slugs),
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    results = [line for line in lines if "slug" in line]
    network = next((line["other_hosts"] for line in lines if "other_hosts" in line), None)
    if done.returncode not in (0, 1) or len(results) != len(slugs) or network is None:
        raise SupersetError(f"screenshots failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.returncode, results, network


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived."""


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Stopped, so that the blocks that stop gunicorn run. gunicorn
    runs in a session of its own (Ctrl-C in a terminal must reach this process only, which then
    stops gunicorn's whole process group): a signal that only ended this process would leave
    it serving. A second signal while stopping is ignored: the first has already been acted on."""
    stopping = False

    def handler(signum, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            raise Stopped(signal.Signals(signum).name)

    signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, handler) for signum in signals}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def cmd_init(args, settings) -> int:
    superset = superset_for(settings)
    print(
        f"setting up Superset's metadata database, roles and admin user in {superset.home} "
        "(about 15 s; safe to repeat)",
        flush=True,
    )
    superset.initialise()
    return 0


def cmd_import(args, settings) -> int:
    target = target_from(args.target, settings)
    print(
        f"importing the dashboards of superset_exports/ into Superset for target {target.name} "
        "(about 10 s)",
        flush=True,
    )
    superset_for(settings).import_bundle(build_bundle(target))
    print(f"imported {len(dashboard_slugs())} dashboards for target {target.name}")
    return 0


def init_and_import(args, settings) -> None:
    """What init and import do, in one Superset process: `up`'s set-up."""
    superset = superset_for(settings)
    target = target_from(args.target, settings)
    print(
        f"setting up Superset in {superset.home} (metadata database, roles, admin user) and "
        f"importing the dashboards of superset_exports/ for target {target.name} (about 20 s)",
        flush=True,
    )
    superset.initialise(bundle=build_bundle(target))
    print(f"imported {len(dashboard_slugs())} dashboards for target {target.name}")


def cmd_export(args, settings) -> int:
    from growth_analytics.dashboards.normalize import normalise, read_export, write_tree

    print("exporting every dashboard from Superset into superset_exports/ (about 10 s)", flush=True)
    texts = normalise(read_export(superset_for(settings).export_bundle()))
    write_tree(texts)
    print(f"wrote {len(texts)} files to {EXPORTS_DIR.relative_to(PROJECT_ROOT)}/")
    return cmd_sync_metrics(argparse.Namespace(check=True), settings)


def cmd_normalise(args, settings) -> int:
    from growth_analytics.dashboards.normalize import normalise, tree_texts, write_tree

    before = tree_texts()
    texts = normalise(read_tree())
    write_tree(texts)
    changed = sorted(name for name in texts if before.get(name) != texts[name])
    print(f"normalised {len(texts)} files in {EXPORTS_DIR.relative_to(PROJECT_ROOT)}/", end="")
    print(f"; changed: {', '.join(changed)}" if changed else "; nothing changed")
    return 0


def serve(port: int, settings) -> int:
    superset = superset_for(settings)
    with superset.running(port, log=Path("/dev/stderr")) as (base_url, process, seconds):
        print(
            f"Superset is up at {base_url} after {seconds:.0f} s: log in as "
            f"{superset.admin_user} with the password in SUPERSET_ADMIN_PASSWORD or "
            f"{superset.home / 'admin_password'}. Ctrl-C or SIGTERM stops it.",
            flush=True,
        )
        return process.wait()


def cmd_serve(args, settings) -> int:
    with stop_on_signals():
        try:
            return serve(args.port, settings)
        except (KeyboardInterrupt, Stopped):
            return 0


def cmd_up(args, settings) -> int:
    # A signal during init or import ends the superset command it interrupts (subprocess.run
    # kills its child on the way out), and serving never starts.
    with stop_on_signals():
        try:
            # Before the half minute of init and import: a server this home left behind is
            # stopped, and a port something else holds is refused, naming it.
            superset_for(settings).claim_port(args.port)
            init_and_import(args, settings)
            return serve(args.port, settings)
        except (KeyboardInterrupt, Stopped):
            return 0


def cmd_sync_metrics(args, settings) -> int:
    from growth_analytics.dashboards.datasets import drift, sync_metrics
    from growth_analytics.semantic import load_definitions

    definitions = load_definitions()
    if args.check:
        problems = drift(definitions)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `growth-analytics superset sync-metrics`", file=sys.stderr)
        return 1 if problems else 0
    print(f"updated the metrics of {sync_metrics(definitions)} datasets")
    return 0


def cmd_screenshots(args, settings) -> int:
    superset = superset_for(settings)
    init_and_import(args, settings)
    with superset.running(free_port()) as (base_url, _, _):
        code, results, _ = take_screenshots(superset, base_url, args.out, dashboard_slugs())
    for result in results:
        print(json.dumps(result))
    return code


def add_superset_parser(sub) -> None:
    parser = sub.add_parser(
        "superset",
        help=(
            "the Superset dashboards: init, import, export, serve, up, sync-metrics, "
            "normalise, screenshots"
        ),
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="superset_command", required=True)
    for name, func in (("init", cmd_init), ("export", cmd_export), ("normalise", cmd_normalise)):
        commands.add_parser(name).set_defaults(func=func)
    for name, func in (("import", cmd_import), ("up", cmd_up), ("screenshots", cmd_screenshots)):
        command = commands.add_parser(name)
        command.add_argument("--target", choices=TARGETS, default="duckdb")
        command.set_defaults(func=func)
        if name == "up":
            command.add_argument("--port", type=int, default=DEFAULT_PORT)
        if name == "screenshots":
            command.add_argument("--out", type=Path, default=DEFAULT_SCREENSHOTS)
    serve = commands.add_parser("serve")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.set_defaults(func=cmd_serve)
    sync = commands.add_parser("sync-metrics")
    sync.add_argument("--check", action="store_true", help="fail when the datasets have drifted")
    sync.set_defaults(func=cmd_sync_metrics)
