"""Straightforward, independent computations of the metric definitions (docs/definitions.md),
used to check the SQL models on whole event streams. Plain Python sets and dates, no SQL."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable

GRAINS = ("day", "week", "month")

# Event order: events at one instant are ordered by their other fields in contract
# order, NULL first (BigQuery's ascending order, which the models keep on DuckDB too).
EVENT_ORDER_TIE_BREAK = ", ".join(
    f"{c} ASC NULLS FIRST"
    for c in (
        "event_type",
        "transaction_category",
        "miles_amount",
        "platform",
        "utm_source",
        "country",
    )
)


def period_of(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())  # Monday
    return day.replace(day=1)


def next_period(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_period_start(start: dt.date, grain: str) -> dt.date:
    """The first day of the period before the one starting on `start`; for "rolling_28d", `start`
    is the window's last day and this is the first day of the 28 days before the window."""
    if grain == "day":
        return start - dt.timedelta(days=1)
    if grain == "week":
        return start - dt.timedelta(days=7)
    if grain == "rolling_28d":
        return start - dt.timedelta(days=27 + 28)
    return (start - dt.timedelta(days=1)).replace(day=1)


def previous_period_whole(start: dt.date, grain: str, first_day: dt.date) -> bool:
    """The cold-start rule (docs/definitions.md, "Growth accounting"): a period's ratios are
    defined only when the period before it starts on or after the first day of data."""
    return previous_period_start(start, grain) >= first_day


def mau_window_whole(day: dt.date, first_day: dt.date) -> bool:
    """The cold-start rule for stickiness: the 28 days ending `day` start on or after the first
    day of data."""
    return day - dt.timedelta(days=27) >= first_day


def growth_accounting(
    user_days: Iterable[tuple[dt.date, str]], grain: str, last_period: dt.date
) -> dict[dt.date, dict[str, int]]:
    """Social Capital growth accounting for every period from the first activity to last_period."""
    active: dict[dt.date, set[str]] = defaultdict(set)
    first: dict[str, dt.date] = {}
    for day, user in user_days:
        period = period_of(day, grain)
        active[period].add(user)
        first[user] = min(first.get(user, period), period)
    result = {}
    previous: set[str] = set()
    period = min(first.values())
    while period <= last_period:
        now = active.get(period, set())
        result[period] = {
            "active_users": len(now),
            "new_users": sum(1 for u in now if first[u] == period),
            "retained_users": len(now & previous),
            "resurrected_users": sum(1 for u in now - previous if first[u] < period),
            "churned_users": len(previous - now),
            "previous_active_users": len(previous),
        }
        previous = now
        period = next_period(period, grain)
    return result


GROWTH_COLUMNS = (
    "active_users",
    "new_users",
    "retained_users",
    "resurrected_users",
    "churned_users",
    "previous_active_users",
)


def last_complete_period(last_day: dt.date, grain: str) -> dt.date:
    """The start of the last period that is over by the end of last_day."""
    period = period_of(last_day, grain)
    if next_period(period, grain) - dt.timedelta(days=1) > last_day:
        period = period_of(period - dt.timedelta(days=1), grain)
    return period


def check_growth_accounting(pipeline) -> None:
    """Every growth-accounting table equals the independent computation from analytics.fct_events
    (all event types count, the default), period by period, with no period missing and none
    published before it is over. The last day processed is the daily table's last row."""
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_day = min(day for day, _ in user_days)
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    for grain, table in (("day", "daily"), ("week", "weekly"), ("month", "monthly")):
        rows = pipeline.query(
            f"SELECT period_start, {', '.join(GROWTH_COLUMNS)}, previous_period_whole "
            f"FROM analytics.growth_accounting_{table} ORDER BY period_start"
        )
        expected = growth_accounting(user_days, grain, last_complete_period(last_day, grain))
        actual = {row[0]: dict(zip(GROWTH_COLUMNS, row[1:-1], strict=True)) for row in rows}
        assert list(actual) == list(expected), f"{table}: periods differ"
        for period, counts in expected.items():
            assert actual[period] == counts, f"{table} {period}"
        whole = {row[0]: row[-1] for row in rows}
        assert whole == {p: previous_period_whole(p, grain, first_day) for p in expected}, table


