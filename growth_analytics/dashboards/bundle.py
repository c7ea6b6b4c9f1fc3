"""Build a Superset import bundle (a ZIP) from the reviewable export tree in superset_exports/.

The tree is Superset's own export format, unzipped and normalised (see normalize.py). Three
things are filled in only here, at import time, because they depend on where the dashboards go
or are noise in review:

- the database entry: `${SERVING_PATH}` (the serving DuckDB file) for the `duckdb` target, or a
  BigQuery URI for the `bigquery` target; the database's uuid stays the same, so the datasets
  and charts follow it;
- each chart's query context, derived from its params: GET /api/v1/chart/<id>/data/ answers
  only for a chart that has one (the browser derives its own from the params);
- metadata.yaml's timestamp.

Superset strips the first path part of every entry of an import ZIP, so every file goes under
one top folder; a flat ZIP fails with a JSON decode error.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

import yaml

from growth_analytics import PROJECT_ROOT

EXPORTS_DIR = PROJECT_ROOT / "superset_exports"
TOP_FOLDER = "growth_analytics_dashboards"
TARGETS = ("duckdb", "bigquery")
# The committed database entry (the duckdb target) reads the serving file read-only, with
# DuckDB's file access switched off and its configuration locked (SQL Lab could otherwise read
# any local file with read_csv). The BigQuery entry carries no credentials: Superset's process
# finds them through Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS).
BIGQUERY_URI = "bigquery://${BQ_PROJECT}?location=${BQ_LOCATION}"


class BundleError(ValueError):
    """The export tree cannot be turned into a bundle; the message says what to fix."""


@dataclass(frozen=True)
class Target:
    name: str  # "duckdb" or "bigquery"
    values: dict[str, str]  # what the database entry's ${...} placeholders become

    @classmethod
    def duckdb(cls, serving_path: Path) -> Target:
        if not serving_path.is_absolute():
            raise BundleError(f"the serving file must be an absolute path, got {serving_path}")
        return cls("duckdb", {"SERVING_PATH": str(serving_path)})

    @classmethod
    def bigquery(cls, project: str, location: str) -> Target:
        if not project:
            raise BundleError("the bigquery target needs a project (ANALYTICS_BQ_PROJECT)")
        return cls("bigquery", {"BQ_PROJECT": project, "BQ_LOCATION": location})


def dataset_paths(exports_dir: Path = EXPORTS_DIR) -> list[Path]:
    """The tree's dataset files (datasets/<schema>/<table>.yaml)."""
    return sorted(Path(exports_dir).glob("datasets/*/*.yaml"))


def read_tree(exports_dir: Path = EXPORTS_DIR) -> dict[str, dict]:
    """Every YAML file of the export tree, by its path relative to the tree."""
    tree = {
        path.relative_to(exports_dir).as_posix(): yaml.safe_load(path.read_text())
        for path in sorted(exports_dir.rglob("*.yaml"))
    }
    if "metadata.yaml" not in tree:
        raise BundleError(f"{exports_dir} has no metadata.yaml: not a Superset export tree")
    return tree


def database_entry(entry: dict, target: Target) -> dict:
    entry = dict(entry)
    if target.name == "bigquery":
        entry["sqlalchemy_uri"] = BIGQUERY_URI
        # BigQuery needs no DuckDB connection settings; keep the entry's other extras.
        extra = {k: v for k, v in (entry.get("extra") or {}).items() if k != "engine_params"}
        entry["extra"] = extra
    try:
        entry["sqlalchemy_uri"] = Template(entry["sqlalchemy_uri"]).substitute(target.values)
    except KeyError as exc:
        raise BundleError(
            f"database {entry.get('database_name')}: no value for ${{{exc.args[0]}}} "
            f"in target {target.name}"
        ) from exc
    return entry


def simple_filters(params: dict) -> list[dict]:
    filters = []
    for adhoc in params.get("adhoc_filters") or []:
        if adhoc.get("expressionType") != "SIMPLE" or adhoc.get("clause") != "WHERE":
            raise BundleError(
                f"chart {params.get('slice_name', '?')}: only simple WHERE filters are supported "
                f"in committed charts, got {adhoc}"
            )
        filters.append(
            {"col": adhoc["subject"], "op": adhoc["operator"], "val": adhoc["comparator"]}
        )
    return filters


def query_context(params: dict) -> dict:
    """The query a chart asks for, as Superset's chart-data API takes it: the x axis and the
    group-by columns (or a raw table's columns), the saved metrics, the simple filters.

    The frontend adds post-processing (pivots, rolling windows) for drawing; the data API
    returns the rows before it, which is what the numbers are compared on."""
    viz = params["viz_type"]
    order = []
    if viz == "table" and params.get("query_mode") == "raw":
        columns = list(params["all_columns"])
        metrics = []
        order = [json.loads(item) for item in params.get("order_by_cols") or []]
    else:
        columns = []
        if params.get("x_axis"):
            axis = params["x_axis"]
            columns.append(
                {
                    "columnType": "BASE_AXIS",
                    "expressionType": "SQL",
                    "label": axis,
                    "sqlExpression": axis,
                }
            )
        groupby = params.get("groupby") or []
        columns += [groupby] if isinstance(groupby, str) else list(groupby)
        metrics = list(params.get("metrics") or [params["metric"]])
        if viz == "table":
            order = [[metrics[0], False]]
    if not columns and not metrics:
        raise BundleError(f"chart of type {viz}: no columns and no metrics to query")
    query = {
        "annotation_layers": [],
        "applied_time_extras": {},
        "columns": columns,
        "custom_form_data": {},
        "custom_params": {},
        "extras": {"having": "", "where": ""},
        "filters": simple_filters(params),
        "metrics": metrics,
        "order_desc": True,
        "orderby": order,
        "row_limit": params.get("row_limit", 10000),
        "series_limit": 0,
        "url_params": {},
    }
    return {
        # Superset's import replaces the datasource with the dataset's new id.
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "form_data": params,
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
    }


def bundle_files(tree: dict[str, dict], target: Target, now: dt.datetime) -> dict[str, dict]:
    files = {}
    for name, doc in tree.items():
        if name.startswith("databases/"):
            doc = database_entry(doc, target)
        elif name.startswith("charts/"):
            doc = {**doc, "query_context": json.dumps(query_context(doc["params"]))}
        elif name == "metadata.yaml":
            doc = {**doc, "timestamp": now.isoformat()}
        files[name] = doc
    return files


def build_bundle(
    target: Target,
    exports_dir: Path = EXPORTS_DIR,
    now: dt.datetime | None = None,
) -> bytes:
    """The import ZIP for one target, every entry under TOP_FOLDER/."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    files = bundle_files(read_tree(exports_dir), target, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, doc in sorted(files.items()):
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000)
            archive.writestr(f"{TOP_FOLDER}/{name}", text)
    return buffer.getvalue()
