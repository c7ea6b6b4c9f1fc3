/* Daily active users by the platform they used that day: a user active on two platforms counts on
   both, so the platforms add up to more than DAU (platform_share_of_dau says how much of DAU each
   platform reaches). Every day from the first activity has a row per platform of the contract
   (seeds.platforms), so a platform nobody used that day shows 0. */
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
        platforms.platform
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS day
    CROSS JOIN seeds.platforms AS platforms
), active_days AS (
    SELECT
        activity_date,
        user_id
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN @start_ds AND @end_ds
), dau AS (
    SELECT
        activity_date,
        COUNT(*) AS dau
    FROM active_days
    GROUP BY
        activity_date
), platform_users AS (
    /* Any event on the platform that day, of any type, by a user active that day. */
    SELECT
        events.event_date AS activity_date,
        events.platform,
        COUNT(DISTINCT events.user_id) AS active_users
    FROM intermediate.int_events AS events
    INNER JOIN active_days
        ON events.user_id = active_days.user_id
        AND events.event_date = active_days.activity_date
    WHERE
        events.event_date BETWEEN @start_ds AND @end_ds
    GROUP BY
        events.event_date,
        events.platform
)
SELECT
    spine.day AS activity_date, /* The day (UTC). */
    spine.platform, /* A platform of the contract (seeds.platforms). */
    IFNULL(platform_users.active_users, 0) AS active_users, /* Active users with at least one event on the platform that day. */
    IFNULL(dau.dau, 0) AS dau, /* All active users that day. */
    SAFE_DIVIDE(IFNULL(platform_users.active_users, 0), dau.dau) AS platform_share_of_dau /* active_users / dau; NULL on a day without activity. */
FROM spine
LEFT JOIN dau
    ON spine.day = dau.activity_date
LEFT JOIN platform_users
    ON spine.day = platform_users.activity_date
    AND spine.platform = platform_users.platform
