/* Consecutive-day streaks per user: the longest run of consecutive active days and the latest
   one (still going while its last day is the latest day loaded). Incremental by user: a run recomputes
   the users active in its interval or the @late_arrival_days days before it, from all their
   active days (a streak can be as old as the user), and merges them in. */
MODEL (
    name analytics.user_streaks,
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
                longest_streak_days,
                longest_streak_start,
                latest_streak_days,
                latest_streak_start
            )
        ),
        accepted_range(column := longest_streak_days, min_v := 1),
        forall(
            criteria := (
                latest_streak_days <= longest_streak_days,
                latest_streak_start <= last_active_date
            )
        )
    )
);

WITH touched_users AS (
    SELECT DISTINCT
        user_id
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
), user_days AS (
    SELECT
        active_days.user_id,
        active_days.activity_date
    FROM intermediate.int_user_active_days AS active_days
    INNER JOIN touched_users
        ON active_days.user_id = touched_users.user_id
    WHERE
        active_days.activity_date <= @end_date
), islands AS (
    /* Consecutive days share activity_date minus their rank: the classic gaps-and-islands key. */
    SELECT
        user_id,
        activity_date,
        DATE_SUB(activity_date, INTERVAL (
            ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY activity_date)
        ) DAY) AS island
    FROM user_days
), streaks AS (
    SELECT
        user_id,
        MIN(activity_date) AS streak_start,
        MAX(activity_date) AS streak_end,
        COUNT(*) AS streak_days
    FROM islands
    GROUP BY
        user_id,
        island
), ranked AS (
    SELECT
        user_id,
        streak_start,
        streak_end,
        streak_days,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY streak_days DESC, streak_start) AS length_rank,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY streak_end DESC) AS recency_rank
    FROM streaks
)
SELECT
    longest.user_id, /* The user. */
    longest.streak_days AS longest_streak_days, /* Longest run of consecutive active days. */
    longest.streak_start AS longest_streak_start, /* First day of that run (the earliest, on a tie). */
    latest.streak_days AS latest_streak_days, /* Length of the most recent run. */
    latest.streak_start AS latest_streak_start, /* First day of the most recent run. */
    latest.streak_end AS last_active_date /* Last active day: the most recent run's end (the run is current while this is the latest day). */
FROM ranked AS longest
INNER JOIN ranked AS latest
    ON longest.user_id = latest.user_id AND latest.recency_rank = 1
WHERE
    longest.length_rank = 1
