/* The power-user curve (L28 histogram) at each month end: of the users active in the 28 days
   ending on the month's last day, how many were active on exactly n of those days, n = 1..28,
   overall and by cohort (month of first activity; cohort_month = NULL is all users). A curve
   leaning right means a core of users who come back nearly every day. Daily intervals: a month's
   curve is published by the run that processes its last day. */
MODEL (
    name analytics.power_user_curve_monthly,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column month_end,
        lookback @late_arrival_days
    ),
    grain (month_end, cohort_month, l28),
    audits (
        unique_combination_of_columns(columns := (month_end, cohort_month, l28)),
        not_null(columns := (month_end, l28, users, share_of_mau)),
        accepted_range(column := l28, min_v := 1, max_v := 28),
        accepted_range(column := share_of_mau, min_v := 0, max_v := 1),
        power_user_curve_shares_sum_to_one
    )
);

WITH month_end_users AS (
    /* Month ends as days whose next day is a first, rather than engagement_date =
       LAST_DAY(engagement_date): DuckDB 1.5 carries an equality of a column with a function of
       itself over to the interval's bounds (last_day(d) BETWEEN ...), which then skip no row
       groups, and each daily run scanned the whole table. */
    SELECT
        engagement.engagement_date AS month_end,
        engagement.user_id,
        engagement.l28,
        CAST(DATE_TRUNC(first_active.first_active_date, MONTH) AS DATE) AS cohort_month
    FROM analytics.user_engagement_daily AS engagement
    INNER JOIN intermediate.int_user_first_active AS first_active
        ON engagement.user_id = first_active.user_id
    WHERE
        engagement.engagement_date BETWEEN @start_ds AND @end_ds
        AND EXTRACT(DAY FROM DATE_ADD(engagement.engagement_date, INTERVAL '1' DAY)) = 1
), by_cohort AS (
    SELECT
        month_end,
        cohort_month,
        l28,
        COUNT(*) AS users
    FROM month_end_users
    GROUP BY
        month_end,
        cohort_month,
        l28
), overall AS (
    SELECT
        month_end,
        CAST(NULL AS DATE) AS cohort_month,
        l28,
        COUNT(*) AS users
    FROM month_end_users
    GROUP BY
        month_end,
        l28
), curves AS (
    SELECT
        month_end,
        cohort_month,
        l28,
        users
    FROM by_cohort
    UNION ALL
    SELECT
        month_end,
        cohort_month,
        l28,
        users
    FROM overall
)
SELECT
    month_end, /* Last day of the month. */
    cohort_month, /* Month of the users' first activity; NULL: all users. */
    l28, /* Days active among the 28 ending on month_end (1-28). */
    users, /* Users with exactly that many active days. */
    users / SUM(users) OVER (PARTITION BY month_end, cohort_month) AS share_of_mau /* Share of the curve's users (its MAU). */
FROM curves
