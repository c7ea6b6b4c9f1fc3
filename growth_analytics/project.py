"""The project as SQLMesh loads it, for the gateway SQLMesh selects: where its state and data live,
what production holds, and SQLMesh's own run and plan, in this process.

The commands learn everything here from SQLMesh's configuration (config.yaml, as SQLMesh reads it)
and SQLMesh's state, never from a file opened behind its back, so they work the same on the local
DuckDB gateway and on BigQuery. SQLMesh runs inside the command's own process: the run lock it
holds covers every write, and a command that is killed leaves nothing running behind it."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT
from growth_analytics.exits import EXIT_LOCKED, DiskFull, Refusal
from growth_analytics.settings import SettingsError, check_warehouse_path, resolve_path

PROD = "prod"
# The placeholder config.yaml puts in place of a BigQuery gateway without credentials: a DuckDB
# path that cannot exist, whose text says what to set.
UNCONFIGURED_MARK = "is not configured"


class StateLocked(Refusal):
    """Another process has SQLMesh's state (a DuckDB file) open for writing."""

    exit_code = EXIT_LOCKED


@dataclass(frozen=True)
class Target:
    """Where a gateway keeps SQLMesh's state and the data."""

    gateway: str
    engine: str  # the data's engine: "duckdb" or "bigquery"
    warehouse: Path | None  # the DuckDB warehouse file (local gateway); None on BigQuery
    state: Path | None  # the DuckDB file with SQLMesh's state; None for another state database
    variables: dict

    @property
    def lock_anchor(self) -> Path:
        """The file the run lock sits beside (growth_analytics.runlock): the state file, so that
        every command on one state shares the lock."""
        return self.state or PROJECT_ROOT / "data" / f"{self.gateway}.state"

    @property
    def landing_dir(self) -> str:
        return str(self.variables.get("landing_dir", ""))

    def describe(self) -> str:
        where = self.warehouse or f"{self.engine} (state in {self.state or 'its state database'})"
        return f"gateway {self.gateway}: {where}"


def _config():
    from sqlmesh.core.config import load_configs
    from sqlmesh.core.context import Context

    configs = load_configs(None, Context.CONFIG_TYPE, [PROJECT_ROOT])
    return next(iter(configs.values()))


def load_target(gateway: str | None = None) -> Target:
    """The gateway given (--gateway), else config.yaml's default (ANALYTICS_GATEWAY): the one
    `sqlmesh` itself would use."""
    config = _config()
    name = gateway or config.default_gateway
    name = name or next(iter(config.gateways))
    if name not in config.gateways:
        raise SettingsError(f"no gateway {name!r} in config.yaml ({', '.join(config.gateways)})")
    chosen = config.get_gateway(name)
    connection = chosen.connection
    database = str(getattr(connection, "database", "") or "")
    if UNCONFIGURED_MARK in database:
        raise SettingsError(database.rsplit("/", 1)[0].lstrip("/"))
    # config.yaml's late_arrival_days is ANALYTICS_LATE_DAYS as YAML reads it: a word stays a
    # string, which SQLMesh would only refuse while rendering a model's lookback.
    late = config.variables.get("late_arrival_days")
    if isinstance(late, bool) or not isinstance(late, int) or late < 0:
        raise SettingsError(f"ANALYTICS_LATE_DAYS={late!r}: expected a whole number of days")
    state_connection = chosen.state_connection or connection
    state = resolve_path(state_connection.database) if state_connection.type_ == "duckdb" else None
    warehouse = None
    if connection.type_ == "duckdb":
        warehouse = check_warehouse_path(resolve_path(database))
    return Target(
        gateway=name,
        engine=connection.type_,
        warehouse=warehouse,
        state=state,
        variables=dict(config.variables),
    )


def _is_lock_error(error: BaseException) -> bool:
    return "Could not set lock on file" in str(error)


