/* Returns after dormancy, per day and by how long the user had been away: a user returns on day d
   when d is an active day and their previous active day was at least 2 days before (at least one
   day without activity in between). dormancy_days = d - previous active day; buckets 2-7, 8-30,
   31-90 and 90+ (91 days or more). Summed over the buckets, a day's returns are the daily growth
   accounting's resurrected users (tested). Every day from the first activity has a row per bucket.
   The previous active day of a user active in the interval may lie anywhere before it, but only
   a gap of up to 90 days needs its length: the model reads the 90 days before the interval, and
   int_user_first_active tells whether a user without a day there was active before, so its daily
   cost does not grow with history (an earlier version read all earlier active days). */
MODEL (
    name analytics.resurrections_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days
    ),
    grain (activity_date, dormancy_bucket),
    audits (
        unique_combination_of_columns(columns := (activity_date, dormancy_bucket)),
        not_null(columns := (activity_date, dormancy_bucket, returning_users)),
        accepted_values(column := dormancy_bucket, is_in := ('2-7', '8-30', '31-90', '90+')),
        accepted_range(column := returning_users, min_v := 0)
    )
);

WITH window_days AS (
    SELECT
        user_id,
        activity_date
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN @start_ds AND @end_ds
), window_users AS (
    SELECT DISTINCT
        user_id
    FROM window_days
), earlier_days AS (
    /* Each window user's last active day before the window, read from the 90 days before it only.
       A user first active earlier with no active day there was away longer than 90 days, all the
       buckets tell apart (90+): the day 91 days before the window stands in for that older day. */
    SELECT
        window_users.user_id,
        IFNULL(MAX(active_days.activity_date), DATE_SUB(@start_date, INTERVAL '91' DAY)) AS activity_date
    FROM window_users
    INNER JOIN intermediate.int_user_first_active AS first_active
        ON window_users.user_id = first_active.user_id
        AND first_active.first_active_date < @start_date
    LEFT JOIN intermediate.int_user_active_days AS active_days
        ON window_users.user_id = active_days.user_id
        AND active_days.activity_date BETWEEN DATE_SUB(@start_date, INTERVAL '90' DAY) AND DATE_SUB(@start_date, INTERVAL '1' DAY)
    GROUP BY
        window_users.user_id
), gaps AS (
    SELECT
        user_id,
        activity_date,
        DATE_DIFF(
            activity_date,
            LAG(activity_date) OVER (PARTITION BY user_id ORDER BY activity_date),
            DAY
        ) AS dormancy_days
    FROM (
        SELECT
            user_id,
            activity_date
        FROM window_days
        UNION ALL
        SELECT
            user_id,
            activity_date
        FROM earlier_days
    ) AS user_days
), returns AS (
    SELECT
        activity_date,
        CASE
            WHEN dormancy_days <= 7
            THEN '2-7'
            WHEN dormancy_days <= 30
            THEN '8-30'
            WHEN dormancy_days <= 90
            THEN '31-90'
            ELSE '90+'
        END AS dormancy_bucket,
        COUNT(*) AS returning_users
    FROM gaps
    WHERE
        dormancy_days >= 2 AND activity_date >= @start_date
    GROUP BY
        1,
        2
), bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day
    FROM intermediate.int_user_first_active
), spine AS (
    SELECT
        day,
        dormancy_bucket
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS day
    CROSS JOIN UNNEST(['2-7', '8-30', '31-90', '90+']) AS dormancy_bucket
)
SELECT
    spine.day AS activity_date, /* The day users returned (UTC). */
    spine.dormancy_bucket, /* Days since their previous active day: 2-7, 8-30, 31-90 or 90+ (91 or more). */
    IFNULL(returns.returning_users, 0) AS returning_users /* Users who returned that day after that long away. */
FROM spine
LEFT JOIN returns
    ON spine.day = returns.activity_date
    AND spine.dormancy_bucket = returns.dormancy_bucket
