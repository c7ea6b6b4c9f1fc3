/* Daily active users by the platform they used that day: a user active on two platforms counts on
   both, so the platforms add up to more than DAU (platform_share_of_dau says how much of DAU each
   platform reaches). Every day from the first activity has a row per platform. */
MODEL (
    name analytics.dau_by_platform_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days
    ),
    grain (activity_date, platform),
    audits (
        unique_combination_of_columns(columns := (activity_date, platform)),
        not_null(columns := (activity_date, platform, active_users, dau)),
        accepted_values(column := platform, is_in := ('ios', 'android', 'web')),
        accepted_range(column := platform_share_of_dau, min_v := 0, max_v := 1),
        forall(criteria := (
            active_users <= dau
        ))
    )
);

WITH bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day
    FROM intermediate.int_user_first_active
), spine AS (
    SELECT
        day,
        platform
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS day
    CROSS JOIN UNNEST(['ios', 'android', 'web']) AS platform
), active_users AS (
    SELECT
        active_days.activity_date,
        active_days.user_id,
        activity.used_ios,
        activity.used_android,
        activity.used_web
    FROM intermediate.int_user_active_days AS active_days
    INNER JOIN intermediate.int_user_activity_daily AS activity
        ON active_days.user_id = activity.user_id
        AND active_days.activity_date = activity.activity_date
    WHERE
        active_days.activity_date BETWEEN @start_ds AND @end_ds
        AND activity.activity_date BETWEEN @start_ds AND @end_ds
), daily AS (
    SELECT
        activity_date,
        COUNT(*) AS dau,
        SUM(IF(used_ios, 1, 0)) AS ios_users,
        SUM(IF(used_android, 1, 0)) AS android_users,
        SUM(IF(used_web, 1, 0)) AS web_users
    FROM active_users
    GROUP BY
        activity_date
)
SELECT
    spine.day AS activity_date, /* The day (UTC). */
    spine.platform, /* ios, android or web. */
    IFNULL(
        CASE spine.platform
            WHEN 'ios'
            THEN daily.ios_users
            WHEN 'android'
            THEN daily.android_users
            ELSE daily.web_users
        END,
        0
    ) AS active_users, /* Active users with at least one event on the platform that day. */
    IFNULL(daily.dau, 0) AS dau, /* All active users that day. */
    SAFE_DIVIDE(
        CASE spine.platform
            WHEN 'ios'
            THEN daily.ios_users
            WHEN 'android'
            THEN daily.android_users
            ELSE daily.web_users
        END,
        daily.dau
    ) AS platform_share_of_dau /* active_users / dau; NULL on a day without activity. */
FROM spine
LEFT JOIN daily
    ON spine.day = daily.activity_date
