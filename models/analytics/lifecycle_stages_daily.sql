/* How many users are in each lifecycle stage, every day from the first activity on. Stages, by
   tenure (days since the user's first activity) and recent activity:
     new          active in the last 28 days, first active 0-6 days ago
     growing      active in the last 28 days, first active 7-29 days ago
     established  active in the last 28 days, first active 30-89 days ago
     mature       active in the last 28 days, first active 90 days ago or more
     dormant      first active before, but not active in the last 28 days
   The stages partition every user seen so far (an audit). Counting the dormant needs the number of
   users seen up to each day: the user table is read whole (it grows with users, not events). */
MODEL (
    name analytics.lifecycle_stages_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column stage_date,
        lookback @late_arrival_days
    ),
    grain (stage_date, lifecycle_stage),
    audits (
        unique_combination_of_columns(columns := (stage_date, lifecycle_stage)),
        not_null(columns := (stage_date, lifecycle_stage, users, users_seen)),
        accepted_values(
            column := lifecycle_stage,
            is_in := ('new', 'growing', 'established', 'mature', 'dormant')
        ),
        accepted_range(column := users, min_v := 0),
        lifecycle_stages_partition_users
    )
);

WITH bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day
    FROM intermediate.int_user_first_active
), days AS (
    SELECT
        stage_date
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS stage_date
), users_seen AS (
    SELECT
        days.stage_date,
        COUNT(first_active.user_id) AS users_seen
    FROM days
    LEFT JOIN intermediate.int_user_first_active AS first_active
        ON first_active.first_active_date <= days.stage_date
    GROUP BY
        days.stage_date
), recent_users AS (
    SELECT
        engagement.engagement_date AS stage_date,
        CASE
            WHEN DATE_DIFF(engagement.engagement_date, first_active.first_active_date, DAY) < 7
            THEN 'new'
            WHEN DATE_DIFF(engagement.engagement_date, first_active.first_active_date, DAY) < 30
            THEN 'growing'
            WHEN DATE_DIFF(engagement.engagement_date, first_active.first_active_date, DAY) < 90
            THEN 'established'
            ELSE 'mature'
        END AS lifecycle_stage
    FROM analytics.user_engagement_daily AS engagement
    INNER JOIN intermediate.int_user_first_active AS first_active
        ON engagement.user_id = first_active.user_id
    WHERE
        engagement.engagement_date BETWEEN @start_ds AND @end_ds
), active_counts AS (
    SELECT
        stage_date,
        lifecycle_stage,
        COUNT(*) AS users
    FROM recent_users
    GROUP BY
        stage_date,
        lifecycle_stage
), stages AS (
    SELECT
        days.stage_date,
        lifecycle_stage
    FROM days
    CROSS JOIN UNNEST(['new', 'growing', 'established', 'mature', 'dormant']) AS lifecycle_stage
), recent_totals AS (
    SELECT
        stage_date,
        SUM(users) AS users
    FROM active_counts
    GROUP BY
        stage_date
)
SELECT
    stages.stage_date, /* The day (UTC). */
    stages.lifecycle_stage, /* new, growing, established, mature or dormant (thresholds above). */
    CASE
        WHEN stages.lifecycle_stage = 'dormant'
        THEN users_seen.users_seen - IFNULL(recent_totals.users, 0)
        ELSE IFNULL(active_counts.users, 0)
    END AS users, /* Users in that stage that day. */
    users_seen.users_seen /* Users first active on or before that day: the stages add up to it. */
FROM stages
INNER JOIN users_seen
    ON stages.stage_date = users_seen.stage_date
LEFT JOIN active_counts
    ON stages.stage_date = active_counts.stage_date
    AND stages.lifecycle_stage = active_counts.lifecycle_stage
LEFT JOIN recent_totals
    ON stages.stage_date = recent_totals.stage_date
