"""The miles economy (daily economy, user ledger, negative-balance history, growth accounting on
miles earned) equals an independent computation in plain Python (reference_miles.py): on the real
public sample (../shared/data/heymax_v2025/event_stream.csv, skipped when absent) and on handmade
events run day by day, where a late event undoes a negative balance."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import write_csv
from reference_miles import check_miles_economy, next_month

from growth_analytics.landing import EVENT_COLUMNS

pytestmark = pytest.mark.pipeline

MILES_TABLES = {
    "intermediate.int_user_miles_balance": "user_id, activity_date",
    "analytics.miles_economy_daily": "economy_date",
    "analytics.miles_growth_accounting_monthly": "period_start",
    "analytics.users_negative_balance_history": "user_id",
}


def test_public_sample_negative_balances(loaded):
    # 24 users end with a negative balance (README), and the same users in both tables.
    assert (
        loaded.scalar(
            "SELECT COUNT(*) FROM analytics.users_negative_balance_history WHERE is_negative_now"
        )
        == 24
    )
    assert loaded.query(
        "SELECT user_id FROM analytics.users_negative_balance_history WHERE is_negative_now "
        "ORDER BY 1"
    ) == loaded.query("SELECT user_id FROM analytics.users_with_negative_miles ORDER BY 1")
    assert (
        loaded.scalar(
            "SELECT users_with_negative_balance FROM analytics.miles_economy_daily "
            "ORDER BY economy_date DESC LIMIT 1"
        )
        == 24
    )


def test_public_sample_outstanding_miles(loaded):
    # The liability on the last day is everything ever earned minus everything ever redeemed.
    outstanding = loaded.scalar(
        "SELECT outstanding_miles FROM analytics.miles_economy_daily "
        "ORDER BY economy_date DESC LIMIT 1"
    )
    assert outstanding == loaded.scalar(
        "SELECT SUM(miles_earned) - SUM(miles_redeemed) FROM analytics.fct_events"
    )
    assert outstanding == loaded.scalar("SELECT SUM(miles_balance) FROM analytics.dim_users")


def test_public_sample_every_day_and_month(loaded):
    first, last, days = loaded.query(
        "SELECT MIN(economy_date), MAX(economy_date), COUNT(*) FROM analytics.miles_economy_daily"
    )[0]
    assert first == dt.date(2025, 3, 7)
    assert days == (last - first).days + 1
    months = loaded.query(
        "SELECT period_start FROM analytics.miles_growth_accounting_monthly ORDER BY 1"
    )
    # From the first month with miles earned to the last one that is over; June 2025 and later
    # are empty months (the data ends on 2025-06-05) that show the churn.
    expected, month = [], dt.date(2025, 3, 1)
    while next_month(month) - dt.timedelta(days=1) <= last:
        expected.append((month,))
        month = next_month(month)
    assert months == expected


def test_public_sample_agrees_with_an_independent_computation(loaded):
    check_miles_economy(loaded)


def _landing_file(pipeline, day: str, lines: list[str]) -> None:
    header = ",".join(EVENT_COLUMNS)
    write_csv(pipeline.landing / f"dt={day}" / "events.csv", "\n".join([header, *lines]) + "\n")


HANDMADE = {
    "2025-03-01": [
        "2025-03-01 10:00:00,ux,miles_earned,dining,100,web,organic,SG",
        "2025-03-01 11:00:00,uy,miles_redeemed,travel,50,web,organic,SG",
        "2025-03-01 12:00:00,uz,miles_redeemed,travel,30,ios,google,TH",
    ],
    "2025-03-02": [
        "2025-03-02 09:00:00,ux,miles_redeemed,travel,40,web,organic,SG",
        # Late by a day: uy's 03-01 earn, before its redemption; uy was never negative after all.
        "2025-03-01 08:00:00,uy,miles_earned,dining,80,web,organic,SG",
    ],
    "2025-03-03": [
        "2025-03-03 09:30:00,ux,like,,,web,organic,SG",
        "2025-03-03 10:00:00,uz,miles_earned,dining,100,ios,google,TH",
        "2025-03-03 10:05:00,uw,miles_redeemed,travel,5,android,tiktok,US",
    ],
}


def test_daily_runs_with_a_late_event_equal_a_rebuild(make_pipeline):
    """Builds its own two warehouses: daily runs with a late event, and one rebuild."""
    daily, rebuild = make_pipeline("daily"), make_pipeline("rebuild")
    for day, lines in HANDMADE.items():
        _landing_file(daily, day, lines)
        _landing_file(rebuild, day, lines)

    daily.cli("run", "--init", "--end", "2025-03-01")
    listed = "SELECT user_id FROM analytics.users_negative_balance_history ORDER BY 1"
    assert daily.query(listed) == [("uy",), ("uz",)]
    daily.cli("run", "--end", "2025-03-02")
    # The late earn re-opened 03-01: uy's history is no longer negative, its row is gone.
    assert daily.query(listed) == [("uz",)]
    assert daily.query(
        "SELECT economy_date, outstanding_miles, users_with_negative_balance "
        "FROM analytics.miles_economy_daily ORDER BY 1"
    ) == [(dt.date(2025, 3, 1), 100, 1), (dt.date(2025, 3, 2), 60, 1)]
    daily.cli("run", "--end", "2025-03-03")
    rebuild.cli("run", "--init", "--end", "2025-03-03")

    assert daily.query(
        "SELECT user_id, first_negative_date, first_negative_balance, miles_balance, "
        "is_negative_now, days_negative FROM analytics.users_negative_balance_history ORDER BY 1"
    ) == [
        ("uw", dt.date(2025, 3, 3), -5, -5, True, 1),
        ("uz", dt.date(2025, 3, 1), -30, 70, False, 1),
    ]
    for table, order in MILES_TABLES.items():
        assert daily.table_digest(table, order) == rebuild.table_digest(table, order), table
    check_miles_economy(daily)
    check_miles_economy(rebuild)
