"""The committed Superset export tree (superset_exports/) and the code that bundles and
normalises it, without a running Superset (tests/python/test_superset.py runs one)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import tomllib
import zipfile
from collections import defaultdict

import pytest
import yaml
from conftest import PROJECT_ROOT

from growth_analytics import contract
from growth_analytics.dashboards import datasets, series_colours
from growth_analytics.dashboards.bundle import (
    EXPORTS_DIR,
    TOP_FOLDER,
    BundleError,
    Target,
    build_bundle,
    query_context,
    read_tree,
)
from growth_analytics.dashboards.cli import target_from
from growth_analytics.dashboards.normalize import (
    normal_dashboard,
    normalise,
    stable_chart_id,
    tree_texts,
)
from growth_analytics.semantic import load_definitions


@pytest.fixture(scope="module")
def definitions():
    return load_definitions()


@pytest.fixture(scope="module")
def tree():
    return read_tree()


def of_kind(tree, kind):
    return {name: doc for name, doc in tree.items() if name.startswith(f"{kind}/")}


def test_dataset_metrics_are_the_semantic_layer_s(definitions):
    assert datasets.drift(definitions) == []


def test_drifted_metrics_and_virtual_datasets_are_reported_and_repaired(definitions, tmp_path):
    copy = tmp_path / "exports"
    shutil.copytree(EXPORTS_DIR, copy)
    path = copy / "datasets" / "analytics" / "growth_accounting_daily.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["metrics"][0]["expression"] = "SUM(new_users) * 2"
    removed = doc["metrics"].pop(1)["metric_name"]
    doc["metrics"].append({**doc["metrics"][0], "metric_name": "made_up_in_the_ui"})
    doc["sql"] = "SELECT 1"
    path.write_text(yaml.safe_dump(doc))
    problems = datasets.drift(definitions, copy)
    assert len(problems) == 4, problems
    assert any("virtual dataset" in p for p in problems)
    assert any(f"metric {removed} of metrics/ is missing" in p for p in problems)
    assert any("made_up_in_the_ui is not in metrics/" in p for p in problems)
    assert any("differs from its definition" in p for p in problems)
    assert datasets.sync_metrics(definitions, copy) == 1
    assert [p for p in datasets.drift(definitions, copy) if "virtual" not in p] == []


def test_normalising_the_committed_tree_changes_nothing(tree):
    assert normalise(tree) == tree_texts()


def dashboard_charts(tree, dashboard: dict) -> list[dict]:
    charts = {doc["uuid"]: doc for doc in of_kind(tree, "charts").values()}
    return [
        charts[node["meta"]["uuid"]]
        for node in dashboard["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


def test_a_series_has_one_colour_on_every_dashboard(tree):
    colour_of: dict[str, set[str]] = defaultdict(set)
    for dashboard in of_kind(tree, "dashboards").values():
        for label, colour in dashboard["metadata"]["label_colors"].items():
            colour_of[label].add(colour)
    assert {label: c for label, c in colour_of.items() if len(c) > 1} == {}
    # The growth states are the same five colours wherever they appear, by name or by legend.
    for state, colour in series_colours.GROWTH.items():
        for label in (state, f"{state.capitalize()} users"):
            assert colour_of.get(label, {colour}) == {colour}, label
    assert colour_of["New users"] == {series_colours.GROWTH["new"]}


def test_every_platform_of_the_contract_has_its_colour(tree):
    """The platform colours are presentation, keyed by name: a platform added to seeds/ needs one,
    and every platform series on a dashboard is drawn in it."""
    platforms = contract.platforms()
    assert set(platforms) <= set(series_colours.PLATFORMS), platforms
    drawn = {
        label: colour
        for dashboard in of_kind(tree, "dashboards").values()
        for label, colour in dashboard["metadata"]["label_colors"].items()
        if label in platforms
    }
    assert drawn, "no dashboard draws a platform series"
    assert drawn == {p: series_colours.PLATFORMS[p] for p in drawn}


def has_known_series(chart: dict) -> bool:
    """A second opinion on series_colours.chart_labels: a grouping of a known family, or a
    metric of a known series."""
    params = chart.get("params") or {}
    metrics = params.get("metrics") or []
    return bool(series_colours.grouping_family(params)) or any(
        isinstance(m, str) and series_colours.metric_series(m) for m in metrics
    )


def test_every_chart_of_a_known_series_has_its_colours_on_its_dashboard(tree):
    names = series_colours.verbose_names(of_kind(tree, "datasets").values())
    known = 0
    for slug, dashboard in of_kind(tree, "dashboards").items():
        colours = dashboard["metadata"]["label_colors"]
        for chart in dashboard_charts(tree, dashboard):
            labels = series_colours.chart_labels(chart, names.get(chart["dataset_uuid"], {}))
            assert bool(labels) == has_known_series(chart), chart["slice_name"]
            missing = {k: v for k, v in labels.items() if colours.get(k) != v}
            assert not missing, f"{slug}: {chart['slice_name']}: {missing}"
            known += bool(labels)
    # Growth accounting (4 grains, miles), platforms, lifecycle stages, dormancy, landing outcomes.
    assert known >= 10


def series_order(chart: dict) -> tuple[str, tuple[str, ...]] | None:
    """(family, members in legend and stack order) of a chart drawing several metrics of one
    family. Superset orders series itself (sort_series_type, by sum by default, so by the data);
    sorted by name, the order follows the metric names: the series keys are the metric names."""
    params = chart["params"]
    found = [(m, series_colours.metric_series(m)) for m in params.get("metrics") or []]
    found = [(m, s) for m, s in found if isinstance(m, str) and s]
    families = {family for _, (family, _) in found}
    if len(found) < 2 or len(families) != 1:
        return None
    assert params.get("sort_series_type") == "name", (
        f"{chart['slice_name']}: series ordered by {params.get('sort_series_type', 'sum')}, "
        "so by the data; order them by name"
    )
    ordered = sorted(found, reverse=not params.get("sort_series_ascending", False))
    return families.pop(), tuple(member for _, (_, member) in ordered)


def test_a_family_s_series_come_in_one_order_at_every_grain(tree):
    """Charts may draw part of a family; any two members come in the same order wherever both
    are drawn."""
    before: dict[tuple[str, str, str], str] = {}
    growth_charts = []
    for chart in of_kind(tree, "charts").values():
        found = series_order(chart)
        if not found:
            continue
        family, members = found
        if members == ("retained", "resurrected", "new", "churned"):
            growth_charts.append(chart["slice_name"])
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                assert (family, second, first) not in before, (
                    f"{chart['slice_name']} draws {family} {first} before {second}, "
                    f"{before[(family, second, first)]} the other way round"
                )
                before[(family, first, second)] = chart["slice_name"]
    assert len(growth_charts) == 4, growth_charts


def test_a_label_that_would_take_two_colours_is_refused(tree):
    """Two metrics of different series that share a legend name cannot both keep their colour."""
    growth = next(iter(of_kind(tree, "dashboards").values()))
    chart = {"uuid": "a", "dataset_uuid": "d", "params": {"metrics": ["new_users_weekly"]}}
    other = {"uuid": "b", "dataset_uuid": "d", "params": {"metrics": ["churned_users_weekly"]}}
    dashboard = {
        **growth,
        "position": {
            "CHART-a": {"type": "CHART", "meta": {"uuid": "a"}},
            "CHART-b": {"type": "CHART", "meta": {"uuid": "b"}},
        },
    }
    names = {"d": {"new_users_weekly": "Users", "churned_users_weekly": "Users"}}
    with pytest.raises(ValueError, match="'Users' would be both"):
        series_colours.dashboard_label_colours(dashboard, {"a": chart, "b": other}, names)
    names = {"d": {"new_users_weekly": "New users", "churned_users_weekly": "Churned users"}}
    assert series_colours.dashboard_label_colours(dashboard, {"a": chart, "b": other}, names) == {
        "Churned users": series_colours.GROWTH["churned"],
        "New users": series_colours.GROWTH["new"],
        "churned_users_weekly": series_colours.GROWTH["churned"],
        "new_users_weekly": series_colours.GROWTH["new"],
    }


def test_label_colours_left_by_the_ui_are_replaced_on_normalising(tree):
    name = "dashboards/growth-accounting.yaml"
    edited = {**tree, name: {**tree[name], "metadata": {**tree[name]["metadata"]}}}
    edited[name]["metadata"]["label_colors"] = {"New users": "#000000", "Made up": "#123456"}
    assert normalise(edited)[name] == tree_texts()[name]


def dataset_columns(tree, chart: dict) -> dict[str, dict]:
    datasets_of_tree = of_kind(tree, "datasets").values()
    dataset = next(d for d in datasets_of_tree if d["uuid"] == chart["dataset_uuid"])
    return {column["column_name"]: column for column in dataset["columns"]}


def time_filter_column(chart: dict) -> str | None:
    ranges = [f for f in chart["params"]["adhoc_filters"] if f["operator"] == "TEMPORAL_RANGE"]
    assert len(ranges) <= 1, chart["slice_name"]
    return ranges[0]["subject"] if ranges else None


def test_every_dashboard_has_a_date_range_over_the_charts_with_a_time_column(tree):
    for slug, dashboard in of_kind(tree, "dashboards").items():
        charts = dashboard_charts(tree, dashboard)
        ids = {chart["uuid"]: stable_chart_id(chart["uuid"]) for chart in charts}
        filters = dashboard["metadata"]["native_filter_configuration"]
        times = [f for f in filters if f["filterType"] == "filter_time"]
        assert [f["name"] for f in times] == ["Date range"], slug
        timed = set()
        for chart in charts:
            columns = dataset_columns(tree, chart)
            column = time_filter_column(chart)
            if column is None:
                # Only a table of the latest state has a time column and no range on it.
                has_time = any(c["is_dttm"] for c in columns.values())
                latest = chart["slice_name"] == "Latest loaded day"
                assert not has_time or latest, chart["slice_name"]
                continue
            assert columns[column]["is_dttm"], (chart["slice_name"], column)
            x_axis = chart["params"].get("x_axis")
            if x_axis in columns and columns[x_axis]["is_dttm"]:
                assert column == x_axis, chart["slice_name"]
            timed.add(ids[chart["uuid"]])
        assert set(times[0]["chartsInScope"]) == timed, slug
        assert set(times[0]["scope"]["excluded"]) == set(ids.values()) - timed, slug


def test_select_filters_target_a_column_every_chart_in_their_scope_has(tree):
    datasets_by_uuid = {d["uuid"]: d for d in of_kind(tree, "datasets").values()}
    seen = set()
    for slug, dashboard in of_kind(tree, "dashboards").items():
        charts = {stable_chart_id(c["uuid"]): c for c in dashboard_charts(tree, dashboard)}
        for native in dashboard["metadata"]["native_filter_configuration"]:
            if native["filterType"] != "filter_select":
                continue
            (target,) = native["targets"]
            column = target["column"]["name"]
            source = datasets_by_uuid[target["datasetUuid"]]
            assert column in {c["column_name"] for c in source["columns"]}, native["name"]
            assert native["chartsInScope"], f"{slug}: {native['name']} filters no chart"
            assert set(native["chartsInScope"]) | set(native["scope"]["excluded"]) == set(charts)
            for chart_id in native["chartsInScope"]:
                assert column in dataset_columns(tree, charts[chart_id]), native["name"]
            seen.add((slug, native["name"]))
    assert {name for slug, name in seen if slug == "dashboards/growth-drivers.yaml"} >= {
        "Platform",
        "First platform",
        "Country",
        "First-touch utm_source",
    }


def test_every_chart_has_a_title_a_description_a_dataset_and_a_dashboard(tree):
    charts, sets = of_kind(tree, "charts"), of_kind(tree, "datasets")
    dataset_uuids = {doc["uuid"] for doc in sets.values()}
    placed = {
        node["meta"]["uuid"]
        for dashboard in of_kind(tree, "dashboards").values()
        for node in dashboard["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    }
    for name, chart in charts.items():
        assert chart["slice_name"] and len(chart["description"]) > 30, name
        assert chart["dataset_uuid"] in dataset_uuids, name
        assert chart["uuid"] in placed, f"{name} is on no dashboard"
    assert placed == {chart["uuid"] for chart in charts.values()}, "a layout names a lost chart"
    used = {chart["dataset_uuid"] for chart in charts.values()}
    assert used == dataset_uuids, "a dataset no chart reads is published for nothing"


def test_the_dashboards_the_issue_asks_for(tree):
    titles = {doc["dashboard_title"] for doc in of_kind(tree, "dashboards").values()}
    assert titles == {
        "Growth accounting",
        "Retention",
        "Engagement",
        "Miles economy",
        "Growth drivers",
        "Data quality",
    }


def test_bundle_puts_every_file_under_one_top_folder_and_fills_the_database(tmp_path):
    serving = tmp_path / "serving.duckdb"
    bundle = build_bundle(Target.duckdb(serving), now=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        files = {n.split("/", 1)[1]: yaml.safe_load(archive.read(n)) for n in names}
    assert all(name.startswith(f"{TOP_FOLDER}/") for name in names)
    assert set(files) == set(tree_texts())
    (database,) = [doc for name, doc in files.items() if name.startswith("databases/")]
    assert database["sqlalchemy_uri"] == f"duckdb:///{serving}"
    assert files["metadata.yaml"]["timestamp"] == "2026-01-02T00:00:00+00:00"
    for name, doc in files.items():
        if name.startswith("charts/"):
            context = json.loads(doc["query_context"])
            assert context["form_data"] == doc["params"], name


def test_the_bigquery_target_needs_a_project_and_the_duckdb_one_an_absolute_path():
    with pytest.raises(BundleError, match="ANALYTICS_BQ_PROJECT"):
        Target.bigquery("", "US")
    with pytest.raises(BundleError, match="absolute"):
        Target.duckdb(PROJECT_ROOT.relative_to(PROJECT_ROOT.parent) / "serving.duckdb")


def test_the_bigquery_target_takes_project_and_location_from_sqlmesh_s_configuration(monkeypatch):
    """One source for both: config.yaml's values, which the bigquery gateway uses too; the
    credentials the gateway needs are not needed to build the dashboards' bundle."""
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "ANALYTICS_BQ_USE_ADC", "ANALYTICS_BQ_LOCATION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANALYTICS_BQ_PROJECT", "growth-prod")
    assert target_from("bigquery", None).values == {
        "BQ_PROJECT": "growth-prod",
        "BQ_LOCATION": "US",
    }
    monkeypatch.setenv("ANALYTICS_BQ_LOCATION", "EU")
    assert target_from("bigquery", None).values["BQ_LOCATION"] == "EU"
    monkeypatch.delenv("ANALYTICS_BQ_PROJECT")
    with pytest.raises(BundleError, match="ANALYTICS_BQ_PROJECT"):
        target_from("bigquery", None)