def rolling_growth_accounting(
    user_days: Iterable[tuple[dt.date, str]], last_day: dt.date, window: int = 28
) -> dict[dt.date, dict[str, int]]:
    """Each day compares the `window` days ending that day with the `window` days before them."""
    days_of: dict[str, set[dt.date]] = defaultdict(set)
    for day, user in user_days:
        days_of[user].add(day)
    first = {user: min(days) for user, days in days_of.items()}
    result = {}
    day = min(first.values())
    while day <= last_day:
        current_from = day - dt.timedelta(days=window - 1)
        previous_from = current_from - dt.timedelta(days=window)
        now = {u for u, ds in days_of.items() if any(current_from <= d <= day for d in ds)}
        before = {
            u for u, ds in days_of.items() if any(previous_from <= d < current_from for d in ds)
        }
        result[day] = {
            "active_users": len(now),
            "new_users": sum(1 for u in now if first[u] >= current_from),
            "retained_users": len(now & before),
            "resurrected_users": sum(1 for u in now - before if first[u] < current_from),
            "churned_users": len(before - now),
            "previous_active_users": len(before),
        }
        day += dt.timedelta(days=1)
    return result


def check_rolling_growth_accounting(pipeline, last_checked: dt.date | None = None) -> None:
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_day = min(day for day, _ in user_days)
    rows = pipeline.query(
        f"SELECT period_end, {', '.join(GROWTH_COLUMNS)}, previous_period_whole "
        "FROM analytics.growth_accounting_rolling_28d ORDER BY period_end"
    )
    last = last_checked or rows[-1][0]
    expected = rolling_growth_accounting(user_days, last)
    actual = {row[0]: dict(zip(GROWTH_COLUMNS, row[1:-1], strict=True)) for row in rows}
    assert [d for d in actual if d <= last] == list(expected)
    for day, counts in expected.items():
        assert actual[day] == counts, day
    for row in rows:
        assert row[-1] == previous_period_whole(row[0], "rolling_28d", first_day), row[0]


def engagement(user_days: Iterable[tuple[dt.date, str]]) -> dict[tuple[dt.date, str], tuple]:
    """(day, user) -> (is_active_today, L7, L28) for every day a user was active in the 28 days
    ending that day."""
    days_of: dict[str, set[dt.date]] = defaultdict(set)
    for day, user in user_days:
        days_of[user].add(day)
    result = {}
    for user, days in days_of.items():
        for active_day in days:
            for offset in range(28):
                day = active_day + dt.timedelta(days=offset)
                if (day, user) in result:
                    continue
                l28 = sum(1 for d in days if day - dt.timedelta(days=27) <= d <= day)
                l7 = sum(1 for d in days if day - dt.timedelta(days=6) <= d <= day)
                result[(day, user)] = (day in days, l7, l28)
    return result


def check_engagement(pipeline) -> None:
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    expected = {key: v for key, v in engagement(user_days).items() if key[0] <= last_day}
    rows = pipeline.query(
        "SELECT engagement_date, user_id, is_active_today, l7, l28 "
        "FROM analytics.user_engagement_daily"
    )
    assert {(r[0], r[1]): tuple(r[2:]) for r in rows} == expected
    first_day = min(day for day, _ in user_days)
    daily = pipeline.query(
        "SELECT engagement_date, dau, wau, mau, window_whole FROM analytics.engagement_daily "
        "ORDER BY 1"
    )
    for day, dau, wau, mau, whole in daily:
        on_day = [v for (d, _), v in expected.items() if d == day]
        assert (dau, wau, mau) == (
            sum(1 for v in on_day if v[0]),
            sum(1 for v in on_day if v[1] > 0),
            len(on_day),
        ), day
        assert whole == mau_window_whole(day, first_day), day


def dormancy_bucket(days: int) -> str:
    return "2-7" if days <= 7 else "8-30" if days <= 30 else "31-90" if days <= 90 else "90+"


