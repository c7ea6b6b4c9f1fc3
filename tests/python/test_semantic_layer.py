"""The semantic layer (metrics/*.sql): docs/metrics.md is current, every metric is documented and
reads columns that exist, and the metrics, expanded by SQLMesh's rewriter and run on the public
sample, give the numbers an independent computation (reference.py, reference_miles.py) gives."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlglot
from conftest import PROJECT_ROOT
from reference import (
    engagement,
    growth_accounting,
    last_complete_period,
    mau_window_whole,
    previous_period_whole,
)
from reference_miles import economy
from sqlglot import exp

from growth_analytics import semantic
from growth_analytics.dashboards import datasets

pytestmark = pytest.mark.pipeline

HEADLINE = {
    "active_users_monthly",
    "new_users_weekly",
    "retained_users_daily",
    "resurrected_users_rolling_28d",
    "churned_users_monthly",
    "quick_ratio_monthly",
    "retention_rate_weekly",
    "return_on_rate_monthly",
    "return_on_or_after_rate_weekly",
    "stickiness",
    "mean_l28",
    "outstanding_miles",
    "miles_quick_ratio_monthly",
}
GRAIN_TABLES = {"day": "daily", "week": "weekly", "month": "monthly"}
COLD_START_FLAGS = {"previous_period_whole", "window_whole"}


@pytest.fixture(scope="module")
def context():
    from sqlmesh import Context

    return Context(paths=str(PROJECT_ROOT))


@pytest.fixture(scope="module")
def definitions(context):
    return semantic.load_definitions(context)


def metric_rows(pipeline, context, sql: str) -> list[tuple]:
    """Expand METRIC(...) with SQLMesh's rewriter (as `sqlmesh rewrite` does) and run it."""
    return pipeline.query(context.rewrite(sql).sql(dialect="duckdb"))


