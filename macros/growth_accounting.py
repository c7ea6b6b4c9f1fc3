"""Social Capital's growth accounting, written once for every calendar grain (README,
"Growth accounting"). The daily, weekly and monthly models are each one call of
@growth_accounting(grain)."""

from sqlglot import exp
from sqlmesh import macro

GRAINS = {
    # grain: (truncation of a DATE column, interval of one period)
    "day": ("{col}", "INTERVAL 1 DAY"),
    # Monday weeks, by arithmetic from a known Monday (1970-01-05). DATE_TRUNC(d, WEEK) starts
    # weeks on Sunday on BigQuery and Monday on DuckDB; DATE_TRUNC(d, WEEK(MONDAY)) is right on
    # both but sqlglot 30.8's optimizer crashes on it ("'Simplifier' object has no attribute
    # 'type'"), and SQLMesh optimizes every query.
    "week": (
        "CAST(DATE_SUB({col}, INTERVAL MOD(DATE_DIFF({col}, DATE '1970-01-05', DAY), 7) DAY)"
        " AS DATE)",
        "INTERVAL 1 WEEK",
    ),
    "month": ("CAST(DATE_TRUNC({col}, MONTH) AS DATE)", "INTERVAL 1 MONTH"),
}

TEMPLATE = """
WITH bounds AS (
    /* The periods this run publishes: those ending within the interval (so only complete ones),
       from the period of the first activity ever onwards. */
    SELECT
        GREATEST({trunc_start}, {trunc_first}) AS first_period,
        CAST(DATE_SUB({trunc_after_end}, {interval}) AS DATE) AS last_period,
        first_activity.first_active_date AS first_day
    FROM (
        SELECT MIN(first_active_date) AS first_active_date
        FROM intermediate.int_user_first_active
    ) AS first_activity
), active_periods AS (
    /* Users active per period, from the period before the first one published. */
    SELECT DISTINCT
        active_days.user_id,
        {trunc_activity} AS period_start
    FROM intermediate.int_user_active_days AS active_days
    WHERE
        active_days.activity_date BETWEEN CAST(DATE_SUB({trunc_start}, {interval}) AS DATE)
        AND @end_date
), first_periods AS (
{first_periods}), transitions AS (
    /* Each user's state in a period and in the period before it. */
    SELECT
        COALESCE(
            current_period.period_start,
            CAST(DATE_ADD(previous_period.period_start, {interval}) AS DATE)
        ) AS period_start,
        COALESCE(current_period.user_id, previous_period.user_id) AS user_id,
        NOT current_period.user_id IS NULL AS is_active,
        NOT previous_period.user_id IS NULL AS was_active
    FROM active_periods AS current_period
    FULL OUTER JOIN active_periods AS previous_period
        ON current_period.user_id = previous_period.user_id
        AND current_period.period_start
            = CAST(DATE_ADD(previous_period.period_start, {interval}) AS DATE)
), counts AS (
    SELECT
        transitions.period_start,{segment_columns}
        SUM(IF(transitions.is_active, 1, 0)) AS active_users,
        SUM(IF(
            transitions.is_active
            AND first_periods.first_period_start = transitions.period_start, 1, 0
        )) AS new_users,
        SUM(IF(transitions.is_active AND transitions.was_active, 1, 0)) AS retained_users,
        SUM(IF(
            transitions.is_active
            AND NOT transitions.was_active
            AND first_periods.first_period_start < transitions.period_start, 1, 0
        )) AS resurrected_users,
        SUM(IF(transitions.was_active AND NOT transitions.is_active, 1, 0)) AS churned_users,
        SUM(IF(transitions.was_active, 1, 0)) AS previous_active_users
    FROM transitions
    INNER JOIN first_periods
        ON transitions.user_id = first_periods.user_id
    GROUP BY
        transitions.period_start{segment_group}
{tail}
"""


FIRST_PERIODS = """
    SELECT
        first_active.user_id,
        {trunc_first_active} AS first_period_start
    FROM intermediate.int_user_first_active AS first_active
    INNER JOIN (SELECT DISTINCT user_id FROM active_periods) AS window_users
        ON first_active.user_id = window_users.user_id
"""

# Growth drivers: every user counts once per dimension, in the segment of their first touch
# (analytics.dim_users); NULL attributes form the segment '(none)'.
SEGMENT_DIMENSIONS = {
    "utm_source": "users.first_utm_source",
    "country": "users.first_country",
    "platform": "users.first_platform",
}
SEGMENTED_FIRST_PERIOD = """
    SELECT
        first_active.user_id,
        {trunc_first_active} AS first_period_start,
        '{dimension}' AS dimension,
        IFNULL({column}, '(none)') AS segment
    FROM intermediate.int_user_first_active AS first_active
    INNER JOIN (SELECT DISTINCT user_id FROM active_periods) AS window_users
        ON first_active.user_id = window_users.user_id
    INNER JOIN analytics.dim_users AS users
        ON first_active.user_id = users.user_id
"""

