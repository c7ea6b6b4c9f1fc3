"""Start local-bigquery, a local BigQuery API emulator, offline and without editing the package.

Run it with the emulator's own interpreter (.venv/bigquery-emulator/bin/python, made by
`make bigquery-emulator-venv`), never SQLMesh's: local-bigquery needs Python >= 3.13 and a newer
sqlglot than SQLMesh pins.

    .venv/bigquery-emulator/bin/python bigquery_emulator/launcher.py \\
        --home /tmp/bq-home --data-dir /tmp/bq-data --port 9050 --grpc-port 9060

What it works around (measured in /work/shared/notes/bigquery-emulator.md):

- DuckDB cannot download extensions here. The emulator needs ducklake and spatial: they are
  copied from the duckdb-extension-* packages into `$HOME/.duckdb/extensions/v<ver>/<platform>/`,
  under a HOME of the emulator's own (`--home`, or BIGQUERY_EMULATOR_HOME_DIR).
- local-bigquery opens DuckDB with `config={"TimeZone": "UTC"}`, which needs the icu extension
  (not shipped as a package) and so makes every request fail. `duckdb.connect` is wrapped: the
  TimeZone key is dropped and `SET TimeZone='UTC'` runs right after connecting instead.
- local-bigquery finds a table or a dataset's tables with `duckdb_tables()`, which works out the
  estimated size of every table of every attached catalog before filtering (29 ms a lookup with
  240 tables, 5 ms without the size), and a table's columns with `duckdb_columns()`, which lists
  every column of every catalog; a lookup is behind most requests. For a DuckLake project both
  read the project's own catalog instead, and for a query's result (a table of the emulator's
  own database) DuckDB's lookup of that one table (see patch_catalog_lookups).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
from pathlib import Path

EXTENSION_PACKAGES = ("duckdb_extension_ducklake", "duckdb_extension_spatial")


def duckdb_platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[machine]
    return f"{sys.platform.replace('darwin', 'osx')}_{arch}"


def install_extensions(home: Path) -> Path:
    """Copy the packaged extension files to where DuckDB looks for them under `home`."""
    import importlib

    import duckdb

    version = f"v{duckdb.__version__}"
    target = home / ".duckdb" / "extensions" / version / duckdb_platform()
    target.mkdir(parents=True, exist_ok=True)
    for name in EXTENSION_PACKAGES:
        package = Path(importlib.import_module(name).__file__).parent
        found = sorted((package / "extensions" / version).glob("*.duckdb_extension"))
        if not found:
            raise SystemExit(
                f"{name} ships no extension for DuckDB {version} under {package}/extensions: "
                "the duckdb and duckdb-extension-* pins in bigquery_emulator/requirements.txt "
                "must match"
            )
        for src in found:
            dest = target / src.name
            if not dest.exists() or dest.stat().st_size != src.stat().st_size:
                shutil.copyfile(src, dest)
    return target


def patch_duckdb_connect() -> None:
    """Open DuckDB without the TimeZone config key (it needs icu), then set UTC by SQL."""
    import duckdb

    original = duckdb.connect
    if getattr(original, "_without_timezone_config", False):
        return

    def connect(*args, **kwargs):
        config = kwargs.get("config")
        timezone = None
        if config and any(key.lower() == "timezone" for key in config):
            config = dict(config)
            for key in [k for k in config if k.lower() == "timezone"]:
                timezone = config.pop(key)
            kwargs["config"] = config
        con = original(*args, **kwargs)
        if timezone is not None:
            if str(timezone).upper() != "UTC":
                raise RuntimeError(f"only UTC works without the icu extension, not {timezone!r}")
            con.execute("SET TimeZone='UTC'")
        return con

    connect._without_timezone_config = True  # type: ignore[attr-defined]
    duckdb.connect = connect


# local-bigquery 0.4.0's engine.database.objects: its query, and the same rows for a DuckLake
# project (name, kind, DuckDB's estimated size, which for DuckLake is the table's record count)
# read from the project's own catalog, which DuckLake keeps in the attached
# __ducklake_metadata_<project>. The patch applies only while the library asks exactly this.
OBJECTS = (
    "SELECT table_name, 'TABLE', estimated_size FROM duckdb_tables() "
    "WHERE database_name = $1 AND schema_name = $2 "
    "AND table_name = coalesce($3, table_name) "
    "UNION ALL SELECT view_name, 'VIEW', 0 FROM duckdb_views() "
    "WHERE database_name = $1 AND schema_name = $2 "
    "AND view_name = coalesce($3, view_name) AND NOT internal ORDER BY 1"
)
DUCKLAKE_OBJECTS = """
WITH schemas AS (
    SELECT schema_id FROM {meta}.ducklake_schema WHERE end_snapshot IS NULL AND schema_name = $1
)
SELECT t.table_name, 'TABLE', coalesce(s.record_count, 0)
FROM {meta}.ducklake_table AS t
JOIN schemas USING (schema_id)
LEFT JOIN {meta}.ducklake_table_stats AS s USING (table_id)
WHERE t.end_snapshot IS NULL AND t.table_name = coalesce($2, t.table_name)
UNION ALL
SELECT v.view_name, 'VIEW', 0
FROM {meta}.ducklake_view AS v
JOIN schemas USING (schema_id)
WHERE v.end_snapshot IS NULL AND v.view_name = coalesce($2, v.view_name)
ORDER BY 1
"""


# The queries of local-bigquery 0.4.0 that go through duckdb_columns(), which lists every column
# of every catalog: a table's NOT NULL columns (catalog/tables.py, columns) and whether it has a
# given column (sql/rules/partitions.py, _hidden, for _PARTITIONTIME). Each maps to the same
# question put to the project's DuckLake catalog, whose rows are (column name or NULL): no row
# when no such table is current there (a view, whose columns DuckLake does not keep, or nothing),
# and then the original answers; a NULL when the table is there but no column matches. Each entry:
# that condition, the answer's row for a column found there, and for a results table the row for
# a column of pragma_table_info (name, NOT NULL), or None to leave the column out.
DUCKLAKE_TABLE_COLUMNS = """
WITH current_table AS (
    SELECT t.table_id
    FROM {meta}.ducklake_table AS t
    JOIN {meta}.ducklake_schema AS s USING (schema_id)
    WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL
      AND s.schema_name = $1 AND t.table_name = $2
)
SELECT c.column_name
FROM current_table AS t
LEFT JOIN {meta}.ducklake_column AS c
    ON c.table_id = t.table_id AND c.end_snapshot IS NULL AND c.parent_column IS NULL
    AND {condition}