def same(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if not isinstance(actual, int | float) or not isinstance(expected, int | float):
        return actual == expected  # e.g. latest_landed_date, a DATE
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_docs_are_current(definitions):
    assert semantic.DOCS_PATH.read_text() == semantic.render_markdown(definitions), (
        "docs/metrics.md is stale: run `growth-analytics metrics`"
    )


def test_headline_metrics_are_defined(definitions):
    assert {m.name for m in definitions} >= HEADLINE


def test_every_metric_reads_existing_columns_of_the_table_its_grain_names(context, definitions):
    for m in definitions:
        columns = set(context.get_model(m.table).columns_to_types)
        read = {c.name for c in m.expanded.find_all(exp.Column) if c.table}
        assert read and read <= columns, f"{m.name}: {sorted(read - columns)} not in {m.table}"
        assert m.table in m.grain, f"{m.name}: its grain does not name {m.table}"
        assert m.owner, m.name


def test_a_comment_without_grain_or_filters_is_refused():
    with pytest.raises(ValueError, match="Grain"):
        semantic.split_comment("x", "What it measures.\nFilters: none.")
    with pytest.raises(ValueError, match="Filters"):
        semantic.split_comment("x", "What it measures.\nGrain: one row per day.")
    assert semantic.split_comment("x", "What.\n  Grain: a day.\n  Filters: none.") == (
        "What.",
        "a day.",
        "none.",
    )


def test_dataset_expressions_parse_in_both_dialects_without_tables(definitions):
    for m in definitions:
        for dialect in ("bigquery", "duckdb"):
            parsed = sqlglot.parse_one(m.expression(dialect), read=dialect)
            assert not [c for c in parsed.find_all(exp.Column) if c.table], m.name
            assert not list(parsed.find_all(exp.Alias)), m.name
    growth = datasets.expected_metrics(definitions, "analytics.growth_accounting_monthly")
    assert {
        "metric_name": "quick_ratio_monthly",
        "expression": (
            "CASE WHEN MIN(previous_period_whole) THEN "
            "(SUM(new_users) + SUM(resurrected_users)) / NULLIF(SUM(churned_users), 0) END"
        ),
    }.items() <= next(d for d in growth if d["metric_name"] == "quick_ratio_monthly").items()


def test_every_metric_runs_and_equals_its_dataset_expression(loaded, context, definitions):
    for m in definitions:
        (expanded,) = metric_rows(loaded, context, f"SELECT METRIC({m.name}) FROM {m.table}")
        direct = loaded.scalar(f"SELECT {m.expression('duckdb')} FROM {m.table}")
        assert same(expanded[0], direct), m.name
        # A ratio under the cold-start rule is NULL over any rows that include the cold start
        # (the whole table does): it must have a value over the rows past it.
        flags = {c.name for c in m.expanded.find_all(exp.Column)} & COLD_START_FLAGS
        past = f" WHERE {flags.pop()}" if flags and direct is None else ""
        direct = loaded.scalar(f"SELECT {m.expression('duckdb')} FROM {m.table}{past}")
        assert direct is not None, f"{m.name} is NULL over the whole public sample{past}"


def test_published_day(loaded, context):
    # 2025-03-08 on the public sample: 65 active, 52 new, 13 retained, 4 churned (issue 3).
    rows = metric_rows(
        loaded,
        context,
        "SELECT METRIC(active_users_daily), METRIC(new_users_daily), "
        "METRIC(retained_users_daily), METRIC(resurrected_users_daily), "
        "METRIC(churned_users_daily), METRIC(quick_ratio_daily), METRIC(retention_rate_daily), "
        "METRIC(net_change_daily) FROM analytics.growth_accounting_daily "
        "WHERE period_start = DATE '2025-03-08'",
    )
    assert rows == [(65, 52, 13, 0, 4, 13.0, 13 / 17, 48)]


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_growth_metrics_equal_the_independent_computation(loaded, context, grain):
    suffix = GRAIN_TABLES[grain]
    names = ("active_users", "new_users", "retained_users", "resurrected_users", "churned_users")
    names += ("quick_ratio", "retention_rate", "net_change")
    rows = metric_rows(
        loaded,
        context,
        f"SELECT period_start, {', '.join(f'METRIC({n}_{suffix})' for n in names)} "
        f"FROM analytics.growth_accounting_{suffix} GROUP BY period_start ORDER BY period_start",
    )
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_day = min(day for day, _ in user_days)
    last_day = loaded.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    expected = growth_accounting(user_days, grain, last_complete_period(last_day, grain))
    assert [row[0] for row in rows] == list(expected)
    for period, *values in rows:
        counts = expected[period]
        new, resurrected, churned = (counts[k] for k in names[1:4:2] + names[4:5])
        previous = counts["previous_active_users"]
        whole = previous_period_whole(period, grain, first_day)  # the cold-start rule
        wanted = [counts[k] for k in names[:5]] + [
            (new + resurrected) / churned if churned and whole else None,
            counts["retained_users"] / previous if previous and whole else None,
            new + resurrected - churned,
        ]
        assert all(same(a, b) for a, b in zip(values, wanted, strict=True)), (period, values)


def test_engagement_metrics_equal_the_independent_computation(loaded, context):
    rows = metric_rows(
        loaded,
        context,
        "SELECT engagement_date, METRIC(dau), METRIC(wau), METRIC(mau), METRIC(stickiness) "
        "FROM analytics.engagement_daily GROUP BY engagement_date ORDER BY engagement_date",
    )
    l28 = dict(
        metric_rows(
            loaded,
            context,
            "SELECT engagement_date, METRIC(mean_l28) FROM analytics.user_engagement_daily "
            "GROUP BY engagement_date",
        )
    )
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_day = min(day for day, _ in user_days)
    by_day: dict[dt.date, list[tuple]] = {}
    for (day, _), value in engagement(user_days).items():
        by_day.setdefault(day, []).append(value)
    assert rows, "no engagement rows"
    for day, dau, wau, mau, stickiness in rows:
        on_day = by_day.get(day, [])  # nobody active in the 28 days: every count is 0
        assert (dau, wau, mau) == (
            sum(1 for v in on_day if v[0]),
            sum(1 for v in on_day if v[1] > 0),
            len(on_day),
        ), day
        whole = mau_window_whole(day, first_day)  # the cold-start rule
        assert same(stickiness, dau / mau if mau and whole else None), day
        assert same(l28.get(day), sum(v[2] for v in on_day) / len(on_day) if on_day else None)
    assert any(mau == 0 for *_, mau, _ in rows) and any(mau > 0 for *_, mau, _ in rows)


def test_miles_metrics_equal_the_independent_computation(loaded, context):
    rows = metric_rows(
        loaded,
        context,
        "SELECT economy_date, METRIC(miles_earned), METRIC(miles_redeemed), METRIC(net_miles), "
        "METRIC(earn_redeem_ratio), METRIC(outstanding_miles), "
        "METRIC(users_with_negative_balance) "
        "FROM analytics.miles_economy_daily GROUP BY economy_date ORDER BY economy_date",
    )
    events = loaded.query(
        "SELECT event_date, user_id, miles_earned, miles_redeemed FROM analytics.fct_events"
    )
    expected = economy(events, rows[-1][0])
    keys = ("miles_earned", "miles_redeemed", "net_miles", "earn_redeem_ratio")
    keys += ("outstanding_miles", "users_with_negative_balance")
    assert [row[0] for row in rows] == list(expected)
    for day, *values in rows:
        wanted = [expected[day][k] for k in keys]
        assert all(same(a, b) for a, b in zip(values, wanted, strict=True)), (day, values)