def _is_expected(error: BaseException) -> bool:
    """DuckDB's I/O errors on SQLMesh's state: a lock held elsewhere, a file it cannot open."""
    import duckdb

    return isinstance(error, duckdb.IOException)


def _expected(error: BaseException, target: Target) -> Exception:
    if _is_lock_error(error):
        return StateLocked(_locked_message(target))
    if is_disk_full(error):
        return disk_full(target)
    return OSError(f"{target.state}: {str(error).splitlines()[0]}")


# The errors of the models that failed in this process's runs and plans: SQLMesh's scheduler
# hands them to the console and returns only "failed" (context.run) or a PlanError.
FAILED_MODELS: list[BaseException] = []


def _keep_failed_models(console) -> None:
    show = console.log_failed_models

    def log_failed_models(errors) -> None:
        FAILED_MODELS.extend(errors)
        show(errors)

    console.log_failed_models = log_failed_models


def is_disk_full(error: BaseException | None) -> bool:
    """ENOSPC anywhere in the error's chain; DuckDB reports it as text in an IOException."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def disk_full(target: Target) -> DiskFull:
    where = target.warehouse.parent if target.warehouse else target.state or "the state"
    return DiskFull(
        f"no space left on the device of {where}: free space (DuckDB also spills to "
        "<warehouse>.tmp beside it), then run again; the next run redoes what this one could not"
    )


def _loader_without_unit_tests():
    """SQLMesh's own loader, less the unit tests' YAML. SQLMesh 0.236.4 parses every file of
    tests/ (ruamel's pure-Python YAML) whenever it loads a project: 2.6 of the 4.5 s a load took,
    on every `run`, which never runs them."""
    from sqlmesh.core.loader import SqlMeshLoader

    class LoaderWithoutUnitTests(SqlMeshLoader):
        def load_model_tests(self) -> list:
            return []

    return LoaderWithoutUnitTests


@contextlib.contextmanager
def sqlmesh_context(target: Target, unit_tests: bool = False) -> Iterator:
    """SQLMesh's Context for the target, with the console the sqlmesh command sets; closed (its
    DuckDB connections released) on the way out. DuckDB's I/O errors on the state come out as
    StateLocked (another process has it) or OSError (it cannot be opened).

    Without `unit_tests` the project is loaded without SQLMesh's unit tests: a plan made on such a
    context must skip both them and the linter, whose rules want a test per model."""
    from sqlmesh import Context
    from sqlmesh.core.console import configure_console, get_console

    children_die_with_this_process()
    # Relative paths in config.yaml (the warehouse, the landing folder) are SQLMesh's, from the
    # project folder, as when sqlmesh runs there.
    os.chdir(PROJECT_ROOT)
    configure_console(ignore_warnings=False)
    _keep_failed_models(get_console())
    if target.state is not None:
        target.state.parent.mkdir(parents=True, exist_ok=True)
    try:
        loader = None if unit_tests else _loader_without_unit_tests()
        context = Context(paths=str(PROJECT_ROOT), gateway=target.gateway, loader=loader)
    except Exception as error:
        if _is_expected(error):
            raise _expected(error, target) from None
        raise
    try:
        yield context
    except Exception as error:
        if _is_expected(error):
            raise _expected(error, target) from None
        raise
    finally:
        context.close()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_bound_children = False


def children_die_with_this_process() -> None:
    """Every child this process forks from now on is killed when this process ends.

    SQLMesh 0.236.4 forks its model loaders (ProcessPoolExecutor, fork context, one per CPU), from
    the thread that loads the project. After a kill -9 of the command they lived on as orphans,
    blocked on a pipe, and held what they had inherited (until the run lock became a record lock,
    the lock itself). PR_SET_PDEATHSIG makes the kernel kill a child when its parent dies. Linux
    only; elsewhere nothing changes. subprocess's fork-and-exec runs no at-fork hook, so the
    programs this process starts (Superset, the emulators) are not affected."""
    global _bound_children
    if _bound_children or not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    forking = [0]  # the forking process's pid, copied into the child with the rest of memory

    def remember_parent() -> None:
        forking[0] = os.getpid()

    def die_with_parent() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != forking[0]:  # the parent died before the signal was asked for
            os._exit(1)

    os.register_at_fork(before=remember_parent, after_in_child=die_with_parent)
    _bound_children = True


def _locked_message(target: Target) -> str:
    return (
        f"{target.state} is open in another process (a `sqlmesh` command run beside the "
        "pipeline?); only one process may write SQLMesh's state at a time"
    )


# The variables of config.yaml that production's models are planned with, and the setting each
# comes from: `run` refuses to mix a machine's settings with production's (docs/operations.md).
SETTING_OF_VARIABLE = {
    "landing_dir": "ANALYTICS_LANDING_DIR",
    "first_date": "ANALYTICS_START",
    "late_arrival_days": "ANALYTICS_LATE_DAYS",
}


@dataclass(frozen=True)
class SettingChange:
    setting: str  # the environment variable (or config.yaml's variable, for one not listed)
    production: object  # the value production's models were planned with
    here: object  # the value this machine's configuration gives

    def describe(self) -> str:
        return f"{self.setting} is {self.here!r} here but {self.production!r} in production"


@dataclass(frozen=True)
class Production:
    """What SQLMesh's state says of the prod environment."""

    exists: bool
    finalized: bool
    plan_id: str | None
    changed_models: tuple[str, ...]  # local models whose definition differs from prod's
    last_day: dt.date | None  # the last day prod's event tables cover
    changed_settings: tuple[SettingChange, ...] = ()

    @property
    def interrupted(self) -> bool:
        return self.exists and not self.finalized


