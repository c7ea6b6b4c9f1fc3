"""What the project's own commands add to SQLMesh's configuration: the serving file beside a
DuckDB warehouse, and the checks on file names. The settings themselves (warehouse, landing
folder, start date, late days) are config.yaml's, read through SQLMesh
(growth_analytics.project)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT

# Schemas the models write to; DuckDB names its catalog after the warehouse file's stem, so a
# file called e.g. `analytics.duckdb` makes `analytics.x` ambiguous between catalog and schema.
MODEL_SCHEMAS = ("raw", "staging", "intermediate", "analytics", "seeds")
# The serving file's own schema (when and what was published); not `serving`, which would be
# ambiguous with the catalog of the default serving file, serving.duckdb.
SERVING_METADATA_SCHEMA = "publication"

DEFAULT_SERVING_NAME = "serving.duckdb"  # beside the warehouse file


class SettingsError(ValueError):
    """A configuration value that cannot work; the message says which variable to fix."""


def resolve_path(value: str | os.PathLike[str], base: Path = PROJECT_ROOT) -> Path:
    """Relative paths are taken from the project root, as SQLMesh runs there."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def check_catalog_stem(
    path: Path, variable: str, schemas: tuple[str, ...], example: str = "warehouse.duckdb"
) -> Path:
    if path.stem.lower() in schemas:
        raise SettingsError(
            f"{variable}={path}: DuckDB names the catalog after the file's stem "
            f"'{path.stem}', which is also a schema of this project ({', '.join(schemas)}); "
            f"choose another file name, e.g. {example}"
        )
    return path


def check_warehouse_path(path: Path) -> Path:
    return check_catalog_stem(path, "ANALYTICS_WAREHOUSE", MODEL_SCHEMAS)


def serving_path(env: dict[str, str], warehouse: Path) -> Path:
    """ANALYTICS_SERVING, by default serving.duckdb beside the warehouse; never the warehouse."""
    value = env.get("ANALYTICS_SERVING")
    path = resolve_path(value) if value else warehouse.with_name(DEFAULT_SERVING_NAME)
    schemas = (*MODEL_SCHEMAS, SERVING_METADATA_SCHEMA)
    check_catalog_stem(path, "ANALYTICS_SERVING", schemas, DEFAULT_SERVING_NAME)
    if path.resolve() == warehouse.resolve():
        raise SettingsError(
            f"ANALYTICS_SERVING={path} is the warehouse file itself; the serving file must be "
            "a separate file (by default serving.duckdb beside the warehouse)"
        )
    return path


@dataclass(frozen=True)
class Settings:
    """The files of a DuckDB warehouse SQLMesh's configuration names: the warehouse and the
    serving file the dashboards read (ANALYTICS_SERVING, by default beside the warehouse)."""

    warehouse: Path
    serving: Path

    @classmethod
    def for_warehouse(cls, warehouse: Path, env: dict[str, str] | None = None) -> Settings:
        """`warehouse` as growth_analytics.project.load_target resolved and checked it."""
        env = dict(os.environ if env is None else env)
        return cls(warehouse=warehouse, serving=serving_path(env, warehouse))
