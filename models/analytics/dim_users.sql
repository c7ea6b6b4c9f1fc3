/* One row per user ever active: first and last seen, first-touch attributes and lifetime miles.
   Incremental by user: a run recomputes only the users active in its interval or in the
   @late_arrival_days days before it (late arrivals), from their rows in the user x day backbone,
   and merges them in; other users keep their row. The lifetime sums are cast to INT64: DuckDB sums
   BIGINT into HUGEINT, and a table whose types differ from the ones SQLMesh infers is rewritten
   (columns dropped and added, a destructive change) whenever something upstream changes. */
MODEL (
    name analytics.dim_users,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
    cron '@daily',
    clustered_by user_id,
    audits (
        unique_values(columns := (
            user_id
        )),
        not_null(
            columns := (
                user_id,
                first_seen_at,
                last_seen_at,
                first_platform,
                total_miles_earned,
                total_miles_redeemed,
                miles_balance
            )
        ),
        accepted_values(column := first_platform, is_in := ('ios', 'android', 'web')),
        accepted_range(column := total_miles_earned, min_v := 0),
        accepted_range(column := total_miles_redeemed, min_v := 0),
        accepted_range(column := active_days, min_v := 1),
        forall(
            criteria := (
                miles_balance = total_miles_earned - total_miles_redeemed,
                has_negative_balance = (
                    miles_balance < 0
                ),
                first_seen_at <= last_seen_at,
                first_active_date <= last_active_date
            )
        )
    )
);

WITH touched_users AS (
    SELECT DISTINCT
        user_id
    FROM intermediate.int_user_activity_daily
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
), user_days AS (
    SELECT
        activity.user_id,
        activity.activity_date,
        activity.events,
        activity.miles_earned,
        activity.miles_redeemed,
        activity.first_event_time,
        activity.last_event_time,
        activity.first_platform,
        activity.first_utm_source,
        activity.first_country
    FROM intermediate.int_user_activity_daily AS activity
    INNER JOIN touched_users
        ON activity.user_id = touched_users.user_id
    WHERE
        activity.activity_date <= @end_date
), first_days AS (
    SELECT
        user_id,
        first_platform,
        first_utm_source,
        first_country
    FROM (
        SELECT
            user_id,
            first_platform,
            first_utm_source,
            first_country,
            ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY activity_date) AS day_rank
        FROM user_days
    ) AS ranked
    WHERE
        day_rank = 1
), lifetime AS (
    SELECT
        user_id,
        MIN(first_event_time) AS first_seen_at,
        MAX(last_event_time) AS last_seen_at,
        MIN(activity_date) AS first_active_date,
        MAX(activity_date) AS last_active_date,
        COUNT(*) AS active_days,
        CAST(SUM(events) AS INT64) AS total_events,
        CAST(SUM(miles_earned) AS INT64) AS total_miles_earned,
        CAST(SUM(miles_redeemed) AS INT64) AS total_miles_redeemed
    FROM user_days
    GROUP BY
        user_id
)
SELECT
    lifetime.user_id, /* The user. */
    lifetime.first_seen_at, /* Time of the user's first valid event (UTC). */
    lifetime.last_seen_at, /* Time of the user's latest valid event (UTC). */
    lifetime.first_active_date, /* Date of first_seen_at. */
    lifetime.last_active_date, /* Date of last_seen_at. */
    lifetime.active_days, /* Days with at least one event. */
    lifetime.total_events, /* Valid events, all time. */
    first_days.first_platform, /* Platform of the user's first event. */
    first_days.first_utm_source, /* utm_source of the user's first event (first touch). */
    first_days.first_country, /* country of the user's first event. */
    lifetime.total_miles_earned, /* Miles earned, all time. */
    lifetime.total_miles_redeemed, /* Miles redeemed, all time. */
    lifetime.total_miles_earned - lifetime.total_miles_redeemed AS miles_balance, /* Earned minus redeemed. */
    lifetime.total_miles_earned - lifetime.total_miles_redeemed < 0 AS has_negative_balance /* Redeemed more than earned: the events do not explain the balance. */
FROM lifetime
INNER JOIN first_days
    ON lifetime.user_id = first_days.user_id