def production(context) -> Production:
    environment = context.state_reader.get_environment(PROD)
    if environment is None:
        return Production(False, False, None, (), None)
    prod = {snapshot.name: snapshot for snapshot in environment.snapshots}
    local = {snapshot.name: snapshot.fingerprint for snapshot in context.snapshots.values()}
    changed = sorted(
        name.replace('"', "").split(".", 1)[-1]
        for name in set(prod) | set(local)
        if name not in prod or name not in local or prod[name].fingerprint != local[name]
    )
    # Only the snapshots needed: reading all of them costs a no-op run a measurable share.
    wanted = [s.snapshot_id for s in environment.snapshots if changed or _is_staging(s)]
    snapshots = context.state_reader.get_snapshots(wanted).values()
    settings = _changed_settings(snapshots, context.config.variables) if changed else ()
    return Production(
        exists=True,
        finalized=environment.finalized_ts is not None,
        plan_id=environment.plan_id,
        changed_models=tuple(changed),
        last_day=_last_day(snapshots),
        changed_settings=settings,
    )


def _is_staging(snapshot) -> bool:
    return snapshot.name.endswith('"stg_events_classified"')


def _planned_variables(snapshots) -> dict[str, object]:
    """The config.yaml variables production's models read, with the values they were planned
    with (SQLMesh keeps them in each model's Python environment)."""
    import ast

    planned: dict[str, object] = {}
    for snapshot in snapshots:
        if not snapshot.is_model:
            continue
        executable = snapshot.model.python_env.get("__sqlmesh__vars__")
        if executable is not None:
            planned.update(ast.literal_eval(executable.payload))
    return planned


def _changed_settings(snapshots, variables: dict) -> tuple[SettingChange, ...]:
    return tuple(
        SettingChange(SETTING_OF_VARIABLE.get(name, name), value, variables.get(name))
        for name, value in sorted(_planned_variables(snapshots).items())
        if variables.get(name) != value
    )


def _last_day(snapshots) -> dt.date | None:
    """The last landing day prod's staging covers (its intervals' end)."""
    from sqlmesh.utils.date import to_date

    staging = [s for s in snapshots if _is_staging(s)]
    if not staging or not staging[0].intervals:
        return None
    return to_date(staging[0].intervals[-1][1]) - dt.timedelta(days=1)
