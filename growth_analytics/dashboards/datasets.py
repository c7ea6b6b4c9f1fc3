"""The Superset datasets' metrics come from the semantic layer (metrics/*.sql), never from edits
in the UI: `growth-analytics superset sync-metrics` writes them into superset_exports/datasets/,
and a test fails when a dataset's metrics drift from the definitions.

Datasets are physical tables only (no SQL, no calculated columns), and a metric's expression is
the one semantic.MetricDefinition.expression gives for its table, which must be the same in the
BigQuery and DuckDB dialects so that one export serves both targets.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from growth_analytics.dashboards.bundle import EXPORTS_DIR, dataset_paths
from growth_analytics.dashboards.normalize import to_yaml
from growth_analytics.semantic import MetricDefinition

# The fields of a Superset dataset metric that the semantic layer does not set.
METRIC_DEFAULTS = {
    "currency": None,
    "d3format": None,
    "extra": {},
    "metric_type": None,
    "warning_text": None,
}
# A metric's label in charts is its name without the grain (the chart's title says it), so the
# same series has the same label, and colour, at every grain.
GRAIN_AFFIXES = re.compile(r"^(segment_|monthly_)|_(daily|weekly|monthly|rolling_28d)$")
ACRONYMS = {"dau": "DAU", "wau": "WAU", "mau": "MAU", "l28": "L28", "l7": "L7"}


def label(metric_name: str) -> str:
    words = GRAIN_AFFIXES.sub("", metric_name).split("_")
    text = " ".join(ACRONYMS.get(word, word) for word in words)
    return text[0].upper() + text[1:]


def expected_metrics(definitions: list[MetricDefinition], table: str) -> list[dict]:
    """The dataset metrics of one table ('analytics.x'), sorted by name as the tree keeps them."""
    metrics = []
    for m in definitions:
        if m.table != table:
            continue
        bigquery, duckdb = m.expression("bigquery"), m.expression("duckdb")
        if bigquery != duckdb:
            raise ValueError(
                f"metric {m.name} is not portable: BigQuery {bigquery!r}, DuckDB {duckdb!r}"
            )
        metrics.append(
            {
                **METRIC_DEFAULTS,
                "description": m.description,
                "expression": bigquery,
                "metric_name": m.name,
                "verbose_name": label(m.name),
            }
        )
    return sorted(metrics, key=lambda metric: metric["metric_name"])


def table_of(doc: dict) -> str:
    return f"{doc['schema']}.{doc['table_name']}"


def drift(definitions: list[MetricDefinition], exports_dir: Path = EXPORTS_DIR) -> list[str]:
    """One line per dataset whose metrics differ from the semantic layer's, or that is not a
    physical table."""
    problems = []
    for path in dataset_paths(exports_dir):
        doc = yaml.safe_load(path.read_text())
        name = path.relative_to(exports_dir)
        if doc.get("sql"):
            problems.append(f"{name}: a virtual dataset (sql); only physical tables are allowed")
        if any(column.get("expression") for column in doc.get("columns") or []):
            problems.append(f"{name}: calculated columns are not allowed; add a model column")
        have = {m["metric_name"]: m for m in doc.get("metrics") or []}
        want = {m["metric_name"]: m for m in expected_metrics(definitions, table_of(doc))}
        for metric in sorted(set(have) | set(want)):
            if metric not in want:
                problems.append(f"{name}: metric {metric} is not in metrics/ for {table_of(doc)}")
            elif metric not in have:
                problems.append(f"{name}: metric {metric} of metrics/ is missing")
            elif have[metric] != want[metric]:
                problems.append(f"{name}: metric {metric} differs from its definition in metrics/")
    return problems


def sync_metrics(definitions: list[MetricDefinition], exports_dir: Path = EXPORTS_DIR) -> int:
    """Rewrite every dataset's metrics from the definitions; the number of files changed."""
    changed = 0
    for path in dataset_paths(exports_dir):
        doc = yaml.safe_load(path.read_text())
        metrics = expected_metrics(definitions, table_of(doc))
        if doc.get("metrics") != metrics:
            doc["metrics"] = metrics
            path.write_text(to_yaml(doc))
            changed += 1
    return changed
