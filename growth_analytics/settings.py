"""The project's environment variables, resolved once, with the defaults documented in README.md."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT

# Schemas the models write to; DuckDB names its catalog after the warehouse file's stem, so a
# file called e.g. `analytics.duckdb` makes `analytics.x` ambiguous between catalog and schema.
MODEL_SCHEMAS = ("raw", "staging", "intermediate", "analytics")
# The serving file's own schema (when and what was published); not `serving`, which would be
# ambiguous with the catalog of the default serving file, serving.duckdb.
SERVING_METADATA_SCHEMA = "publication"

DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_SERVING_NAME = "serving.duckdb"  # beside the warehouse file
DEFAULT_LATE_DAYS = 3


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
    """What the project's own commands need. The models read the landing folder (a local path or
    gs://), the start date and the late days as SQLMesh variables from config.yaml, which holds
    their defaults; only the late days are checked here too, to fail before SQLMesh does."""

    warehouse: Path
    serving: Path
    late_arrival_days: int

    @classmethod
    def for_warehouse(cls, warehouse: Path, env: dict[str, str] | None = None) -> Settings:
        """The settings of a DuckDB warehouse SQLMesh's configuration names."""
        settings = cls.from_env(env)
        env = dict(os.environ if env is None else env)
        return cls(
            warehouse=warehouse,
            serving=serving_path(env, warehouse),
            late_arrival_days=settings.late_arrival_days,
        )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        late = env.get("ANALYTICS_LATE_DAYS", str(DEFAULT_LATE_DAYS))
        if not late.isdigit():
            raise SettingsError(f"ANALYTICS_LATE_DAYS={late!r}: expected a whole number of days")
        warehouse = check_warehouse_path(
            resolve_path(env.get("ANALYTICS_WAREHOUSE", DEFAULT_WAREHOUSE))
        )
        return cls(
            warehouse=warehouse,
            serving=serving_path(env, warehouse),
            late_arrival_days=int(late),
        )
