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
