"""The project as SQLMesh loads it, for the gateway SQLMesh selects: where its state and data live,
what production holds, and SQLMesh's own run and plan, in this process.

The commands learn everything here from SQLMesh's configuration (config.yaml, as SQLMesh reads it)
and SQLMesh's state, never from a file opened behind its back, so they work the same on the local
DuckDB gateway and on BigQuery. SQLMesh runs inside the command's own process: the run lock it
holds covers every write, and a command that is killed leaves nothing running behind it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT
from growth_analytics.settings import SettingsError, check_warehouse_path, resolve_path

PROD = "prod"
# The placeholder config.yaml puts in place of a BigQuery gateway without credentials: a DuckDB
# path that cannot exist, whose text says what to set.
UNCONFIGURED_MARK = "is not configured"


class StateLocked(RuntimeError):
    """Another process has SQLMesh's state (a DuckDB file) open for writing."""


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
    return OSError(f"{target.state}: {str(error).splitlines()[0]}")


@contextlib.contextmanager
def sqlmesh_context(target: Target) -> Iterator:
    """SQLMesh's Context for the target, with the console the sqlmesh command sets; closed (its
    DuckDB connections released) on the way out. DuckDB's I/O errors on the state come out as
    StateLocked (another process has it) or OSError (it cannot be opened)."""
    from sqlmesh import Context
    from sqlmesh.core.console import configure_console

    # Relative paths in config.yaml (the warehouse, the landing folder) are SQLMesh's, from the
    # project folder, as when sqlmesh runs there.
    os.chdir(PROJECT_ROOT)
    configure_console(ignore_warnings=False)
    if target.state is not None:
        target.state.parent.mkdir(parents=True, exist_ok=True)
    try:
        context = Context(paths=str(PROJECT_ROOT), gateway=target.gateway)
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


def _locked_message(target: Target) -> str:
    return (
        f"{target.state} is open in another process (a `sqlmesh` command run beside the "
        "pipeline?); only one process may write SQLMesh's state at a time"
    )


@dataclass(frozen=True)
class Production:
    """What SQLMesh's state says of the prod environment."""

    exists: bool
    finalized: bool
    plan_id: str | None
    changed_models: tuple[str, ...]  # local models whose definition differs from prod's
    last_day: dt.date | None  # the last day prod's event tables cover

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
    return Production(
        exists=True,
        finalized=environment.finalized_ts is not None,
        plan_id=environment.plan_id,
        changed_models=tuple(changed),
        last_day=_last_day(context, environment),
    )


def _last_day(context, environment) -> dt.date | None:
    """The last landing day prod's staging covers (its intervals' end)."""
    from sqlmesh.utils.date import to_date

    staging = [s for s in environment.snapshots if s.name.endswith('"stg_events_classified"')]
    if not staging:
        return None
    snapshot = context.state_reader.get_snapshots([staging[0].snapshot_id])[staging[0].snapshot_id]
    if not snapshot.intervals:
        return None
    return to_date(snapshot.intervals[-1][1]) - dt.timedelta(days=1)
