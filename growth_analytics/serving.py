"""The serving file: the marts the dashboards read, copied out of the warehouse after each run.

DuckDB lets one read-write process or many read-only processes open a file, never both, so
Superset cannot read the warehouse while `sqlmesh run` writes it (and an open Superset query makes
the writer fail). Instead, under the run lock and after a successful run, `publish` copies the
tables Superset's datasets name into `<serving>.next`, closes it cleanly and `os.replace`s it over
the served file. A query running during the swap finishes on the old file; the next connection
opens the new one (in a process, once its connections to the old file are closed: DuckDB shares
one open database per path). Superset opens the serving file read-only and never touches the
warehouse.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from growth_analytics.dashboards.bundle import EXPORTS_DIR, dataset_paths
from growth_analytics.settings import SERVING_METADATA_SCHEMA

if TYPE_CHECKING:  # duckdb is imported when publishing, so the CLI starts without it
    import duckdb

# The alias of `<serving>.next` while it is built; the warehouse itself stays the main catalog,
# because SQLMesh's views name their physical tables with the warehouse's catalog.
TARGET = "__serving_next"
LANDED = ("analytics", "ingestion_accounting")


class PublishError(RuntimeError):
    """The serving file could not be published; the previous one is still served."""


@dataclass(frozen=True)
class PublishResult:
    serving: Path
    published_at: dt.datetime  # UTC
    latest_landed_date: dt.date | None
    tables: tuple[tuple[str, str, int], ...]  # (schema, table, rows)
    seconds: float

    @property
    def rows(self) -> int:
        return sum(rows for _, _, rows in self.tables)

    def describe(self) -> str:
        names = ", ".join(f"{schema}.{table}" for schema, table, _ in self.tables) or "no tables"
        count = f"{len(self.tables)} table{'' if len(self.tables) == 1 else 's'}"
        return (
            f"Published {count} ({self.rows:,} rows) to {self.serving} "
            f"in {self.seconds:.1f} s: {names}"
        )


def published_tables(exports_dir: Path = EXPORTS_DIR) -> list[tuple[str, str]]:
    """The (schema, table) pairs of Superset's exported datasets, sorted and deduplicated."""
    import yaml

    # libyaml's loader where PyYAML has it: every command that publishes reads these files, in
    # 0.04 s against the pure-Python loader's 0.3 s (PyYAML 6.0.4).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return sorted(
        {
            _dataset_table(path, yaml.load(path.read_text(), Loader=loader))
            for path in dataset_paths(exports_dir)
        }
    )


def _dataset_table(path: Path, dataset: object) -> tuple[str, str]:
    if not isinstance(dataset, dict):
        raise PublishError(f"{path}: not a Superset dataset (expected a mapping)")
    if dataset.get("sql"):
        raise PublishError(
            f"{path}: a virtual (SQL) dataset; only physical datasets (schema + table_name) "
            "can be published to the serving file"
        )
    schema, table = dataset.get("schema"), dataset.get("table_name")
    if not (isinstance(schema, str) and schema and isinstance(table, str) and table):
        raise PublishError(f"{path}: needs top-level `schema` and `table_name`")
    return schema, table


def publish(warehouse: Path, serving: Path, tables: Iterable[tuple[str, str]]) -> PublishResult:
    """Copy `tables` from the warehouse (opened read-only) into a new serving file, swapped in
    atomically. Call it under the run lock. On any error the old serving file is left as it was."""
    import duckdb

    began = time.perf_counter()
    tables = list(dict.fromkeys(tables))
    warehouse, serving = Path(warehouse), Path(serving)
    if not warehouse.exists():
        raise PublishError(f"warehouse {warehouse} does not exist: run the pipeline first")
    staged = serving.with_name(serving.name + ".next")
    try:
        check_no_wal(serving)
        remove_with_wal(staged)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            check_tables_exist(con, tables)
            published_at, landed, counts = build(con, staged, warehouse, tables)
        if wal_of(staged).exists():
            raise PublishError(f"{wal_of(staged)} left after CHECKPOINT: not publishing")
        os.replace(staged, serving)
    except (OSError, duckdb.Error) as error:
        # A read-only folder or a full disk: one line naming the file, not a traceback.
        raise PublishError(f"writing {staged} for {serving}: {error}") from error
    finally:
        with contextlib.suppress(OSError):  # nothing to remove where nothing could be written
            remove_with_wal(staged)
    fsync_dir(serving.parent)
    return PublishResult(serving, published_at, landed, counts, time.perf_counter() - began)


