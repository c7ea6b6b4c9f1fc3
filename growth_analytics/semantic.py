"""The semantic layer: every headline metric is one SQLMesh METRIC in metrics/*.sql, with a
comment that says what it measures, its grain and its filters. This module reads those
definitions for the two things built from them:

- docs/metrics.md, the reference a reader needs (`growth-analytics metrics` writes it; a test
  fails when it is stale);
- the self-contained expression of each metric over its own table (`SUM(new_users) + ...`, in
  BigQuery or DuckDB SQL), which is what a Superset dataset metric is.

Queries that use the metrics go through SQLMesh's rewriter: `sqlmesh rewrite "SELECT
period_start, METRIC(quick_ratio_monthly) FROM analytics.growth_accounting_monthly GROUP BY
period_start"` (or `Context.rewrite`) expands METRIC(...) into SQL; `fetchdf` does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from growth_analytics import PROJECT_ROOT

METRICS_DIR = PROJECT_ROOT / "metrics"
DOCS_PATH = PROJECT_ROOT / "docs" / "metrics.md"
LINE_LABELS = ("Grain:", "Filters:")


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    section: str  # the metrics/ file it is defined in, without .sql
    description: str  # what it measures, the comment's text before "Grain:"
    grain: str
    filters: str
    owner: str
    table: str  # the model whose rows it aggregates
    definition: str  # the expression as written in metrics/
    uses: tuple[str, ...]  # other metrics it is computed from
    expanded: exp.Expr  # SQLMesh's expansion, other metrics replaced by their aggregations

    def expression(self, dialect: str = "bigquery") -> str:
        """The metric as one expression over its own table, with no table qualifiers: the form
        a Superset dataset metric takes, portable between BigQuery and DuckDB."""

        # Two passes: sqlglot's transform does not descend into a node it has just replaced.
        unaliased = self.expanded.transform(
            lambda node: node.this if isinstance(node, exp.Alias) else node
        )
        return unaliased.transform(
            lambda node: (
                exp.column(node.name) if isinstance(node, exp.Column) and node.table else node
            )
        ).sql(dialect=dialect)


def split_comment(name: str, comment: str) -> tuple[str, str, str]:
    """(description, grain, filters) from a METRIC's comment; each metric must state all three."""
    text = " ".join(line.strip() for line in comment.strip().splitlines())
    parts = re.split(r"\s*(Grain:|Filters:)\s*", text)
    fields = dict(zip(parts[1::2], parts[2::2], strict=True))
    description = parts[0].strip()
    missing = [label for label in LINE_LABELS if not fields.get(label)]
    if not description or missing:
        raise ValueError(
            f"metric {name}: its comment needs a description, then 'Grain: ...' and "
            f"'Filters: ...' (missing: {', '.join(missing) or 'description'})"
        )
    return description, fields["Grain:"], fields["Filters:"]


def read_sections(metrics_dir: Path = METRICS_DIR) -> dict[str, tuple[str, dict[str, str]]]:
    """section -> (introduction, {metric name: its own comment}), in file and definition order.

    SQLMesh joins every comment above a METRIC into its description, so the file's opening
    comment (the section's introduction) would otherwise merge into the first metric's."""
    from sqlmesh.core import dialect as d

    sections = {}
    for path in sorted(metrics_dir.glob("*.sql")):
        intro = ""
        comments: dict[str, str] = {}
        for i, statement in enumerate(d.parse(path.read_text(), default_dialect="bigquery")):
            own = list(statement.comments or [])
            if i == 0 and len(own) > 1:
                intro = own.pop(0)
            props = {prop.name.lower(): prop.args.get("value") for prop in statement.expressions}
            comments[props["name"].name.lower()] = "\n".join(own)
        sections[path.stem] = (" ".join(line.strip() for line in intro.splitlines()), comments)
    return sections


