/* Growth accounting on rolling 28-day windows, Social Capital's way to remove day-of-week
   effects: each day compares the 28 days ending that day with the 28 days before them. A user is
   new when their first activity falls in the current window, resurrected when active now, not in
   the previous window, but before it. Who was active in the 28 days ending a day is exactly that
   day's rows of analytics.user_engagement_daily, so the model reads those rows for the interval's
   days and for the days 28 earlier, explicitly (lookback is for late events only), and pairs them
   by an equality join: a range join over raw active days cost 67 s for a four-day run on the
   benchmark (benchmarks/pipeline.md). */
MODEL (
    name analytics.growth_accounting_rolling_28d,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain period_end,
    audits (
        unique_values(columns := (
            period_end
        )),
        growth_accounting_identities,
        growth_accounting_chain
    )
);

WITH bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day,
        MIN(first_active_date) AS first_data_day /* The first day of data (anybody active). */
    FROM intermediate.int_user_first_active
), window_ends AS (
    SELECT
        window_end
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS window_end
), current_windows AS (
    SELECT
        engagement_date AS window_end,
        user_id
    FROM analytics.user_engagement_daily
    WHERE
        engagement_date BETWEEN @start_date AND @end_date
), previous_windows AS (
    /* The 28 days before a window are the 28 days ending 28 days earlier. */
    SELECT
        CAST(DATE_ADD(engagement_date, INTERVAL '28' DAY) AS DATE) AS window_end,
        user_id
    FROM analytics.user_engagement_daily
    WHERE
        engagement_date BETWEEN DATE_SUB(@start_date, INTERVAL '28' DAY) AND DATE_SUB(@end_date, INTERVAL '28' DAY)
), user_windows AS (
    /* Each user's presence in the current and the previous window of each day. */
    SELECT
        COALESCE(current_windows.window_end, previous_windows.window_end) AS window_end,
        COALESCE(current_windows.user_id, previous_windows.user_id) AS user_id,
        NOT current_windows.user_id IS NULL AS is_active,
        NOT previous_windows.user_id IS NULL AS was_active
    FROM current_windows
    FULL OUTER JOIN previous_windows
        ON current_windows.window_end = previous_windows.window_end
        AND current_windows.user_id = previous_windows.user_id
), counts AS (
    SELECT
        user_windows.window_end,
        SUM(IF(user_windows.is_active, 1, 0)) AS active_users,
        SUM(
            IF(
                user_windows.is_active
                AND first_active.first_active_date > DATE_SUB(user_windows.window_end, INTERVAL '28' DAY),
                1,
                0
            )
        ) AS new_users,
        SUM(IF(user_windows.is_active AND user_windows.was_active, 1, 0)) AS retained_users,
        SUM(
            IF(
                user_windows.is_active
                AND NOT user_windows.was_active
                AND first_active.first_active_date <= DATE_SUB(user_windows.window_end, INTERVAL '28' DAY),
                1,
                0
            )
        ) AS resurrected_users,
        SUM(IF(user_windows.was_active AND NOT user_windows.is_active, 1, 0)) AS churned_users,
        SUM(IF(user_windows.was_active, 1, 0)) AS previous_active_users
    FROM user_windows
    INNER JOIN intermediate.int_user_first_active AS first_active
        ON user_windows.user_id = first_active.user_id
    GROUP BY
        user_windows.window_end
)
SELECT
    CAST(DATE_SUB(window_ends.window_end, INTERVAL '27' DAY) AS DATE) AS period_start, /* First day of the 28-day window. */
    window_ends.window_end AS period_end, /* Last day of the window: the day the row is for. */
    IFNULL(counts.active_users, 0) AS active_users, /* Users active in the window. */
    IFNULL(counts.new_users, 0) AS new_users, /* Active users whose first activity is in the window. */
    IFNULL(counts.retained_users, 0) AS retained_users, /* Active in the window and in the 28 days before it. */
    IFNULL(counts.resurrected_users, 0) AS resurrected_users, /* Active in the window, not in the 28 days before, but earlier. */
    IFNULL(counts.churned_users, 0) AS churned_users, /* Active in the 28 days before the window, not in it. */
    IFNULL(counts.previous_active_users, 0) AS previous_active_users, /* Active in the 28 days before the window. */
    IFNULL(counts.active_users, 0) - IFNULL(counts.previous_active_users, 0) AS net_change, /* active_users - previous_active_users. */
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio, /* (new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(quick_ratio_rolling_28d) also needs previous_period_whole. */
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate, /* retained / previous_active_users; NULL when nobody was active before. Plain arithmetic: METRIC(retention_rate_rolling_28d) also needs previous_period_whole. */
    DATE_SUB(window_ends.window_end, INTERVAL '55' DAY) >= bounds.first_data_day AS previous_period_whole /* The 28 days before the window start on or after the first day of data, so the quick ratio and retention rate are defined (docs/definitions.md, "Growth accounting", cold start). Before that they compare with a window cut short by the start of the data: the sample's quick ratio reached 152 on 2025-01-31, with 3 churned of 6 users seen. The stored ratios stay the plain arithmetic (the identities audit checks them); the metrics, and so the dashboards, apply this flag. */
FROM window_ends
CROSS JOIN bounds
LEFT JOIN counts
    ON window_ends.window_end = counts.window_end