def build(
    con: duckdb.DuckDBPyConnection, staged: Path, warehouse: Path, tables: list[tuple[str, str]]
) -> tuple[dt.datetime, dt.date | None, tuple[tuple[str, str, int], ...]]:
    """Write the tables and the metadata into `staged` in one transaction, checkpoint it and
    detach it. On an error the caller's connection closes, which rolls back and detaches."""
    staged.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"ATTACH {literal(staged)} AS {TARGET} (READ_WRITE)")
    con.execute("BEGIN TRANSACTION")
    counts = tuple((schema, table, copy_table(con, schema, table)) for schema, table in tables)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    landed = latest_landed_date(con)
    write_metadata(con, published_at, warehouse, landed, counts)
    con.execute("COMMIT")
    con.execute(f"CHECKPOINT {TARGET}")
    con.execute(f"DETACH {TARGET}")
    return published_at, landed, counts


def copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {TARGET}.{ident(schema)}")
    target = f"{TARGET}.{ident(schema)}.{ident(table)}"
    # A real table from the view: same columns, order and types; SQLMesh's physical table stays.
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM {ident(schema)}.{ident(table)}")
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


def write_metadata(
    con: duckdb.DuckDBPyConnection,
    published_at: dt.datetime,
    warehouse: Path,
    landed: dt.date | None,
    counts: tuple[tuple[str, str, int], ...],
) -> None:
    meta = f"{TARGET}.{SERVING_METADATA_SCHEMA}"
    con.execute(f"CREATE SCHEMA {meta}")
    con.execute(
        f"CREATE TABLE {meta}.published "
        "(published_at TIMESTAMP, warehouse VARCHAR, latest_landed_date DATE)"
    )
    row = [published_at, str(warehouse), landed]
    con.execute(f"INSERT INTO {meta}.published VALUES (?, ?, ?)", row)
    con.execute(
        f"CREATE TABLE {meta}.published_tables "
        "(schema_name VARCHAR, table_name VARCHAR, row_count BIGINT)"
    )
    if counts:
        con.executemany(f"INSERT INTO {meta}.published_tables VALUES (?, ?, ?)", list(counts))


def check_tables_exist(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> None:
    present = existing_relations(con)
    missing = [f"{schema}.{table}" for schema, table in tables if (schema, table) not in present]
    if missing:
        raise PublishError(
            f"not in the warehouse: {', '.join(missing)} (named by Superset's datasets); "
            "nothing published"
        )


def existing_relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()
    return {(schema, table) for schema, table in rows}


def latest_landed_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    if LANDED not in existing_relations(con):
        return None
    return con.execute(f"SELECT MAX(landed_date) FROM {LANDED[0]}.{LANDED[1]}").fetchone()[0]


def check_no_wal(serving: Path) -> None:
    # A WAL beside the served file means something opened it read-write; DuckDB would replay it
    # onto the new file. Superset must open the serving file read-only.
    if wal_of(serving).exists():
        raise PublishError(
            f"{wal_of(serving)} exists: something opened the serving file read-write. Check that "
            "no process writes it, remove the .wal, and publish again"
        )


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_with_wal(path: Path) -> None:
    for stale in (path, wal_of(path)):
        stale.unlink(missing_ok=True)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
