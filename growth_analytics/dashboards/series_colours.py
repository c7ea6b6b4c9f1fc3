"""One colour per series, on every dashboard: the growth states (new, retained, resurrected,
churned, dormant) and the other series that recur across charts (miles states, lifecycle stages,
dormancy buckets, platforms, landing outcomes).

Superset colours a series by its label through the dashboard's `label_colors`; left empty, each
chart hands out its scheme's colours in the order its series come, so *New users* was green on
one chart and navy on the next. normalise() writes every dashboard's `label_colors` from this
table, so a colour is changed here (and the tree normalised), never in the UI, and
tests/python/test_dashboards_tree.py fails when a series has two colours or none.

A series is known by its labels: a metric's name and its verbose name (the legend shows the
verbose name; Superset looks colours up by either, depending on the chart), or a value of a
grouping column that carries a known family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The growth states: green for what is won, red for what is lost, purple for what comes back,
# grey for who sleeps. The same five words mean the same thing in the user-level tables.
GROWTH = {
    "new": "#2E9E5B",
    "retained": "#2F6FB3",
    "resurrected": "#8E5CC2",
    "churned": "#D64541",
    "dormant": "#9AA0A6",
}
# Miles growth accounting: expansion and contraction are the retained users' miles going up
# and down; new, resurrected and churned keep the users' colours.
MILES = {
    "new": GROWTH["new"],
    "expansion": "#5AA9E6",
    "resurrected": GROWTH["resurrected"],
    "contraction": "#F29B38",
    "churned": GROWTH["churned"],
}
# Lifecycle stages run from new (the growth state's green) to mature, dormant stays grey.
LIFECYCLE = {
    "new": GROWTH["new"],
    "growing": "#8BC34A",
    "established": "#26A69A",
    "mature": "#1B3F73",
    "dormant": GROWTH["dormant"],
}
# Returns after dormancy: the resurrected purple, darker the longer the absence.
DORMANCY = {"2-7": "#C9B3E6", "8-30": "#A583D6", "31-90": "#7E4FB8", "90+": "#4B2A7B"}
PLATFORMS = {"ios": "#364FC7", "android": "#0C8599", "web": "#E8590C", "(none)": "#ADB5BD"}
OUTCOMES = {"staged": GROWTH["new"], "duplicate": "#F29B38", "rejected": GROWTH["churned"]}

FAMILIES = {
    "growth": GROWTH,
    "miles": MILES,
    "lifecycle": LIFECYCLE,
    "dormancy": DORMANCY,
    "platform": PLATFORMS,
    "outcome": OUTCOMES,
}

# Metric names of a known series -> (family, member).
_GRAINS = r"(?:daily|weekly|monthly|rolling_28d)"
METRIC_PATTERNS = (
    (re.compile(rf"^(new|retained|resurrected)_users_{_GRAINS}$"), "growth"),
    (re.compile(rf"^(churned)_users(?:_below_zero)?_{_GRAINS}$"), "growth"),
    (re.compile(r"^monthly_(new|expansion|resurrected)_miles$"), "miles"),
    (re.compile(r"^monthly_(contraction|churned)_miles(?:_below_zero)?$"), "miles"),
    (re.compile(r"^(staged|duplicate|rejected)_rows$"), "outcome"),
)

# Grouping columns whose values are members of a family. A chart grouped by `segment` belongs to
# the family of the dimension its filter picks (growth drivers: dimension = 'platform').
GROUPING_COLUMNS = {
    "lifecycle_stage": "lifecycle",
    "dormancy_bucket": "dormancy",
    "platform": "platform",
    "first_platform": "platform",
    "state": "growth",
}
SEGMENT_DIMENSIONS = {"platform": "platform"}


def verbose_names(datasets: Iterable[dict]) -> dict[str, dict[str, str]]:
    """Dataset uuid -> {metric name: verbose name}, the names legends show."""
    return {
        doc["uuid"]: {
            m["metric_name"]: m["verbose_name"] for m in doc["metrics"] if m["verbose_name"]
        }
        for doc in datasets
    }


def metric_series(metric_name: str) -> tuple[str, str] | None:
    """(family, member) of a metric that draws a known series, else None."""
    for pattern, family in METRIC_PATTERNS:
        match = pattern.match(metric_name)
        if match:
            return family, match.group(1)
    return None


def grouping_family(params: dict) -> str | None:
    """The family whose members are the series of a chart grouped by a column, else None."""
    groupby = params.get("groupby") or []
    if isinstance(groupby, str):
        groupby = [groupby]
    for column in groupby:
        if column in GROUPING_COLUMNS:
            return GROUPING_COLUMNS[column]
        if column == "segment":
            for condition in params.get("adhoc_filters") or []:
                if condition.get("subject") == "dimension" and condition.get("operator") == "==":
                    return SEGMENT_DIMENSIONS.get(condition.get("comparator"))
    return None


def chart_labels(chart: dict, verbose_names: dict[str, str]) -> dict[str, str]:
    """label -> colour for every series of a chart that belongs to a known family."""
    params = chart.get("params") or {}
    family = grouping_family(params)
    if family:
        return dict(FAMILIES[family])
    labels: dict[str, str] = {}
    metrics = params.get("metrics") or ([params["metric"]] if params.get("metric") else [])
    for metric in metrics:
        if not isinstance(metric, str):
            continue
        series = metric_series(metric)
        if series:
            colour = FAMILIES[series[0]][series[1]]
            labels[metric] = colour
            if metric in verbose_names:
                labels[verbose_names[metric]] = colour
    return labels


def dashboard_label_colours(
    dashboard: dict, charts_by_uuid: dict[str, dict], verbose_names: dict[str, dict[str, str]]
) -> dict[str, str]:
    """The `label_colors` of a dashboard: every known series of its charts, one colour each.
    verbose_names: dataset uuid -> {metric name: verbose name}."""
    colours: dict[str, str] = {}
    for node in (dashboard.get("position") or {}).values():
        if not (isinstance(node, dict) and node.get("type") == "CHART"):
            continue
        chart = charts_by_uuid.get(node["meta"]["uuid"])
        if chart is None:
            continue
        for label, colour in chart_labels(
            chart, verbose_names.get(chart.get("dataset_uuid"), {})
        ).items():
            if colours.setdefault(label, colour) != colour:
                raise ValueError(
                    f"dashboard {dashboard.get('slug')}: label {label!r} would be both "
                    f"{colours[label]} and {colour}"
                )
    return dict(sorted(colours.items()))
