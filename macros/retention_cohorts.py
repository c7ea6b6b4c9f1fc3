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

# The periods shown are those over by the last day processed, as in growth accounting: the last
# day of analytics.growth_accounting_daily, whose spine has a row for every day processed, empty
# days included. Not the execution date: SQLMesh renders a FULL model with the machine's clock
# only (no interval), so a run with an earlier end day would show periods the data do not cover.
# The cells' counts come from intermediate.int_retention_cells_<grain>, which is incremental; this
# query reads one row per user (for cohort sizes and "on or after") and one per cell, never events
# or user x day rows, so its cost does not grow with the days of history.
TEMPLATE = """
WITH last_complete AS (
    SELECT
        processed.last_day,
        CAST(DATE_SUB({trunc_after_end}, {interval}) AS DATE) AS last_period
    FROM (SELECT MAX(period_end) AS last_day FROM analytics.growth_accounting_daily) AS processed
), members AS (
    /* A member's last active period among those that are over: the period of their last active
       day, or, while that period is still running, the period of their latest active day before
       it (the data never reach past the last day processed, so no further step back is needed). */
    SELECT
        {trunc_first_active} AS cohort_start,
        IF(
            {trunc_last_active} <= last_complete.last_period,
            {trunc_last_active},
            {trunc_before_last}
        ) AS last_active_period
    FROM intermediate.int_user_first_active AS first_active
    CROSS JOIN last_complete
    WHERE first_active.first_active_date <= last_complete.last_day
), cohorts AS (
    SELECT cohort_start, COUNT(*) AS cohort_size
    FROM members
    GROUP BY 1
), last_active AS (
    /* Members by the last period they were active in. */
    SELECT cohort_start, last_active_period AS period_start, COUNT(*) AS users
    FROM members
    WHERE NOT last_active_period IS NULL
    GROUP BY 1, 2
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
), filled AS (
    SELECT
        cells.cohort_start,
        cells.period_start,
        {age} AS age,
        cells.cohort_size,
        IFNULL(counts.active_users, 0) AS active_users,
        IFNULL(counts.miles_earned, 0) AS miles_earned,
        IFNULL(last_active.users, 0) AS last_active_here
    FROM cells
    LEFT JOIN intermediate.int_retention_cells_{grain} AS counts
        ON cells.cohort_start = counts.cohort_start AND cells.period_start = counts.period_start
    LEFT JOIN last_active
        ON cells.cohort_start = last_active.cohort_start
        AND cells.period_start = last_active.period_start
), retained AS (
    /* "On or after": members whose last active period is this one or a later one, that is all
       members but those last active in an earlier period. */
    SELECT
        *,
        cohort_size - (
            SUM(last_active_here) OVER (
                PARTITION BY cohort_start ORDER BY period_start ROWS UNBOUNDED PRECEDING
            ) - last_active_here
        ) AS retained_on_or_after
    FROM filled
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
FROM retained
{age_filter}
"""


def retention_cohorts_sql(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain={grain!r}: expected one of {', '.join(GRAINS)}")
    trunc, interval = GRAINS[grain]
    max_age = MAX_AGE[grain]
    return TEMPLATE.format(
        interval=interval,
        trunc_after_end=trunc.format(
            col="CAST(DATE_ADD(processed.last_day, INTERVAL 1 DAY) AS DATE)"
        ),
        trunc_first_active=trunc.format(col="first_active.first_active_date"),
        trunc_last_active=trunc.format(col="first_active.last_active_date"),
        trunc_before_last=trunc.format(col=f"first_active.active_before_last_active_{grain}"),
        grain=grain,
        age=AGES[grain].format(period="cells.period_start", cohort="cells.cohort_start"),
        age_filter=f"WHERE age <= {max_age}" if max_age is not None else "",
    )


@macro()
def retention_cohorts(evaluator, grain: exp.Expression) -> exp.Expression:
    """The retention-cohort query for `grain` (day, week or month)."""
    name = grain.name if isinstance(grain, exp.Expression) else str(grain)
    query = exp.maybe_parse(retention_cohorts_sql(name.lower()), dialect="bigquery")
    return evaluator.transform(query)
