"""Daily runs, one landing day at a time as cron would do them, end with the same tables as one
full rebuild from the same files: sessions across midnight and across runs, late arrivals,
duplicates across days, the quarantine and the user dimension. Synthetic data with dirt."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Pipeline, write_csv
from reference import (
    check_engagement,
    check_growth_accounting,
    check_growth_drivers,
    check_lifecycle,
    check_quick_ratio_analysis,
)

from growth_analytics.generator import GeneratorConfig, generate
from growth_analytics.landing import EVENT_COLUMNS

pytestmark = pytest.mark.pipeline

START = dt.date(2025, 3, 1)
DAYS = 12
TABLES = {
    "staging.stg_events_classified": "source_file, source_line",
    "analytics.rejected_events": "source_file, source_line",
    "analytics.ingestion_accounting": "landed_date, source_file",
    "analytics.fct_events": "event_id",
    "intermediate.int_events": ", ".join(("user_id", *EVENT_COLUMNS)),
    "intermediate.int_user_activity_daily": "user_id, activity_date",
    "analytics.dim_users": "user_id",
    "intermediate.int_user_active_days": "user_id, activity_date",
    "intermediate.int_user_first_active": "user_id",
    "intermediate.int_user_lifetime": "user_id",
    "analytics.growth_accounting_daily": "period_start",
    "analytics.growth_accounting_weekly": "period_start",
    "analytics.growth_accounting_monthly": "period_start",
    "analytics.growth_accounting_rolling_28d": "period_end",
    "analytics.user_engagement_daily": "user_id, engagement_date",
    "analytics.engagement_daily": "engagement_date",
    "analytics.power_user_curve_monthly": "month_end, cohort_month, l28",
    "analytics.resurrections_daily": "activity_date, dormancy_bucket",
    "analytics.lifecycle_stages_daily": "stage_date, lifecycle_stage",
    "analytics.user_streaks": "user_id",
    "analytics.growth_drivers_weekly": "period_start, dimension, segment",
    "analytics.growth_drivers_monthly": "period_start, dimension, segment",
    "analytics.dau_by_platform_daily": "activity_date, platform",
    "analytics.quick_ratio_analysis": "period_grain, period_start",
    "intermediate.int_user_miles_balance": "user_id, activity_date",
    "analytics.miles_economy_daily": "economy_date",
    "analytics.miles_growth_accounting_monthly": "period_start",
    "analytics.users_negative_balance_history": "user_id",
    "intermediate.int_retention_cells_day": "cohort_start, period_start",
    "intermediate.int_retention_cells_week": "cohort_start, period_start",
    "intermediate.int_retention_cells_month": "cohort_start, period_start",
    "analytics.retention_cohorts_daily": "cohort_start, age",
    "analytics.retention_cohorts_weekly": "cohort_start, age",
    "analytics.retention_cohorts_monthly": "cohort_start, age",
    "analytics.user_growth_states_weekly": "period_start, user_id",
    "analytics.user_growth_states_monthly": "period_start, user_id",
}


def test_daily_runs_equal_a_full_rebuild(tmp_path):
    """Builds its own two warehouses from generated data: day-by-day runs and one rebuild, whose
    agreement is the subject."""
    config = GeneratorConfig(
        users=150,
        days=DAYS,
        start=START,
        seed=3,
        bad_row_rate=0.02,
        duplicate_rate=0.03,
        late_rate=0.05,
    )
    stats = generate(config, tmp_path / "landing")
    assert stats.late_rows > 0 and stats.duplicate_rows > 0 and stats.bad_rows > 0
    # Sessions that cross midnight are rare at this size: add two by hand, one whose days land
    # in two separate daily runs and one whose first event lands a day late.
    header = ",".join(EVENT_COLUMNS)
    for day, lines in {
        "2025-03-06": ["2025-03-06 23:55:00,u_mid,like,,,web,organic,SG"],
        "2025-03-07": [
            "2025-03-07 00:10:00,u_mid,share,,,web,organic,SG",
            "2025-03-06 23:40:00,u_late,like,,,ios,google,TH",
            "2025-03-07 00:05:00,u_late,reward_search,,,ios,google,TH",
        ],
    }.items():
        write_csv(tmp_path / "landing" / f"dt={day}" / "handmade.csv", "\n".join([header, *lines]))

    # The generator's late rows are at most 6 days late: a 7-day reach-back takes them all in
    # daily runs, so both ways must agree on everything.
    def pipeline(name: str) -> Pipeline:
        p = Pipeline(tmp_path / name, start=START.isoformat())
        p.landing = tmp_path / "landing"
        p.env.update(ANALYTICS_LANDING_DIR=str(p.landing), ANALYTICS_LATE_DAYS="7")
        return p

    daily, rebuild = pipeline("daily"), pipeline("rebuild")
    for offset in range(DAYS):
        daily.cli("run", "--init", "--end", (START + dt.timedelta(days=offset)).isoformat())
    rebuild.cli("run", "--init", "--end", config.end.isoformat())

    midnight_sessions = daily.scalar(
        "SELECT COUNT(*) FROM analytics.fct_events "
        "WHERE NOT is_session_start AND event_date > CAST(session_start_time AS DATE)"
    )
    assert midnight_sessions >= 2, "the data should hold sessions that cross midnight"
    assert daily.scalar("SELECT COUNT(*) FROM analytics.fct_events") == stats.valid_events + 4
    for table, order in TABLES.items():
        assert daily.table_digest(table, order) == rebuild.table_digest(table, order), table
    check_growth_accounting(daily)
    check_engagement(daily)
    check_lifecycle(daily)
    check_growth_drivers(daily)
    check_quick_ratio_analysis(daily)