def test_query_context_of_a_filtered_grouped_time_series():
    params = {
        "viz_type": "echarts_timeseries_bar",
        "x_axis": "period_start",
        "groupby": ["segment"],
        "metrics": ["segment_active_users_weekly"],
        "adhoc_filters": [
            {
                "clause": "WHERE",
                "comparator": "country",
                "expressionType": "SIMPLE",
                "operator": "==",
                "subject": "dimension",
            }
        ],
        "row_limit": 500,
    }
    (query,) = query_context(params)["queries"]
    assert query["columns"] == [
        {
            "columnType": "BASE_AXIS",
            "expressionType": "SQL",
            "label": "period_start",
            "sqlExpression": "period_start",
        },
        "segment",
    ]
    assert query["metrics"] == ["segment_active_users_weekly"]
    assert query["filters"] == [{"col": "dimension", "op": "==", "val": "country"}]
    assert query["row_limit"] == 500


def test_query_context_of_a_raw_table_and_a_refused_sql_filter():
    params = {
        "viz_type": "table",
        "query_mode": "raw",
        "all_columns": ["period_start", "alert"],
        "order_by_cols": ['["period_start", false]'],
    }
    (query,) = query_context(params)["queries"]
    assert (query["columns"], query["metrics"]) == (["period_start", "alert"], [])
    assert query["orderby"] == [["period_start", False]]
    custom = {**params, "adhoc_filters": [{"expressionType": "SQL", "clause": "WHERE"}]}
    with pytest.raises(BundleError, match="simple WHERE"):
        query_context(custom)


