"""analytics.user_growth_states_weekly and _monthly against a plain-Python computation of each
user's state per period from the events (docs/definitions.md, "Growth accounting"), and against the
growth-accounting tables: counted per period, the states are their numbers."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

import pytest
from conftest import Pipeline
from reference import EVENT_ORDER_TIE_BREAK, last_complete_period, next_period, period_of

from growth_analytics.generator import GeneratorConfig, generate

pytestmark = pytest.mark.pipeline

TABLES = {"week": "weekly", "month": "monthly"}
COLUMNS = (
    "state",
    "is_active",
    "last_active_date",
    "days_since_last_active",
    "first_active_date",
    "first_platform",
    "first_country",
    "first_utm_source",
)
STATES = ("new", "retained", "resurrected", "churned")


def user_growth_states(
    user_days: Iterable[tuple[dt.date, str]],
    first_touch: dict[str, tuple[str, str, str]],
    grain: str,
    last_period: dt.date,
) -> dict[tuple[dt.date, str], tuple]:
    """(period_start, user) -> the row's COLUMNS, for every user from their first period to
    last_period, straight from the definitions: each period is looked at on its own."""
    days_of: dict[str, list[dt.date]] = defaultdict(list)
    for day, user in user_days:
        days_of[user].append(day)
    rows = {}
    for user, days in days_of.items():
        days.sort()
        periods = {period_of(day, grain) for day in days}
        first_period = period_of(days[0], grain)
        period, previous = first_period, None
        while period <= last_period:
            period_end = next_period(period, grain) - dt.timedelta(days=1)
            active, was_active = period in periods, previous in periods
            if active and period == first_period:
                state = "new"
            elif active:
                state = "retained" if was_active else "resurrected"
            else:
                state = "churned" if was_active else "dormant"
            last_active = max(day for day in days if day <= period_end)
            rows[(period, user)] = (
                state,
                active,
                last_active,
                (period_end - last_active).days,
                days[0],
                *first_touch[user],
            )
            period, previous = next_period(period, grain), period
    return rows


def check_user_growth_states(pipeline: Pipeline) -> dict[str, int]:
    """Every row of both tables equals the independent computation (no row missing, none extra),
    and the states counted per period equal growth accounting's columns. Returns the row counts."""
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    # The first event's attributes, as analytics.dim_users takes them; empty ones are '(none)'.
    first_touch = {
        user: (platform or "(none)", country or "(none)", utm or "(none)")
        for user, platform, country, utm in pipeline.query(
            "SELECT user_id, platform, country, utm_source FROM ("
            " SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time,"
            f" {EVENT_ORDER_TIE_BREAK}) AS n"
            " FROM analytics.fct_events) WHERE n = 1"
        )
    }
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    sizes = {}
    for grain, suffix in TABLES.items():
        table = f"analytics.user_growth_states_{suffix}"
        last = last_complete_period(last_day, grain)
        expected = user_growth_states(user_days, first_touch, grain, last)
        rows = pipeline.query(f"SELECT period_start, user_id, {', '.join(COLUMNS)} FROM {table}")
        actual = {(r[0], r[1]): tuple(r[2:]) for r in rows}
        assert len(actual) == len(rows), f"{table}: (period_start, user_id) repeats"
        assert actual.keys() == expected.keys(), f"{table}: rows differ"
        differing = [key for key, values in expected.items() if actual[key] != values]
        assert not differing, f"{table}: {differing[:5]} {[actual[k] for k in differing[:5]]}"
        ends = pipeline.query(f"SELECT DISTINCT period_start, period_end FROM {table}")
        assert all(end == next_period(start, grain) - dt.timedelta(days=1) for start, end in ends)

        counted: dict[dt.date, Counter] = defaultdict(Counter)
        for (period, _), values in actual.items():
            counted[period][values[0]] += 1
        accounting = pipeline.query(
            "SELECT period_start, active_users, new_users, retained_users, resurrected_users, "
            f"churned_users FROM analytics.growth_accounting_{suffix}"
        )
        assert {row[0] for row in accounting} == set(counted), f"{table}: periods differ"
        for period, active, *by_state in accounting:
            states = counted[period]
            assert [states[s] for s in STATES] == by_state, (table, period)
            assert sum(states[s] for s in STATES[:3]) == active, (table, period)
        sizes[suffix] = len(rows)
    return sizes


def test_user_growth_states_on_the_public_sample(loaded):
    sizes = check_user_growth_states(loaded)
    # 100 users: at least one row each per period from their first one.
    assert sizes["weekly"] > sizes["monthly"] >= 100


def test_runs_that_span_several_periods_carry_the_last_active_day_over(tmp_path):
    """Builds its own warehouse: its runs are the subject. Runs of two to four weeks, each ending
    mid-period, over ten weeks and three month ends: each run publishes several periods, starting
    from the table's rows for the period before, and reaches back over late events."""
    start = dt.date(2025, 3, 1)
    config = GeneratorConfig(users=80, days=75, start=start, seed=11, late_rate=0.05)
    stats = generate(config, tmp_path / "landing")
    assert stats.late_rows > 0
    pipeline = Pipeline(tmp_path / "runs", start=start.isoformat())
    pipeline.landing = tmp_path / "landing"
    # The generator's late rows are at most 6 days late: a 7-day reach-back takes them all in.
    pipeline.env.update(ANALYTICS_LANDING_DIR=str(pipeline.landing), ANALYTICS_LATE_DAYS="7")
    pipeline.cli("run", "--init", "--end", "2025-03-12")
    for end in ("2025-03-30", "2025-04-16", config.end.isoformat()):
        pipeline.cli("run", "--end", end)
    dormant = pipeline.scalar(
        "SELECT COUNT(*) FROM analytics.user_growth_states_weekly WHERE state = 'dormant'"
    )
    assert dormant > 0, "the data should hold dormant users"
    check_user_growth_states(pipeline)
