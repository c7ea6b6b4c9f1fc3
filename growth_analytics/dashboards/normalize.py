"""Turn a ZIP exported from a running Superset into the reviewable tree in superset_exports/, so
that an edit made in the UI lands in git as a small, readable diff:

- file names from what a reviewer recognises (a chart's title, a dashboard's slug, a dataset's
  table) instead of Superset's `<name>_<id>.yaml`;
- volatile ids out: the query-context blob (bundle.py derives it again from the params), the
  params' datasource id, the export's timestamp, the colours a browser recorded while drawing;
  a dashboard's chart ids become numbers derived from the charts' uuids, the same in every
  Superset, with the dashboard's references to them rewritten alike;
- the database URI back to its placeholder (`duckdb:///${SERVING_PATH}` or the BigQuery form);
- keys sorted, columns and metrics sorted by name, one YAML style.

A tree normalised twice is unchanged; importing the tree and exporting it again gives it back.
"""

from __future__ import annotations

import io
import re
import shutil
import uuid
import zipfile
from pathlib import Path

import yaml

from growth_analytics.dashboards.bundle import BIGQUERY_URI, EXPORTS_DIR, BundleError
from growth_analytics.dashboards.series_colours import dashboard_label_colours, verbose_names

DUCKDB_URI = "duckdb:///${SERVING_PATH}"
# Written into a dashboard's metadata by the browser that renders it (the colours it happened to
# assign), not by anyone editing it.
RENDERING_STATE = ("color_scheme_domain", "shared_label_colors", "map_label_colors")
SUBFOLDERS = ("databases", "datasets", "charts", "dashboards")


class _PlainDumper(yaml.SafeDumper):
    """No anchors and aliases: a repeated value is written out each time."""

    def ignore_aliases(self, data) -> bool:
        return True


def to_yaml(doc: dict) -> str:
    """The one YAML style of the committed tree."""
    return yaml.dump(doc, Dumper=_PlainDumper, sort_keys=True, allow_unicode=True, width=100)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def stable_chart_id(chart_uuid: str) -> int:
    """A dashboard layout refers to its charts by id; the importer maps these to new ids."""
    return int(uuid.UUID(chart_uuid).hex[:7], 16)


def normal_chart(doc: dict) -> dict:
    params = {k: v for k, v in doc["params"].items() if k not in ("datasource", "slice_id")}
    return {**doc, "params": params, "query_context": None}


def normal_database(doc: dict) -> dict:
    uri = doc["sqlalchemy_uri"]
    if uri.startswith("duckdb:"):
        uri = DUCKDB_URI
    elif uri.startswith("bigquery:"):
        uri = BIGQUERY_URI
    else:
        raise BundleError(f"database {doc['database_name']}: unexpected URI scheme in {uri!r}")
    return {**doc, "sqlalchemy_uri": uri}


def normal_dataset(doc: dict) -> dict:
    return {
        **doc,
        "columns": sorted(doc.get("columns") or [], key=lambda c: c["column_name"]),
        "metrics": sorted(doc.get("metrics") or [], key=lambda m: m["metric_name"]),
    }


def remap_ids(value, id_map: dict[int, int]):
    """Chart ids inside a dashboard's metadata (cross-filter scopes, immune lists, ...)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and key.isdigit() and int(key) in id_map:
                key = str(id_map[int(key)])
            if key in ("id", "chartId") and isinstance(item, int) and item in id_map:
                item = id_map[item]
            elif key in ("chartsInScope", "excluded", "immune", "timed_refresh_immune_slices"):
                item = [id_map.get(i, i) for i in item]
            else:
                item = remap_ids(item, id_map)
            out[key] = item
        return out
    if isinstance(value, list):
        return [remap_ids(item, id_map) for item in value]
    return value


def normal_dashboard(doc: dict) -> dict:
    position = doc["position"]
    id_map = {}
    for node in position.values():
        if isinstance(node, dict) and node.get("type") == "CHART":
            meta = node["meta"]
            new_id = stable_chart_id(meta["uuid"])
            if new_id in id_map.values():
                raise BundleError(f"dashboard {doc['slug']}: two charts map to id {new_id}")
            id_map[meta["chartId"]] = new_id
    position = {
        key: (
            {**node, "meta": {**node["meta"], "chartId": id_map[node["meta"]["chartId"]]}}
            if isinstance(node, dict) and node.get("type") == "CHART"
            else node
        )
        for key, node in position.items()
    }
    metadata = {
        key: value
        for key, value in (doc.get("metadata") or {}).items()
        if key not in RENDERING_STATE
    }
    return {**doc, "position": position, "metadata": remap_ids(metadata, id_map)}


def file_name(kind: str, doc: dict) -> str:
    if kind == "charts":
        return f"charts/{slug(doc['slice_name'])}.yaml"
    if kind == "dashboards":
        return f"dashboards/{doc.get('slug') or slug(doc['dashboard_title'])}.yaml"
    if kind == "databases":
        return f"databases/{slug(doc['database_name'])}.yaml"
    return f"datasets/{slug(doc['schema'] or 'default')}/{doc['table_name']}.yaml"


def normalise(files: dict[str, dict]) -> dict[str, str]:
    """Exported files (paths relative to the export's top folder) -> the committed tree's texts."""
    normalisers = {
        "charts": normal_chart,
        "dashboards": normal_dashboard,
        "databases": normal_database,
        "datasets": normal_dataset,
    }
    tree = {}
    for name, doc in files.items():
        kind = name.split("/", 1)[0]
        if name == "metadata.yaml":
            tree[name] = {k: v for k, v in doc.items() if k != "timestamp"}
        elif kind in normalisers:
            out = file_name(kind, doc)
            if out in tree:
                raise BundleError(f"two exported files would both be written to {out}: {name}")
            tree[out] = normalisers[kind](doc)
        else:
            raise BundleError(f"unexpected file in the export: {name}")
    colour_series(tree)
    return {name: to_yaml(doc) for name, doc in sorted(tree.items())}


def colour_series(tree: dict[str, dict]) -> None:
    """Every dashboard's `label_colors` from series_colours, whatever the UI left there: a
    series has one colour on every chart of every dashboard."""
    charts = {doc["uuid"]: doc for name, doc in tree.items() if name.startswith("charts/")}
    names = verbose_names(doc for name, doc in tree.items() if name.startswith("datasets/"))
    for name, doc in tree.items():
        if name.startswith("dashboards/"):
            try:
                colours = dashboard_label_colours(doc, charts, names)
            except ValueError as exc:
                raise BundleError(str(exc)) from exc
            doc["metadata"] = {**doc["metadata"], "label_colors": colours}


def read_export(archive: bytes) -> dict[str, dict]:
    """The YAML files of an export ZIP, without its top folder."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for info in zipped.infolist():
            if info.is_dir() or not info.filename.endswith(".yaml"):
                continue
            _, _, inner = info.filename.partition("/")
            files[inner] = yaml.safe_load(zipped.read(info))
    return files


def write_tree(texts: dict[str, str], exports_dir: Path = EXPORTS_DIR) -> None:
    """Replace the tree's YAML (its README.md stays): a chart deleted in the UI goes away."""
    for folder in SUBFOLDERS:
        shutil.rmtree(exports_dir / folder, ignore_errors=True)
    (exports_dir / "metadata.yaml").unlink(missing_ok=True)
    for name, text in texts.items():
        path = exports_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def tree_texts(exports_dir: Path = EXPORTS_DIR) -> dict[str, str]:
    return {
        path.relative_to(exports_dir).as_posix(): path.read_text()
        for path in sorted(exports_dir.rglob("*.yaml"))
    }
