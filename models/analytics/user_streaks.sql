/* Consecutive-day streaks per user: the longest run of consecutive active days and the latest
   one (still going while its last day is the latest day loaded). A streak can be as old as
   the user: intermediate.int_user_lifetime keeps the settled latest and longest ones and joins new
   days to them, so no run rereads a user's days; this table takes the users whose days this run
   may have changed. */
MODEL (
    name analytics.user_streaks,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
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
    FROM intermediate.int_user_activity_daily
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
)
SELECT
    lifetime.user_id, /* The user. */
    lifetime.longest_streak_days, /* Longest run of consecutive active days. */
    lifetime.longest_streak_start, /* First day of that run (the earliest, on a tie). */
    lifetime.latest_streak_days, /* Length of the most recent run. */
    lifetime.latest_streak_start, /* First day of the most recent run. */
    lifetime.last_active_date /* Last active day: the most recent run's end (the run is current while this is the latest day). */
FROM intermediate.int_user_lifetime AS lifetime
INNER JOIN touched_users
    ON lifetime.user_id = touched_users.user_id
WHERE
    NOT lifetime.last_active_date IS NULL
