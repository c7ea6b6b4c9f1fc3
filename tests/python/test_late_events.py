"""Late events: within the reach-back they are reflected everywhere after the next daily run; older
ones are staged and flagged, and a restatement brings them in. Day by day, as cron would run."""

from __future__ import annotations

import pytest
from conftest import write_csv

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)


def land(pipeline, day: str, *lines: str) -> None:
    write_csv(pipeline.landing / f"dt={day}" / "events.csv", "\n".join([HEADER, *lines]) + "\n")


def test_late_events_within_and_beyond_the_reach_back(make_pipeline):
    """Builds its own warehouse: files arrive day by day, some of them late."""
    p = make_pipeline("late", start="2025-03-01")
    land(p, "2025-03-05", "2025-03-05 10:00:00,u_1,miles_earned,dining,100,web,organic,SG")
    land(p, "2025-03-08", "2025-03-08 10:00:00,u_1,miles_earned,dining,50,web,organic,SG")
    p.cli("run", "--init", "--end", "2025-03-08")  # first run: the plan, up to 2025-03-08
    assert p.query("SELECT event_date, miles_earned FROM analytics.fct_events ORDER BY 1") == [
        (d, m) for d, m in [(_d("2025-03-05"), 100), (_d("2025-03-08"), 50)]
    ]

    land(
        p,
        "2025-03-10",
        "2025-03-07 10:00:00,u_1,miles_earned,dining,7,web,organic,SG",  # 3 days late: in reach
        "2025-03-06 10:00:00,u_1,miles_earned,dining,6,web,organic,SG",  # 4 days late: beyond
        "2025-03-10 10:00:00,u_2,like,,,ios,google,TH",
    )
    # The next two daily runs, one day each (a run covering several days reaches back from its
    # first day, so it would pick the 4-day-late event up too).
    p.cli("run", "--end", "2025-03-09")
    p.cli("run", "--end", "2025-03-10")
    staged = p.query(
        "SELECT CAST(event_date AS VARCHAR), lateness_days, is_late_beyond_window "
        "FROM staging.stg_user_events WHERE landed_date = '2025-03-10' ORDER BY 1"
    )
    assert staged == [("2025-03-06", 4, True), ("2025-03-07", 3, False), ("2025-03-10", 0, False)]
    fct_days = p.query("SELECT CAST(event_date AS VARCHAR) FROM analytics.fct_events ORDER BY 1")
    assert [d for (d,) in fct_days] == ["2025-03-05", "2025-03-07", "2025-03-08", "2025-03-10"]
    assert (
        p.scalar(
            "SELECT miles_earned FROM intermediate.int_user_activity_daily "
            "WHERE user_id = 'u_1' AND activity_date = '2025-03-07'"
        )
        == 7
    )
    assert (
        p.scalar("SELECT total_miles_earned FROM analytics.dim_users WHERE user_id = 'u_1'") == 157
    )
    assert p.query(
        "SELECT late_rows, late_beyond_window_rows FROM analytics.ingestion_accounting "
        "WHERE landed_date = '2025-03-10'"
    ) == [(2, 1)]

    # The restatement of docs/landing.md brings in the event that was too late for the daily run.
    p.cli("restate", "--start", "2025-03-06", "--end", "2025-03-10")
    fct_days = p.query("SELECT CAST(event_date AS VARCHAR) FROM analytics.fct_events ORDER BY 1")
    assert [d for (d,) in fct_days] == [
        "2025-03-05",
        "2025-03-06",
        "2025-03-07",
        "2025-03-08",
        "2025-03-10",
    ]
    assert (
        p.scalar("SELECT total_miles_earned FROM analytics.dim_users WHERE user_id = 'u_1'") == 163
    )


def _d(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_a_file_redelivered_into_a_day_that_ran_is_read_by_restate(make_pipeline):
    """Builds its own warehouse: a file arrives in a day that has already run."""
    p = make_pipeline("redelivered", start="2025-03-01")
    land(p, "2025-03-05", "2025-03-05 10:00:00,u_1,miles_earned,dining,100,web,organic,SG")
    land(p, "2025-03-06", "2025-03-06 10:00:00,u_2,like,,,ios,google,TH")
    p.cli("run", "--init", "--end", "2025-03-06")
    # A second file for 2025-03-05 arrives after that day ran, with a copy of an event already
    # staged (a replay) and a new one; the daily run does not go back for it.
    write_csv(
        p.landing / "dt=2025-03-05" / "redelivered.csv",
        "\n".join(
            [
                HEADER,
                "2025-03-05 10:00:00,u_1,miles_earned,dining,100,web,organic,SG",
                "2025-03-05 11:00:00,u_3,miles_earned,travel,40,android,referral,MY",
            ]
        )
        + "\n",
    )
    p.cli("run", "--end", "2025-03-06")
    assert p.scalar("SELECT COUNT(*) FROM analytics.fct_events") == 2

    p.cli("restate", "--start", "2025-03-05", "--end", "2025-03-05")
    assert p.query(
        "SELECT source_file, status FROM staging.stg_events_classified "
        "WHERE landed_date = '2025-03-05' AND status IN ('valid', 'duplicate') ORDER BY 1, 2"
    ) == [
        ("dt=2025-03-05/events.csv", "valid"),
        ("dt=2025-03-05/redelivered.csv", "duplicate"),
        ("dt=2025-03-05/redelivered.csv", "valid"),
    ]
    assert p.query("SELECT user_id FROM analytics.fct_events ORDER BY 1") == [
        ("u_1",),
        ("u_2",),
        ("u_3",),
    ]
    assert p.scalar("SELECT COUNT(*) FROM analytics.dim_users") == 3