def check_lifecycle(pipeline) -> None:
    """Resurrections by dormancy, lifecycle stages and streaks against plain Python."""
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    days_of: dict[str, list[dt.date]] = defaultdict(list)
    for day, user in sorted(user_days):
        days_of[user].append(day)
    first = {user: days[0] for user, days in days_of.items()}

    returns: dict[tuple[dt.date, str], int] = defaultdict(int)
    for days in days_of.values():
        for before, day in itertools.pairwise(days):
            if (day - before).days >= 2:
                returns[(day, dormancy_bucket((day - before).days))] += 1
    rows = pipeline.query(
        "SELECT activity_date, dormancy_bucket, returning_users FROM analytics.resurrections_daily"
    )
    assert {(d, b): n for d, b, n in rows if n} == dict(returns)
    assert len(rows) == 4 * ((last_day - min(first.values())).days + 1)
    resurrected = dict(
        pipeline.query(
            "SELECT period_start, resurrected_users FROM analytics.growth_accounting_daily"
        )
    )
    per_day: dict[dt.date, int] = defaultdict(int)
    for (day, _), n in returns.items():
        per_day[day] += n
    assert all(per_day.get(day, 0) == n for day, n in resurrected.items())

    stages = pipeline.query(
        "SELECT stage_date, lifecycle_stage, users FROM analytics.lifecycle_stages_daily"
    )
    expected: dict[tuple[dt.date, str], int] = defaultdict(int)
    for day in sorted({d for d, _, _ in stages}):
        for user, days in days_of.items():
            if first[user] > day:
                continue
            recent = any(day - dt.timedelta(days=27) <= d <= day for d in days)
            tenure = (day - first[user]).days
            stage = (
                "dormant"
                if not recent
                else "new"
                if tenure < 7
                else "growing"
                if tenure < 30
                else "established"
                if tenure < 90
                else "mature"
            )
            expected[(day, stage)] += 1
    assert {(d, s): n for d, s, n in stages if n} == dict(expected)

    streaks = {}
    for user, days in days_of.items():
        runs = []  # (start, length)
        for day in days:
            if runs and day - dt.timedelta(days=runs[-1][1]) == runs[-1][0]:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((day, 1))
        longest = max(runs, key=lambda run: (run[1], -run[0].toordinal()))
        streaks[user] = (longest[1], longest[0], runs[-1][1], runs[-1][0], days[-1])
    rows = pipeline.query(
        "SELECT user_id, longest_streak_days, longest_streak_start, latest_streak_days, "
        "latest_streak_start, last_active_date FROM analytics.user_streaks"
    )
    assert {r[0]: tuple(r[1:]) for r in rows} == streaks


def check_growth_drivers(pipeline) -> None:
    """Growth accounting per first-touch segment equals the computation restricted to the
    segment's users; DAU by platform equals the users with an event on the platform that day."""
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    first_touch = {
        user: {"utm_source": utm or "(none)", "country": country or "(none)", "platform": platform}
        for user, utm, country, platform in pipeline.query(
            "SELECT user_id, utm_source, country, platform FROM ("
            " SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time,"
            f" {EVENT_ORDER_TIE_BREAK}) AS n"
            " FROM analytics.fct_events) WHERE n = 1"
        )
    }
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    for grain, table in (("week", "weekly"), ("month", "monthly")):
        rows = pipeline.query(
            f"SELECT period_start, dimension, segment, {', '.join(GROWTH_COLUMNS)}, "
            f"previous_period_whole FROM analytics.growth_drivers_{table}"
        )
        actual = {(r[0], r[1], r[2]): dict(zip(GROWTH_COLUMNS, r[3:-1], strict=True)) for r in rows}
        # The cold start is the data's, not the segment's: one first day for every segment.
        first_day = min(day for day, _ in user_days)
        for row in rows:
            assert row[-1] == previous_period_whole(row[0], grain, first_day), (table, row[:3])
        expected = {}
        for dimension in ("utm_source", "country", "platform"):
            for segment in {touch[dimension] for touch in first_touch.values()}:
                members = [(d, u) for d, u in user_days if first_touch[u][dimension] == segment]
                last = last_complete_period(last_day, grain)
                for period, counts in growth_accounting(members, grain, last).items():
                    if counts["active_users"] or counts["previous_active_users"]:
                        expected[(period, dimension, segment)] = counts
        assert actual == expected, table

    platform_days = pipeline.query(
        "SELECT event_date, platform, COUNT(DISTINCT user_id) "
        "FROM analytics.fct_events GROUP BY 1, 2"
    )
    rows = pipeline.query(
        "SELECT activity_date, platform, active_users FROM analytics.dau_by_platform_daily "
        "WHERE active_users > 0"
    )
    assert sorted(rows) == sorted(platform_days)


def quick_ratio_band(ratio: float | None, whole: bool = True) -> str:
    if not whole:
        return "cold start"
    if ratio is None:
        return "no churn"
    return (
        "declining"
        if ratio < 1
        else "typical"
        if ratio < 1.5
        else "good"
        if ratio < 2
        else "excellent"
    )


