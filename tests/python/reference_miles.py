"""Straightforward, independent computations of the miles-economy definitions (the header comments
of models/analytics/miles_*.sql and users_negative_balance_history.sql), used to check the SQL
models on whole event streams. Plain Python dictionaries and dates, no SQL: balances are replayed
event day by event day, months are compared user by user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

Event = tuple[dt.date, str, int, int]  # event_date, user_id, miles_earned, miles_redeemed

ECONOMY_COLUMNS = (
    "miles_earned",
    "miles_redeemed",
    "net_miles",
    "lifetime_miles_earned",
    "lifetime_miles_redeemed",
    "outstanding_miles",
    "earn_redeem_ratio",
    "users_earning",
    "users_redeeming",
    "users_with_negative_balance",
)
LEDGER_COLUMNS = (
    "miles_earned",
    "miles_redeemed",
    "net_miles",
    "lifetime_miles_earned",
    "lifetime_miles_redeemed",
    "previous_balance",
    "miles_balance",
    "is_negative",
    "first_earned_date",
    "first_negative_date",
    "first_negative_balance",
    "negative_days",
)
NEGATIVE_COLUMNS = (
    "first_negative_date",
    "first_negative_balance",
    "miles_balance",
    "is_negative_now",
    "days_negative",
    "last_active_date",
    "lifetime_miles_earned",
    "lifetime_miles_redeemed",
)
GROWTH_COLUMNS = (
    "miles_earned",
    "previous_miles_earned",
    "new_miles",
    "expansion_miles",
    "contraction_miles",
    "churned_miles",
    "resurrected_miles",
    "net_change_miles",
    "miles_quick_ratio",
    "earning_users",
)


def user_day_miles(events: Iterable[Event]) -> dict[tuple[str, dt.date], list[int]]:
    """(user, day) -> [earned, redeemed] for every day with at least one event of the user."""
    days: dict[tuple[str, dt.date], list[int]] = {}
    for day, user, earned, redeemed in events:
        miles = days.setdefault((user, day), [0, 0])
        miles[0] += earned
        miles[1] += redeemed
    return days


def ledger(events: Iterable[Event]) -> dict[tuple[str, dt.date], dict]:
    """Each user's running state at the end of each of their active days."""
    by_user: dict[str, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for (user, day), (earned, redeemed) in user_day_miles(events).items():
        by_user[user].append((day, earned, redeemed))
    result = {}
    for user, days in by_user.items():
        total_earned = total_redeemed = negative_days = 0
        first_earned = first_negative = first_negative_balance = None
        for day, earned, redeemed in sorted(days):
            previous = total_earned - total_redeemed
            total_earned += earned
            total_redeemed += redeemed
            balance = total_earned - total_redeemed
            if earned > 0 and first_earned is None:
                first_earned = day
            if balance < 0:
                negative_days += 1
                if first_negative is None:
                    first_negative, first_negative_balance = day, balance
            result[(user, day)] = {
                "miles_earned": earned,
                "miles_redeemed": redeemed,
                "net_miles": earned - redeemed,
                "lifetime_miles_earned": total_earned,
                "lifetime_miles_redeemed": total_redeemed,
                "previous_balance": previous,
                "miles_balance": balance,
                "is_negative": balance < 0,
                "first_earned_date": first_earned,
                "first_negative_date": first_negative,
                "first_negative_balance": first_negative_balance,
                "negative_days": negative_days,
            }
    return result


def economy(events: Iterable[Event], last_day: dt.date) -> dict[dt.date, dict]:
    """The daily economy for every day from the first event to last_day: the day's flows, and the
    balances of all users replayed to the end of the day."""
    days = user_day_miles(events)
    balances: dict[str, int] = defaultdict(int)
    on_day: dict[dt.date, list[tuple[str, int, int]]] = defaultdict(list)
    for (user, day), (earned, redeemed) in days.items():
        on_day[day].append((user, earned, redeemed))
    result = {}
    total_earned = total_redeemed = 0
    day = min(on_day)
    while day <= last_day:
        earned = sum(e for _, e, _ in on_day.get(day, []))
        redeemed = sum(r for _, _, r in on_day.get(day, []))
        for user, e, r in on_day.get(day, []):
            balances[user] += e - r
        total_earned += earned
        total_redeemed += redeemed
        result[day] = {
            "miles_earned": earned,
            "miles_redeemed": redeemed,
            "net_miles": earned - redeemed,
            "lifetime_miles_earned": total_earned,
            "lifetime_miles_redeemed": total_redeemed,
            "outstanding_miles": sum(balances.values()),
            "earn_redeem_ratio": earned / redeemed if redeemed else None,
            "users_earning": sum(1 for _, e, _ in on_day.get(day, []) if e > 0),
            "users_redeeming": sum(1 for _, _, r in on_day.get(day, []) if r > 0),
            "users_with_negative_balance": sum(1 for b in balances.values() if b < 0),
        }
        day += dt.timedelta(days=1)
    return result


def negative_balance_history(events: Iterable[Event]) -> dict[str, dict]:
    """Every user whose balance was below zero at the end of one of their active days."""
    by_user: dict[str, list[tuple[dt.date, dict]]] = defaultdict(list)
    for (user, day), row in ledger(events).items():
        by_user[user].append((day, row))
    result = {}
    for user, rows in by_user.items():
        rows.sort(key=lambda item: item[0])
        negative = [(day, row["miles_balance"]) for day, row in rows if row["miles_balance"] < 0]
        if not negative:
            continue
        last_day, last = rows[-1]
        result[user] = {
            "first_negative_date": negative[0][0],
            "first_negative_balance": negative[0][1],
            "miles_balance": last["miles_balance"],
            "is_negative_now": last["miles_balance"] < 0,
            "days_negative": len(negative),
            "last_active_date": last_day,
            "lifetime_miles_earned": last["lifetime_miles_earned"],
            "lifetime_miles_redeemed": last["lifetime_miles_redeemed"],
        }
    return result


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def last_complete_month(last_day: dt.date) -> dt.date:
    """The first day of the last month that is over by the end of last_day."""
    month = last_day.replace(day=1)
    if next_month(month) - dt.timedelta(days=1) > last_day:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def miles_growth_accounting(events: Iterable[Event], last_month: dt.date) -> dict[dt.date, dict]:
    """Revenue accounting on miles earned, month by month from the first month with miles earned
    to last_month: each user's earnings in the month against the month before."""
    earned: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, user, miles, _ in events:
        if miles > 0:
            earned[day.replace(day=1)][user] += miles
    first_month: dict[str, dt.date] = {}
    for month in sorted(earned):
        for user in earned[month]:
            first_month.setdefault(user, month)
    result = {}
    month = min(earned)
    previous: dict[str, int] = {}
    while month <= last_month:
        now = dict(earned.get(month, {}))
        new = sum(m for u, m in now.items() if first_month[u] == month)
        resurrected = sum(m for u, m in now.items() if u not in previous and first_month[u] < month)
        both = [(now[u], previous[u]) for u in now.keys() & previous.keys()]
        expansion = sum(n - p for n, p in both if n > p)
        contraction = sum(p - n for n, p in both if n < p)
        churned = sum(p for u, p in previous.items() if u not in now)
        gained, lost = new + expansion + resurrected, contraction + churned
        result[month] = {
            "miles_earned": sum(now.values()),
            "previous_miles_earned": sum(previous.values()),
            "new_miles": new,
            "expansion_miles": expansion,
            "contraction_miles": contraction,
            "churned_miles": churned,
            "resurrected_miles": resurrected,
            "net_change_miles": sum(now.values()) - sum(previous.values()),
            "miles_quick_ratio": gained / lost if lost else None,
            "earning_users": len(now),
        }
        previous = now
        month = next_month(month)
    return result


def _same(actual: dict, expected: dict, where: str) -> None:
    for column, value in expected.items():
        got = actual[column]
        if isinstance(value, float) or isinstance(got, float):
            assert got is not None and value is not None, f"{where} {column}: {got} != {value}"
            assert abs(got - value) < 1e-9, f"{where} {column}: {got} != {value}"
        else:
            assert got == value, f"{where} {column}: {got!r} != {value!r}"


def check_miles_economy(pipeline) -> None:
    """Every miles table equals the independent computation from analytics.fct_events, row by row,
    with no day or month missing and none published early. The last day processed is the daily
    economy's last row."""
    events = pipeline.query(
        "SELECT event_date, user_id, miles_earned, miles_redeemed FROM analytics.fct_events"
    )
    last_day = pipeline.scalar("SELECT MAX(economy_date) FROM analytics.miles_economy_daily")

    rows = pipeline.query(
        f"SELECT economy_date, {', '.join(ECONOMY_COLUMNS)} "
        "FROM analytics.miles_economy_daily ORDER BY economy_date"
    )
    actual = {row[0]: dict(zip(ECONOMY_COLUMNS, row[1:], strict=True)) for row in rows}
    expected = economy(events, last_day)
    assert list(actual) == list(expected), "miles_economy_daily: days differ"
    for day, values in expected.items():
        _same(actual[day], values, f"miles_economy_daily {day}")

    rows = pipeline.query(
        f"SELECT user_id, activity_date, {', '.join(LEDGER_COLUMNS)} "
        "FROM intermediate.int_user_miles_balance"
    )
    actual = {(r[0], r[1]): dict(zip(LEDGER_COLUMNS, r[2:], strict=True)) for r in rows}
    assert actual == ledger(events), "int_user_miles_balance"

    rows = pipeline.query(
        f"SELECT user_id, {', '.join(NEGATIVE_COLUMNS)} "
        "FROM analytics.users_negative_balance_history"
    )
    actual = {r[0]: dict(zip(NEGATIVE_COLUMNS, r[1:], strict=True)) for r in rows}
    assert actual == negative_balance_history(events), "users_negative_balance_history"

    rows = pipeline.query(
        f"SELECT period_start, {', '.join(GROWTH_COLUMNS)} "
        "FROM analytics.miles_growth_accounting_monthly ORDER BY period_start"
    )
    actual = {r[0]: dict(zip(GROWTH_COLUMNS, r[1:], strict=True)) for r in rows}
    expected = miles_growth_accounting(events, last_complete_month(last_day))
    assert list(actual) == list(expected), "miles_growth_accounting_monthly: months differ"
    for month, values in expected.items():
        _same(actual[month], values, f"miles_growth_accounting_monthly {month}")
