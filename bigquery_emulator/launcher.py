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
  estimated size of every table of every attached catalog before filtering: 29 ms a lookup with
  240 tables (5 ms without the size), and a lookup behind most requests. `objects` reads a
  project's own DuckLake catalog instead (see patch_catalog_lookups).
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


# local-bigquery 0.4.0's engine.database.objects, for a DuckLake project: the same rows (name,
# kind, DuckDB's estimated size, which for DuckLake is the table's record count), read from the
# project's own catalog, which DuckLake keeps in the attached __ducklake_metadata_<project>.
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


def patch_catalog_lookups(check: bool = False) -> None:
    """engine.database.objects of local-bigquery 0.4.0 from the project's DuckLake catalog
    tables rather than duckdb_tables() and duckdb_views(), which cost in proportion to every
    table the emulator holds. Other databases (the emulator's own, for query results) keep the
    original. With check, every answer is compared with the original's, and a difference
    raises: the tests run one module so (BIGQUERY_EMULATOR_CHECK_PATCHES=1)."""
    from local_bigquery.engine import database

    original = database.objects
    if getattr(original, "_from_ducklake_catalog", False):
        return

    def objects(project_id: str, dataset_id: str, table_id: str | None = None):
        if project_id not in database._attached:
            return original(project_id, dataset_id, table_id)
        meta = database.quote(f"__ducklake_metadata_{project_id}")
        rows = database.fetch(DUCKLAKE_OBJECTS.format(meta=meta), [dataset_id, table_id])
        if check:
            expected = original(project_id, dataset_id, table_id)
            if rows != expected:
                raise RuntimeError(
                    f"objects({project_id!r}, {dataset_id!r}, {table_id!r}): the DuckLake "
                    f"catalog gives {rows!r}, duckdb_tables() {expected!r}"
                )
        return rows

    objects._from_ducklake_catalog = True  # type: ignore[attr-defined]
    database.objects = objects


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