def test_chart_ids_in_a_dashboard_become_stable_and_references_follow():
    chart_a, chart_b = (
        "19d3cb52-76a3-5fda-925c-51e69995a855",
        "2b396302-3f92-5000-bc8d-65ced77ccb34",
    )
    stable_a, stable_b = int("19d3cb5", 16), int("2b39630", 16)
    exported = {
        "slug": "x",
        "position": {
            "CHART-a": {"type": "CHART", "meta": {"uuid": chart_a, "chartId": 11}},
            "CHART-b": {"type": "CHART", "meta": {"uuid": chart_b, "chartId": 24}},
        },
        "metadata": {
            "expanded_slices": {"11": True},
            "timed_refresh_immune_slices": [24],
            "chart_configuration": {"24": {"id": 24, "crossFilters": {"chartsInScope": [11]}}},
        },
    }
    out = normal_dashboard(exported)
    assert out["position"]["CHART-a"]["meta"]["chartId"] == stable_a
    assert out["position"]["CHART-b"]["meta"]["chartId"] == stable_b
    assert out["metadata"] == {
        "expanded_slices": {str(stable_a): True},
        "timed_refresh_immune_slices": [stable_b],
        "chart_configuration": {
            str(stable_b): {"id": stable_b, "crossFilters": {"chartsInScope": [stable_a]}}
        },
    }


def pinned(text: str, package: str) -> str:
    name = re.sub(r"[-_]", "[-_]", package)
    (version,) = re.findall(rf"^{name}==([\w.]+)", text, re.MULTILINE | re.IGNORECASE)
    return version


def test_superset_reads_duckdb_with_the_pipeline_s_version():
    """DuckDB 1.x cannot open a file 2.x wrote: both environments pin the same DuckDB."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    (pipeline_pin,) = [d.split("==")[1] for d in project["dependencies"] if d.startswith("duckdb")]
    config = PROJECT_ROOT / "superset_config"
    assert pinned((config / "requirements.txt").read_text(), "duckdb") == pipeline_pin
    assert pinned((config / "requirements.lock").read_text(), "duckdb") == pipeline_pin
    assert pinned((config / "requirements.lock").read_text(), "apache-superset") == "6.1.0"
