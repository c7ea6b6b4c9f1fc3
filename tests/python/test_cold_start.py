"""The cold-start rule (docs/definitions.md, "Growth accounting"): a ratio is defined only when
the periods it compares start on or after the first day of data; before that every ratio metric is
NULL, never a number, and after it equals the plain-Python computation from the events
(reference.py, reference_miles.py). The boundaries on the public sample (first day Friday
2025-03-07) are worked out by hand below, not taken from the SQL; one backfill and daily runs
across them agree."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from conftest import PROJECT_ROOT, Pipeline
from reference import (
    check_engagement,
    check_growth_accounting,
    check_growth_drivers,
    check_quick_ratio_analysis,
    check_rolling_growth_accounting,
    engagement,
    growth_accounting,
    last_complete_period,
    rolling_growth_accounting,
)
from reference_miles import last_complete_month, miles_growth_accounting

from growth_analytics.generator import GeneratorConfig, generate

pytestmark = pytest.mark.pipeline

D = dt.date
FIRST_DAY = D(2025, 3, 7)  # the public sample's first event day (a Friday)
# The first period of each grain whose period before starts on or after FIRST_DAY:
FIRST_DEFINED = {
    "day": D(2025, 3, 8),  # the day before is 03-07
    "week": D(2025, 3, 17),  # the week of 03-10 starts after 03-07; the week of 03-03 does not
    "month": D(2025, 5, 1),  # March is cut short, so April's ratios are not defined either
    "rolling_28d": D(2025, 5, 1),  # window 04-04..05-01, the 28 days before it 03-07..04-03
    "stickiness": D(2025, 4, 3),  # the 28 days ending 04-03 start on 03-07
}
GRAIN_TABLES = {"day": "daily", "week": "weekly", "month": "monthly"}


@pytest.fixture(scope="module")
def context():
    from sqlmesh import Context

    return Context(paths=str(PROJECT_ROOT))


def metric_rows(pipeline, context, sql: str) -> list[tuple]:
    return pipeline.query(context.rewrite(sql).sql(dialect="duckdb"))


def close(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)


def ratios(counts: dict) -> tuple[float | None, float | None]:
    gained = counts["new_users"] + counts["resurrected_users"]
    churned, previous = counts["churned_users"], counts["previous_active_users"]
    return (
        gained / churned if churned else None,
        counts["retained_users"] / previous if previous else None,
    )


def test_the_sample_starts_where_the_boundaries_assume(loaded):
    assert loaded.scalar("SELECT MIN(event_date) FROM analytics.fct_events") == FIRST_DAY


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_quick_ratio_and_retention_are_null_exactly_before_the_rule_starts(loaded, context, grain):
    suffix = GRAIN_TABLES[grain]
    rows = metric_rows(
        loaded,
        context,
        f"SELECT period_start, METRIC(quick_ratio_{suffix}), METRIC(retention_rate_{suffix}) "
        f"FROM analytics.growth_accounting_{suffix} GROUP BY period_start ORDER BY period_start",
    )
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    last_day = loaded.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    expected = growth_accounting(user_days, grain, last_complete_period(last_day, grain))
    assert [r[0] for r in rows] == list(expected)
    before = [r for r in rows if r[0] < FIRST_DEFINED[grain]]
    assert before and all(q is None and r is None for _, q, r in before), before
    after = [r for r in rows if r[0] >= FIRST_DEFINED[grain]]
    assert after
    for period, quick, retention in after:
        wanted = ratios(expected[period])
        assert close(quick, wanted[0]) and close(retention, wanted[1]), (period, quick, wanted)
    # The first defined period has a number (not NULL for another reason).
    assert after[0][2] is not None


def test_rolling_ratios_are_null_exactly_before_the_rule_starts(loaded, context):
    rows = metric_rows(
        loaded,
        context,
        "SELECT period_end, METRIC(quick_ratio_rolling_28d), METRIC(retention_rate_rolling_28d) "
        "FROM analytics.growth_accounting_rolling_28d GROUP BY period_end ORDER BY period_end",
    )
    last = D(2025, 6, 30)  # the independent computation is slow; the boundary is well before
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    expected = rolling_growth_accounting(user_days, last)
    rows = [r for r in rows if r[0] <= last]
    assert [r[0] for r in rows] == list(expected)
    before = [r for r in rows if r[0] < FIRST_DEFINED["rolling_28d"]]
    assert len(before) == 55 and all(q is None and r is None for _, q, r in before)
    for day, quick, retention in rows[55:]:
        wanted = ratios(expected[day])
        assert close(quick, wanted[0]) and close(retention, wanted[1]), (day, quick, wanted)
    assert rows[55][2] is not None


def test_stickiness_is_null_until_the_mau_window_is_whole(loaded, context):
    rows = metric_rows(
        loaded,
        context,
        "SELECT engagement_date, METRIC(stickiness) FROM analytics.engagement_daily "
        "GROUP BY engagement_date ORDER BY engagement_date",
    )
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    by_day: dict[dt.date, list[tuple]] = {}
    for (day, _), value in engagement(user_days).items():
        by_day.setdefault(day, []).append(value)
    before = [r for r in rows if r[0] < FIRST_DEFINED["stickiness"]]
    assert len(before) == 27 and all(s is None for _, s in before)
    for day, stickiness in rows[27:]:
        on_day = by_day.get(day, [])
        dau, mau = sum(1 for v in on_day if v[0]), len(on_day)
        assert close(stickiness, dau / mau if mau else None), day
    assert rows[27][1] is not None


def test_miles_quick_ratio_is_null_exactly_before_the_rule_starts(loaded, context):
    rows = metric_rows(
        loaded,
        context,
        "SELECT period_start, METRIC(miles_quick_ratio_monthly) "
        "FROM analytics.miles_growth_accounting_monthly GROUP BY period_start ORDER BY 1",
    )
    events = loaded.query(
        "SELECT event_date, user_id, miles_earned, miles_redeemed FROM analytics.fct_events"
    )
    last_day = loaded.scalar("SELECT MAX(economy_date) FROM analytics.miles_economy_daily")
    expected = miles_growth_accounting(events, last_complete_month(last_day))
    assert [r[0] for r in rows] == list(expected)
    before = [r for r in rows if r[0] < FIRST_DEFINED["month"]]
    assert [r[0] for r in before] == [D(2025, 3, 1), D(2025, 4, 1)]
    assert all(q is None for _, q in before)
    # April's plain arithmetic is a number: the rule, not the data, makes the metric NULL.
    assert expected[D(2025, 4, 1)]["miles_quick_ratio"] is not None
    for month, quick in rows[2:]:
        assert close(quick, expected[month]["miles_quick_ratio"]), month
    assert rows[2][1] is not None


@pytest.mark.parametrize(("grain", "suffix"), [("week", "weekly"), ("month", "monthly")])
def test_segment_quick_ratios_follow_the_same_rule(loaded, context, grain, suffix):
    rows = metric_rows(
        loaded,
        context,
        f"SELECT period_start, dimension, segment, METRIC(segment_previous_period_whole_{suffix}), "
        f"METRIC(segment_quick_ratio_{suffix}), "
        f"METRIC(segment_new_users_{suffix}), METRIC(segment_resurrected_users_{suffix}), "
        f"METRIC(segment_churned_users_{suffix}) FROM analytics.growth_drivers_{suffix} "
        "GROUP BY period_start, dimension, segment",
    )
    # The counts themselves are checked against plain Python by reference.check_growth_drivers.
    check_growth_drivers(loaded)
    assert {r[0] < FIRST_DEFINED[grain] for r in rows} == {True, False}
    for start, dimension, segment, flag, quick, new, resurrected, churned in rows:
        whole = start >= FIRST_DEFINED[grain]
        assert flag == whole, (start, dimension, segment)
        wanted = (new + resurrected) / churned if churned and whole else None
        assert close(quick, wanted), (start, dimension, segment, quick, wanted)


def test_a_group_that_includes_the_cold_start_has_no_ratio(loaded, context):
    # The daily table over a whole month: March holds 03-07, whose day before is not data, so the
    # ratio over March is not defined; April's is the ratio of April's sums.
    def month(first: str, last: str) -> tuple:
        (row,) = metric_rows(
            loaded,
            context,
            "SELECT METRIC(quick_ratio_daily), METRIC(retention_rate_daily) "
            "FROM analytics.growth_accounting_daily "
            f"WHERE period_start BETWEEN DATE '{first}' AND DATE '{last}'",
        )
        return row

    assert month("2025-03-01", "2025-03-31") == (None, None)
    user_days = loaded.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    days = growth_accounting(user_days, "day", D(2025, 4, 30))
    april = [c for day, c in days.items() if day.month == 4]
    total = {k: sum(c[k] for c in april) for k in april[0]}
    got = month("2025-04-01", "2025-04-30")
    assert got[0] is not None and all(close(a, b) for a, b in zip(got, ratios(total), strict=True))


# Synthetic data starting on a Wednesday mid-month, so no boundary falls on a period's first day.
START = D(2025, 3, 5)
DAYS = 60
TABLES = {
    "analytics.growth_accounting_daily": "period_start",
    "analytics.growth_accounting_weekly": "period_start",
    "analytics.growth_accounting_monthly": "period_start",
    "analytics.growth_accounting_rolling_28d": "period_end",
    "analytics.growth_drivers_weekly": "period_start, dimension, segment",
    "analytics.growth_drivers_monthly": "period_start, dimension, segment",
    "analytics.engagement_daily": "engagement_date",
    "analytics.miles_growth_accounting_monthly": "period_start",
    "analytics.quick_ratio_analysis": "period_grain, period_start",
}


def test_one_backfill_and_daily_runs_across_the_boundaries_agree(tmp_path):
    """Builds its own two warehouses from generated data: one backfill and day-by-day runs, whose
    agreement is the subject."""
    generate(
        # No late rows: lateness is test_incremental_equals_rebuild.py's subject, not this one's.
        GeneratorConfig(users=120, days=DAYS, start=START, seed=11, late_rate=0.0, fmt="csv"),
        tmp_path / "landing",
    )

    def pipeline(name: str) -> Pipeline:
        p = Pipeline(tmp_path / name, start=START.isoformat())
        p.landing = tmp_path / "landing"
        p.env.update(ANALYTICS_LANDING_DIR=str(p.landing))
        return p

    def day(offset: int) -> str:
        return (START + dt.timedelta(days=offset)).isoformat()

    rebuild, daily = pipeline("rebuild"), pipeline("daily")
    rebuild.cli("run", "--init", "--end", day(DAYS - 1))
    # Daily runs over the days where stickiness (27 days after the first event, which falls on
    # one of START's first days) and the rolling ratios (55 days after) start; catch-up runs
    # in between.
    daily.cli("run", "--init", "--end", day(26))
    for offset in [*range(27, 34), 52, *range(53, DAYS)]:
        daily.cli("run", "--init", "--end", day(offset))
    for table, order in TABLES.items():
        assert daily.table_digest(table, order) == rebuild.table_digest(table, order), table
    # The generator's first event falls a few days after START: the first day comes from the data.
    first = daily.scalar("SELECT MIN(event_date) FROM analytics.fct_events")
    flags = daily.query(
        "SELECT MIN(engagement_date) FILTER (WHERE window_whole) FROM analytics.engagement_daily"
    )
    assert flags == [(first + dt.timedelta(days=27),)]
    first_whole = daily.scalar(
        "SELECT MIN(period_end) FROM analytics.growth_accounting_rolling_28d "
        "WHERE previous_period_whole"
    )
    assert first_whole == first + dt.timedelta(days=55)
    # The data start within the week of 03-03 (Tuesday to Sunday): the weeks of 03-03 and 03-10
    # have no ratio, that of 03-17 has; March is cut short, so April has none either.
    assert D(2025, 3, 4) <= first <= D(2025, 3, 9), first
    weekly = dict(
        daily.query(
            "SELECT period_start, previous_period_whole FROM analytics.growth_accounting_weekly"
        )
    )
    assert [w for w, whole in sorted(weekly.items()) if not whole] == [
        D(2025, 3, 3),
        D(2025, 3, 10),
    ]
    monthly = dict(
        daily.query(
            "SELECT period_start, previous_period_whole FROM analytics.growth_accounting_monthly"
        )
    )
    assert monthly == {D(2025, 3, 1): False, D(2025, 4, 1): False}
    check_growth_accounting(daily)
    check_rolling_growth_accounting(daily)
    check_engagement(daily)
    check_quick_ratio_analysis(daily)