def load_definitions(context=None) -> list[MetricDefinition]:
    """Every metric, in the order of docs/metrics.md (file by file, as written)."""
    if context is None:
        from sqlmesh import Context

        context = Context(paths=str(PROJECT_ROOT))
    metrics = context.metrics
    definitions = []
    for section, (_, comments) in read_sections().items():
        for name, comment in comments.items():
            metric = metrics[name]
            description, grain, filters = split_comment(name, comment)
            tables = {
                ".".join(part.name for part in column.parts[:-1])
                for column in metric.expanded.find_all(exp.Column)
                if column.table
            }
            if len(tables) != 1:
                raise ValueError(f"metric {name}: reads {sorted(tables)}, expected one table")
            uses = sorted({c.name for c in metric.expression.find_all(exp.Column) if not c.table})
            if uses and list(metric.expression.find_all(exp.AggFunc)):
                # SQLMesh 0.236's rewriter emits invalid SQL for such a mix (it aliases the
                # expanded aggregations inside the formula): define the aggregation as a metric.
                raise ValueError(
                    f"metric {name}: either one aggregation or a formula over other metrics, "
                    "not both"
                )
            definitions.append(
                MetricDefinition(
                    name=name,
                    section=section,
                    description=description,
                    grain=grain,
                    filters=filters,
                    owner=metric.owner or "",
                    table=tables.pop(),
                    definition=metric.expression.sql(dialect="bigquery"),
                    uses=tuple(uses),
                    expanded=metric.expanded,
                )
            )
    unlisted = set(metrics) - {m.name for m in definitions}
    if unlisted:
        raise ValueError(f"metrics SQLMesh loaded but not read here: {sorted(unlisted)}")
    return definitions


def render_markdown(definitions: list[MetricDefinition]) -> str:
    intros = {section: intro for section, (intro, _) in read_sections().items()}
    lines = [
        "# Metrics",
        "",
        "<!-- Generated by `growth-analytics metrics` from metrics/*.sql; edit those, not this."
        " A test fails when this file is stale. -->",
        "",
        "Every headline number is defined once, as a SQLMesh `METRIC` in `metrics/`. Query them",
        "through SQLMesh's rewriter, which expands `METRIC(name)` into SQL on the metric's table:",
        "",
        "```sh",
        'sqlmesh rewrite "SELECT period_start, METRIC(quick_ratio_monthly)'
        ' FROM analytics.growth_accounting_monthly GROUP BY period_start"',
        "```",
        "",
        "Ratios are defined on sums (never as averages of ratios), so they stay right at any",
        "grouping. *Dataset expression* is the metric as one expression over its table, the form",
        "the Superset datasets in `superset_exports/` use; it is the same on BigQuery and DuckDB",
        "unless both are shown.",
        "",
    ]
    sections = list(dict.fromkeys(m.section for m in definitions))
    lines.append("| section | metrics |")
    lines.append("|---|---|")
    for section in sections:
        names = ", ".join(f"[`{m.name}`](#{m.name})" for m in definitions if m.section == section)
        lines.append(f"| [{section}](#{section.replace('_', '-')}) | {names} |")
    lines.append("")
    for section in sections:
        lines += [f"## {section.replace('_', ' ').capitalize()}", "", intros[section], ""]
        for m in (m for m in definitions if m.section == section):
            bigquery, duckdb = m.expression("bigquery"), m.expression("duckdb")
            lines += [
                f"### {m.name}",
                "",
                m.description,
                "",
                f"- **Table:** `{m.table}`",
                f"- **Grain:** {m.grain}",
                f"- **Filters:** {m.filters}",
                f"- **Defined as:** `{m.definition}`"
                + (f" (uses {', '.join(f'`{u}`' for u in m.uses)})" if m.uses else ""),
                f"- **Dataset expression:** `{bigquery}`"
                + ("" if duckdb == bigquery else f"; DuckDB: `{duckdb}`"),
                f"- **Owner:** {m.owner}",
                "",
            ]
    return "\n".join(lines)


def write_docs(check: bool = False) -> int:
    """Write docs/metrics.md; with check, only say whether it is current (exit status 1 if not)."""
    text = render_markdown(load_definitions())
    current = DOCS_PATH.read_text() if DOCS_PATH.exists() else None
    if check:
        if current != text:
            print(f"{DOCS_PATH.relative_to(PROJECT_ROOT)} is stale: run `growth-analytics metrics`")
            return 1
        return 0
    DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PATH.write_text(text)
    print(f"wrote {DOCS_PATH.relative_to(PROJECT_ROOT)}")
    return 0
