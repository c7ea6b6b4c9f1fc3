/* The quick ratio read over time, for weeks and months: its 3-period moving average (the mean of
   the quick ratios of the period and the two before it that have one) and Social Capital's bands:
   below 1 declining (losing users faster than gaining them), 1-1.5 typical, 1.5-2 good, 2 or more
   excellent; 'no churn' when nobody churned (no ratio); 'cold start' when the period before
   starts before the first day of data (docs/definitions.md, "Growth accounting": the ratio is not defined
   then, so it is NULL here and neither averaged nor alerted on). A period below 1 is an alert
   (analytics.growth_alerts). Reads the two periods before the interval explicitly, for the
   moving average. */
MODEL (
    name analytics.quick_ratio_analysis,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain (period_grain, period_start),
    audits (
        unique_combination_of_columns(columns := (period_grain, period_start)),
        not_null(columns := (period_grain, period_start, period_end, quick_ratio_band, is_alert)),
        accepted_values(column := period_grain, is_in := ('week', 'month')),
        accepted_values(
            column := quick_ratio_band,
            is_in := ('declining', 'typical', 'good', 'excellent', 'no churn', 'cold start')
        ),
        forall(criteria := (
            is_alert = IFNULL(quick_ratio < 1, FALSE)
        )),
        latest_month_quick_ratio_below_one(blocking := FALSE)
    )
);

WITH periods AS (
    SELECT
        'week' AS period_grain,
        period_start,
        period_end,
        IF(previous_period_whole, quick_ratio, NULL) AS quick_ratio, /* The stored ratio is plain arithmetic; the cold-start rule applies here. */
        previous_period_whole,
        new_users,
        resurrected_users,
        churned_users
    FROM analytics.growth_accounting_weekly
    WHERE
        period_end BETWEEN DATE_SUB(@start_date, INTERVAL '21' DAY) AND @end_date
    UNION ALL
    SELECT
        'month' AS period_grain,
        period_start,
        period_end,
        IF(previous_period_whole, quick_ratio, NULL) AS quick_ratio, /* The stored ratio is plain arithmetic; the cold-start rule applies here. */
        previous_period_whole,
        new_users,
        resurrected_users,
        churned_users
    FROM analytics.growth_accounting_monthly
    WHERE
        period_end BETWEEN DATE_SUB(@start_date, INTERVAL '3' MONTH) AND @end_date
), averaged AS (
    SELECT
        *,
        AVG(quick_ratio) OVER (
            PARTITION BY period_grain
            ORDER BY period_start
            ROWS BETWEEN 2 PRECEDING AND CURRENT ROW
        ) AS quick_ratio_3_period_avg
    FROM periods
)
SELECT
    period_grain, /* week (Monday start) or month. */
    period_start, /* First day of the period. */
    period_end, /* Last day of the period. */
    new_users, /* From growth accounting. */
    resurrected_users, /* From growth accounting. */
    churned_users, /* From growth accounting. */
    quick_ratio, /* (new + resurrected) / churned; NULL when nobody churned or in the cold start. */
    previous_period_whole, /* The period before starts on or after the first day of data: the ratio is defined. */
    quick_ratio_3_period_avg, /* Mean quick ratio of this period and the two before (those with one). */
    CASE
        WHEN NOT previous_period_whole
        THEN 'cold start'
        WHEN quick_ratio IS NULL
        THEN 'no churn'
        WHEN quick_ratio < 1
        THEN 'declining'
        WHEN quick_ratio < 1.5
        THEN 'typical'
        WHEN quick_ratio < 2
        THEN 'good'
        ELSE 'excellent'
    END AS quick_ratio_band, /* declining < 1 <= typical < 1.5 <= good < 2 <= excellent; no churn; cold start. */
    IFNULL(quick_ratio < 1, FALSE) AS is_alert /* Losing users faster than gaining them. */
FROM averaged
WHERE
    period_end BETWEEN @start_date AND @end_date
