"""The real public sample (../shared/data/heymax_v2025/event_stream.csv, not part of the project)
loads as one unpartitioned file to the figures measured independently in its README."""

from __future__ import annotations

import datetime as dt

import pytest
from reference import (
    check_engagement,
    check_growth_accounting,
    check_growth_drivers,
    check_lifecycle,
    check_quick_ratio_analysis,
    check_retention_cohorts,
    check_rolling_growth_accounting,
)

pytestmark = pytest.mark.pipeline


def test_counts(loaded):
    statuses = dict(
        loaded.query("SELECT status, COUNT(*) FROM staging.stg_events_classified GROUP BY 1")
    )
    assert statuses == {"header": 1, "valid": 10_000}
    assert loaded.scalar("SELECT COUNT(*) FROM analytics.fct_events") == 10_000
    assert loaded.scalar("SELECT COUNT(*) FROM analytics.dim_users") == 100
    assert loaded.scalar("SELECT COUNT(*) FROM analytics.users_with_negative_miles") == 24
    assert loaded.scalar("SELECT COUNT(*) FROM analytics.rejected_events") == 0


def test_event_types_match_the_profile(loaded):
    rows = dict(loaded.query("SELECT event_type, COUNT(*) FROM analytics.fct_events GROUP BY 1"))
    assert rows == {
        "miles_earned": 5_613,
        "reward_search": 1_533,
        "miles_redeemed": 1_362,
        "share": 979,
        "like": 513,
    }


def test_first_full_day(loaded):
    # 65 users active on 2025-03-08 (an independent analysis of this data gives the same).
    assert (
        loaded.scalar(
            "SELECT COUNT(*) FROM intermediate.int_user_activity_daily "
            "WHERE activity_date = '2025-03-08'"
        )
        == 65
    )
    first, last = loaded.query("SELECT MIN(event_date), MAX(event_date) FROM analytics.fct_events")[
        0
    ]
    assert (first, last) == (dt.date(2025, 3, 7), dt.date(2025, 6, 5))


def test_one_country_and_utm_source_per_user(loaded):
    assert (
        loaded.scalar(
            "SELECT MAX(n) FROM (SELECT user_id, COUNT(DISTINCT country || utm_source) AS n "
            "FROM analytics.fct_events GROUP BY 1)"
        )
        == 1
    )


def test_growth_accounting_first_full_day(loaded):
    # As an independent published analysis of this data also shows.
    row = loaded.query(
        "SELECT active_users, new_users, retained_users, churned_users "
        "FROM analytics.growth_accounting_daily WHERE period_start = '2025-03-08'"
    )
    assert row == [(65, 52, 13, 4)]


def test_growth_accounting_agrees_with_an_independent_computation(loaded):
    check_growth_accounting(loaded)


def test_rolling_growth_accounting_agrees_with_an_independent_computation(loaded):
    # The data ends on 2025-06-05; 56 days later every window is empty, no need to go further.
    check_rolling_growth_accounting(loaded, last_checked=dt.date(2025, 8, 15))


def test_engagement_agrees_with_an_independent_computation(loaded):
    check_engagement(loaded)


def test_lifecycle_agrees_with_an_independent_computation(loaded):
    check_lifecycle(loaded)


def test_growth_drivers_agree_with_an_independent_computation(loaded):
    check_growth_drivers(loaded)


def test_quick_ratio_analysis_agrees_with_the_growth_tables(loaded):
    check_quick_ratio_analysis(loaded)


def test_retention_cohorts_agree_with_an_independent_computation(loaded):
    check_retention_cohorts(loaded)