MAIN_TAIL = (
    """), spine AS ("""
    + """
    SELECT
        period_start
    FROM bounds
    CROSS JOIN
        UNNEST(GENERATE_DATE_ARRAY(bounds.first_period, bounds.last_period, {interval}))
        AS period_start
)
SELECT
    spine.period_start,
    CAST(DATE_SUB(DATE_ADD(spine.period_start, {interval}), INTERVAL 1 DAY) AS DATE) AS period_end,
    IFNULL(counts.active_users, 0) AS active_users,
    IFNULL(counts.new_users, 0) AS new_users,
    IFNULL(counts.retained_users, 0) AS retained_users,
    IFNULL(counts.resurrected_users, 0) AS resurrected_users,
    IFNULL(counts.churned_users, 0) AS churned_users,
    IFNULL(counts.previous_active_users, 0) AS previous_active_users,
    IFNULL(counts.active_users, 0) - IFNULL(counts.previous_active_users, 0) AS net_change,
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio,
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate,
    /* Cold start: nobody is seen before the first day of data (the first day anybody was
       active, from the data, not the run), so a previous period that starts earlier is cut
       short; churn and retention measured against it are artefacts. The stored ratios stay the
       plain arithmetic (the identities audit checks them); the metrics, and so the dashboards,
       apply this flag (README, "Growth accounting", cold start). */
    CAST(DATE_SUB(spine.period_start, {interval}) AS DATE) >= bounds.first_day
        AS previous_period_whole
FROM spine
CROSS JOIN bounds
LEFT JOIN counts
    ON spine.period_start = counts.period_start
"""
)

SEGMENTED_TAIL = """)
SELECT
    counts.period_start,
    CAST(DATE_SUB(DATE_ADD(counts.period_start, {interval}), INTERVAL 1 DAY) AS DATE) AS period_end,
    counts.dimension,
    counts.segment,
    counts.active_users,
    counts.new_users,
    counts.retained_users,
    counts.resurrected_users,
    counts.churned_users,
    counts.previous_active_users,
    counts.active_users - counts.previous_active_users AS net_change,
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio,
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate,
    /* Cold start: nobody is seen before the first day of data (the first day anybody was
       active, from the data, not the run), so a previous period that starts earlier is cut
       short; churn and retention measured against it are artefacts. The stored ratios stay the
       plain arithmetic (the identities audit checks them); the metrics, and so the dashboards,
       apply this flag (README, "Growth accounting", cold start). */
    CAST(DATE_SUB(counts.period_start, {interval}) AS DATE) >= bounds.first_day
        AS previous_period_whole
FROM counts
CROSS JOIN bounds
WHERE
    counts.period_start BETWEEN bounds.first_period AND bounds.last_period
"""


def growth_accounting_sql(grain: str, segmented: bool = False) -> str:
    """The growth-accounting query for `grain`; segmented: by first-touch utm_source, country and
    platform (one row per period, dimension and segment with users in it)."""
    if grain not in GRAINS:
        raise ValueError(f"grain={grain!r}: expected one of {', '.join(GRAINS)}")
    trunc, interval = GRAINS[grain]
    if segmented:
        first_periods = "\n    UNION ALL\n".join(
            SEGMENTED_FIRST_PERIOD.format(
                trunc_first_active="{trunc_first_active}", dimension=name, column=column
            )
            for name, column in SEGMENT_DIMENSIONS.items()
        )
        parts = {
            "first_periods": first_periods,
            "segment_columns": "\n        first_periods.dimension,\n        first_periods.segment,",
            "segment_group": ",\n        first_periods.dimension,\n        first_periods.segment",
            "tail": SEGMENTED_TAIL,
        }
    else:
        parts = {
            "first_periods": FIRST_PERIODS,
            "segment_columns": "",
            "segment_group": "",
            "tail": MAIN_TAIL,
        }
    template = TEMPLATE.format(
        **parts,
        interval="{interval}",
        trunc_start="{trunc_start}",
        trunc_after_end="{trunc_after_end}",
        trunc_first="{trunc_first}",
        trunc_activity="{trunc_activity}",
        trunc_first_active="{trunc_first_active}",
    )
    return template.format(
        interval=interval,
        trunc_start=trunc.format(col="@start_date"),
        trunc_after_end=trunc.format(col="CAST(DATE_ADD(@end_date, INTERVAL 1 DAY) AS DATE)"),
        trunc_first=trunc.format(col="first_activity.first_active_date"),
        trunc_activity=trunc.format(col="active_days.activity_date"),
        trunc_first_active=trunc.format(col="first_active.first_active_date"),
    )


def _render(evaluator, grain: exp.Expression, segmented: bool) -> exp.Expression:
    name = grain.name if isinstance(grain, exp.Expression) else str(grain)
    query = exp.maybe_parse(growth_accounting_sql(name.lower(), segmented), dialect="bigquery")
    # Expand the @start_date / @end_date inside the template too.
    return evaluator.transform(query)


@macro()
def growth_accounting(evaluator, grain: exp.Expression) -> exp.Expression:
    """The growth-accounting query for `grain` (day, week or month)."""
    return _render(evaluator, grain, segmented=False)


@macro()
def growth_accounting_by_segment(evaluator, grain: exp.Expression) -> exp.Expression:
    """Growth accounting for `grain` by first-touch utm_source, country and platform."""
    return _render(evaluator, grain, segmented=True)