ORDER BY c.column_order
"""
COLUMN_QUERIES = {
    (
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? AND NOT is_nullable"
    ): (
        "NOT c.nulls_allowed",
        lambda name: (name,),
        lambda params, column, not_null: (column,) if not_null else None,
    ),
    (
        "SELECT 1 FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND column_name = ?"
    ): (
        "c.column_name = $3",
        lambda name: (1,),
        lambda params, column, not_null: (1,) if column == params[3] else None,
    ),
}


# local-bigquery 0.4.0 keeps each query's result in a table of its own database, named after the
# job (catalog/tables.py, physical: "emulator"._results."<project>:<job>"), and never drops it, so
# a lookup of a result through duckdb_tables() or duckdb_columns() went through every result
# before it (about 330 after the 4-day plan of test_bigquery_cli.py, 10 to 20 ms a lookup). For a
# table of that schema both are answered from DuckDB's lookup of that one table: pragma_table_info
# for its columns, and for duckdb_tables()' estimated_size (the rows its row groups hold, deleted
# ones included) the rows pragma_storage_info counts in its first column. A view or a missing name
# still goes to local-bigquery's query. DuckDB finds a quoted name whatever its case, and so does
# this where local-bigquery's query compares exactly; the name is the job's id.
OWN_DATABASE, RESULTS_SCHEMA = "emulator", "_results"


def own_result_table(cur, schema: str, table: str) -> str | None:
    """The quoted name of a table (not a view) of the emulator's own results schema; None for
    another schema, a view or a missing name."""
    import duckdb
    from local_bigquery.engine import database

    if schema != RESULTS_SCHEMA:
        return None
    name = database.quote(OWN_DATABASE, schema, table)
    try:
        cur.table(name)  # raises for a view and for a missing name
    except duckdb.CatalogException:
        return None
    return name


def patch_catalog_lookups(check: bool = False) -> None:
    """local-bigquery 0.4.0's catalog lookups, answered without duckdb_tables(), duckdb_views()
    and duckdb_columns(), which cost in proportion to every table the emulator holds: for a
    DuckLake project from the project's own catalog tables, and for a table of query results from
    DuckDB's lookup of that table (see OWN_DATABASE). engine.database.objects (when its source
    still holds OBJECTS), and the two duckdb_columns() queries of COLUMN_QUERIES as
    engine.database.fetch receives them (any other query goes through untouched). With check,
    every answer is compared with the original query's, both read in one transaction (a batch
    committing in between would otherwise differ), and a difference raises
    (BIGQUERY_EMULATOR_CHECK_PATCHES=1)."""
    import ast
    import functools
    import inspect
    import textwrap

    import duckdb
    from local_bigquery.engine import database

    original_objects, original_fetch = database.objects, database.fetch
    if getattr(original_objects, "_from_ducklake_catalog", False):
        return

    def read(fast, reference: tuple[str, list]) -> tuple[list | None, list | None]:
        """fast(cursor)'s rows (None: ask the original), and with check the reference query's,
        from the same state."""
        with database.cursor() as cur:
            if not check:
                return fast(cur), None
            cur.execute("BEGIN TRANSACTION")
            try:
                return fast(cur), cur.execute(*reference).fetchall()
            finally:
                cur.execute("ROLLBACK")

    def query(sql: str, params: list):
        return lambda cur: cur.execute(sql, params).fetchall()

    def compared(call: str, rows: list, expected: list | None) -> list:
        if expected is not None and rows != expected:
            raise RuntimeError(
                f"{call}: the faster lookup gives {rows!r}, local-bigquery {expected!r}"
            )
        return rows

    def own_objects(cur, dataset_id: str, table_id: str) -> list | None:
        name = own_result_table(cur, dataset_id, table_id)
        if name is None:
            return None
        try:
            (size,) = cur.execute(
                "SELECT coalesce(sum(count), 0) FROM pragma_storage_info(?) "
                "WHERE column_path = '[0]'",
                [name],
            ).fetchone()
        except duckdb.CatalogException:  # dropped since: local-bigquery's query answers
            return None
        return [(table_id, "TABLE", size)]

    def objects(project_id: str, dataset_id: str, table_id: str | None = None):
        if project_id == OWN_DATABASE and table_id is not None:
            fast = functools.partial(own_objects, dataset_id=dataset_id, table_id=table_id)
        elif project_id in database._attached:
            meta = database.quote(f"__ducklake_metadata_{project_id}")
            fast = query(DUCKLAKE_OBJECTS.format(meta=meta), [dataset_id, table_id])
        else:
            return original_objects(project_id, dataset_id, table_id)
        asked = (project_id, dataset_id, table_id)
        rows, expected = read(fast, (OBJECTS, list(asked)))
        if rows is None:
            return expected if expected is not None else original_objects(*asked)
        return compared(f"objects({project_id!r}, {dataset_id!r}, {table_id!r})", rows, expected)

    def own_columns(cur, params: list, keep) -> list | None:
        name = own_result_table(cur, params[1], params[2])
        if name is None:
            return None
        try:
            columns = cur.execute(
                'SELECT name, "notnull" FROM pragma_table_info(?) ORDER BY cid', [name]
            ).fetchall()
        except duckdb.CatalogException:  # dropped since: local-bigquery's query answers
            return None
        return [found for column, not_null in columns if (found := keep(params, column, not_null))]

    def fetch(sql: str, params: list | None = None) -> list[tuple]:
        known = COLUMN_QUERIES.get(sql)
        if known is None or not params:
            return original_fetch(sql, params)
        condition, row, keep = known
        if params[0] == OWN_DATABASE:
            own = functools.partial(own_columns, params=params, keep=keep)
            rows, expected = read(own, (sql, params))
        elif params[0] in database._attached:
            meta = database.quote(f"__ducklake_metadata_{params[0]}")
            sql_fast = DUCKLAKE_TABLE_COLUMNS.format(meta=meta, condition=condition)
            found, expected = read(query(sql_fast, list(params[1:])), (sql, params))
            rows = [row(name) for (name,) in found if name is not None] if found else None
        else:
            return original_fetch(sql, params)
        if rows is None:
            return expected if expected is not None else original_fetch(sql, params)
        return compared(f"fetch({sql!r}, {params!r})", rows, expected)

    source = ast.parse(textwrap.dedent(inspect.getsource(original_objects)))
    strings = {node.value for node in ast.walk(source) if isinstance(node, ast.Constant)}
    if OBJECTS in strings:
        objects._from_ducklake_catalog = True  # type: ignore[attr-defined]
        database.objects = objects
    database.fetch = fetch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home",
        type=Path,
        default=os.environ.get("BIGQUERY_EMULATOR_HOME_DIR"),
        help="the emulator's private HOME (DuckDB's extensions go under it)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9050)
    parser.add_argument("--grpc-port", type=int, default=9060)
    parser.add_argument("--project", default="test-project")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.home is None:
        parser.error(
            "give the emulator a HOME of its own: --home DIR or BIGQUERY_EMULATOR_HOME_DIR"
        )

    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    # DuckDB finds its extension directory from HOME when a connection opens.
    os.environ["HOME"] = str(home)
    install_extensions(home)
    patch_duckdb_connect()
    patch_catalog_lookups(check=os.environ.get("BIGQUERY_EMULATOR_CHECK_PATCHES") == "1")

    from local_bigquery import cli

    cli.main(
        [
            "serve",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--grpc-port",
            str(args.grpc_port),
            "--project",
            args.project,
            "--data-dir",
            str(args.data_dir.resolve()),
        ]
    )


if __name__ == "__main__":
    main()
