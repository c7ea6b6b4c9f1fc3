/* Growth accounting on rolling 28-day windows, Social Capital's way to remove day-of-week
   effects: each day compares the 28 days ending that day with the 28 days before them. A user is
   new when their first activity falls in the current window, resurrected when active now, not in
   the previous window, but before it. Reads the user's active days from 55 days before the
   interval, explicitly: the windows need them (lookback is for late events only). */
MODEL (
    name analytics.growth_accounting_rolling_28d,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain period_end,
    cron '@daily',
    audits (
        unique_values(columns := (
            period_end
        )),
        not_null(
            columns := (
                period_start,
                period_end,
                active_users,
                new_users,
                retained_users,
                resurrected_users,
                churned_users
            )
        ),
        growth_accounting_identities,
        growth_accounting_chain
    )
);

WITH bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day
    FROM intermediate.int_user_first_active
), window_ends AS (
    SELECT
        window_end
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS window_end
), active_days AS (
    SELECT
        user_id,
        activity_date
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL '55' DAY) AND @end_date
), user_windows AS (
    /* Each user's presence in the current and the previous window of each day. */
    SELECT
        window_ends.window_end,
        active_days.user_id,
        LOGICAL_OR(active_days.activity_date > DATE_SUB(window_ends.window_end, INTERVAL '28' DAY)) AS is_active,
        LOGICAL_OR(active_days.activity_date <= DATE_SUB(window_ends.window_end, INTERVAL '28' DAY)) AS was_active
    FROM window_ends
    INNER JOIN active_days
        ON active_days.activity_date BETWEEN DATE_SUB(window_ends.window_end, INTERVAL '55' DAY) AND window_ends.window_end
    GROUP BY
        window_ends.window_end,
        active_days.user_id
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
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio, /* (new + resurrected) / churned; NULL when nobody churned. */
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate /* retained / previous_active_users; NULL when nobody was active before. */
FROM window_ends
LEFT JOIN counts
    ON window_ends.window_end = counts.window_end