def check_quick_ratio_analysis(pipeline) -> None:
    """Moving averages, bands and alerts recomputed from the growth-accounting tables' counts,
    with the cold-start rule applied from the first day of the events: no ratio before it."""
    first_day = pipeline.scalar("SELECT MIN(event_date) FROM analytics.fct_events")
    for grain, table in (("week", "weekly"), ("month", "monthly")):
        counts = pipeline.query(
            "SELECT period_start, new_users + resurrected_users, churned_users "
            f"FROM analytics.growth_accounting_{table} ORDER BY 1"
        )
        periods = [
            (start, gained / churned if churned and whole else None, whole)
            for start, gained, churned in counts
            for whole in [previous_period_whole(start, grain, first_day)]
        ]
        expected = {}
        for index, (start, ratio, whole) in enumerate(periods):
            window = [r for _, r, _ in periods[max(0, index - 2) : index + 1] if r is not None]
            average = sum(window) / len(window) if window else None
            expected[start] = (
                ratio,
                average,
                quick_ratio_band(ratio, whole),
                ratio is not None and ratio < 1,
            )
        rows = pipeline.query(
            "SELECT period_start, quick_ratio, quick_ratio_3_period_avg, quick_ratio_band, "
            f"is_alert FROM analytics.quick_ratio_analysis WHERE period_grain = '{grain}'"
        )
        actual = {r[0]: tuple(r[1:]) for r in rows}
        assert actual.keys() == expected.keys(), grain
        for start, (ratio, average, band, alert) in expected.items():
            got = actual[start]
            assert (got[0] is None) == (ratio is None), (grain, start)
            assert ratio is None or abs(got[0] - ratio) < 1e-9, (grain, start)
            assert got[2:] == (band, alert), (grain, start)
            assert (got[1] is None) == (average is None), (grain, start)
            assert average is None or abs(got[1] - average) < 1e-9, (grain, start)
        alerts = pipeline.query(
            f"SELECT period_start FROM analytics.growth_alerts WHERE period_grain = '{grain}'"
        )
        assert sorted(a for (a,) in alerts) == sorted(s for s, v in expected.items() if v[3])


def check_retention_cohorts(pipeline) -> None:
    """Cohort sizes, return-on and return-on-or-after counts and value curves, recomputed."""
    user_days = pipeline.query("SELECT DISTINCT event_date, user_id FROM analytics.fct_events")
    miles = pipeline.query(
        "SELECT event_date, user_id, SUM(miles_earned) FROM analytics.fct_events GROUP BY 1, 2"
    )
    for grain, table in (("day", "daily"), ("week", "weekly"), ("month", "monthly")):
        rows = pipeline.query(
            "SELECT cohort_start, period_start, cohort_size, active_users, retained_on_or_after, "
            "cumulative_miles_earned_per_member, cumulative_active_periods_per_member "
            f"FROM analytics.retention_cohorts_{table}"
        )
        last = max(r[1] for r in rows)
        periods_of: dict[str, set[dt.date]] = defaultdict(set)
        for day, user in user_days:
            periods_of[user].add(period_of(day, grain))
        cohort_of = {user: min(periods) for user, periods in periods_of.items()}
        members: dict[dt.date, list[str]] = defaultdict(list)
        for user, cohort in cohort_of.items():
            members[cohort].append(user)
        miles_of: dict[tuple[str, dt.date], int] = defaultdict(int)
        for day, user, earned in miles:
            miles_of[(user, period_of(day, grain))] += earned
        expected = {}
        for cohort, users in members.items():
            period, earned, active_total, age = cohort, 0, 0, 0
            while period <= last and (grain != "day" or age <= 30):
                active = sum(1 for u in users if period in periods_of[u])
                later = sum(1 for u in users if max(periods_of[u]) >= period)
                earned += sum(miles_of[(u, period)] for u in users)
                active_total += active
                size = len(users)
                expected[(cohort, period)] = (
                    size,
                    active,
                    later,
                    earned / size,
                    active_total / size,
                )
                period, age = next_period(period, grain), age + 1
        actual = {(r[0], r[1]): r[2:] for r in rows}
        assert actual.keys() == expected.keys(), table
        for key, values in expected.items():
            got = actual[key]
            assert got[:3] == values[:3], (table, key)
            assert abs(got[3] - values[3]) < 1e-6 and abs(got[4] - values[4]) < 1e-9, (table, key)
