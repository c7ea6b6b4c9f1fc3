"""Retention cohorts, written once for every grain (README, "Retention cohorts"): the daily,
weekly and monthly cohort tables are each one call of @retention_cohorts(grain)."""

from sqlglot import exp
from sqlmesh import macro

from macros.growth_accounting import GRAINS

# Age of a period in periods since the cohort's own period (0 = the cohort period itself).
# Weeks count days / 7 rather than DATE_DIFF(..., WEEK): BigQuery's WEEK boundaries are Sundays.
AGES = {
    "day": "DATE_DIFF({period}, {cohort}, DAY)",
    "week": "DIV(DATE_DIFF({period}, {cohort}, DAY), 7)",
    "month": "DATE_DIFF({period}, {cohort}, MONTH)",
}
# Daily cohorts are followed for their first 30 days only.
MAX_AGE = {"day": 30, "week": None, "month": None}

# The periods shown are those over by the run's execution date (a FULL model has no interval).
TEMPLATE = """
WITH last_complete AS (
    SELECT CAST(DATE_SUB({trunc_after_end}, {interval}) AS DATE) AS last_period
), members AS (
    SELECT
        user_id,
        {trunc_first_active} AS cohort_start
    FROM intermediate.int_user_first_active
    WHERE first_active_date < @execution_date
), member_periods AS (
    SELECT DISTINCT
        members.cohort_start,
        members.user_id,
        {trunc_activity} AS period_start
    FROM intermediate.int_user_active_days AS active_days
    INNER JOIN members
        ON active_days.user_id = members.user_id
    CROSS JOIN last_complete
    WHERE {trunc_activity} <= last_complete.last_period
), member_miles AS (
    SELECT
        members.cohort_start,
        {trunc_backbone} AS period_start,
        SUM(activity.miles_earned) AS miles_earned
    FROM intermediate.int_user_activity_daily AS activity
    INNER JOIN members
        ON activity.user_id = members.user_id
    CROSS JOIN last_complete
    WHERE {trunc_backbone} <= last_complete.last_period
    GROUP BY 1, 2
), last_active AS (
    SELECT cohort_start, user_id, MAX(period_start) AS last_active_period
    FROM member_periods
    GROUP BY 1, 2
), cohorts AS (
    SELECT cohort_start, COUNT(*) AS cohort_size
    FROM members
    GROUP BY 1
), cells AS (
    SELECT
        cohorts.cohort_start,
        cohorts.cohort_size,
        period_start
    FROM cohorts
    CROSS JOIN last_complete
    CROSS JOIN UNNEST(
        GENERATE_DATE_ARRAY(cohorts.cohort_start, last_complete.last_period, {interval})
    ) AS period_start
), active AS (
    SELECT cohort_start, period_start, COUNT(*) AS active_users
    FROM member_periods
    GROUP BY 1, 2
), on_or_after AS (
    SELECT cells.cohort_start, cells.period_start, COUNT(last_active.user_id) AS users
    FROM cells
    LEFT JOIN last_active
        ON cells.cohort_start = last_active.cohort_start
        AND last_active.last_active_period >= cells.period_start
    GROUP BY 1, 2
), filled AS (
    SELECT
        cells.cohort_start,
        cells.period_start,
        {age} AS age,
        cells.cohort_size,
        IFNULL(active.active_users, 0) AS active_users,
        on_or_after.users AS retained_on_or_after,
        IFNULL(member_miles.miles_earned, 0) AS miles_earned
    FROM cells
    LEFT JOIN active
        ON cells.cohort_start = active.cohort_start AND cells.period_start = active.period_start
    INNER JOIN on_or_after
        ON cells.cohort_start = on_or_after.cohort_start
        AND cells.period_start = on_or_after.period_start
    LEFT JOIN member_miles
        ON cells.cohort_start = member_miles.cohort_start
        AND cells.period_start = member_miles.period_start
)
SELECT
    cohort_start,
    age,
    period_start,
    cohort_size,
    active_users,
    retained_on_or_after,
    active_users / cohort_size AS return_on_rate,
    retained_on_or_after / cohort_size AS return_on_or_after_rate,
    SUM(miles_earned) OVER (
        PARTITION BY cohort_start ORDER BY period_start ROWS UNBOUNDED PRECEDING
    ) / cohort_size AS cumulative_miles_earned_per_member,
    SUM(active_users) OVER (
        PARTITION BY cohort_start ORDER BY period_start ROWS UNBOUNDED PRECEDING
    ) / cohort_size AS cumulative_active_periods_per_member
FROM filled
{age_filter}
"""


def retention_cohorts_sql(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain={grain!r}: expected one of {', '.join(GRAINS)}")
    trunc, interval = GRAINS[grain]
    max_age = MAX_AGE[grain]
    return TEMPLATE.format(
        interval=interval,
        trunc_after_end=trunc.format(col="@execution_date"),
        trunc_first_active=trunc.format(col="first_active_date"),
        trunc_activity=trunc.format(col="active_days.activity_date"),
        trunc_backbone=trunc.format(col="activity.activity_date"),
        age=AGES[grain].format(period="cells.period_start", cohort="cells.cohort_start"),
        age_filter=f"WHERE age <= {max_age}" if max_age is not None else "",
    )


@macro()
def retention_cohorts(evaluator, grain: exp.Expression) -> exp.Expression:
    """The retention-cohort query for `grain` (day, week or month)."""
    name = grain.name if isinstance(grain, exp.Expression) else str(grain)
    query = exp.maybe_parse(retention_cohorts_sql(name.lower()), dialect="bigquery")
    return evaluator.transform(query)
