/* Each user's first active day (by the events that count as activity): tells new users from
   returning ones. Incremental by user: a run recomputes only the users active in its interval or
   the @late_arrival_days days before it, from their active days up to the interval's end. */
MODEL (
    name intermediate.int_user_first_active,
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
        not_null(columns := (user_id, first_active_date))
    )
);

WITH touched_users AS (
    SELECT DISTINCT
        user_id
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
)
SELECT
    active_days.user_id, /* The user. */
    MIN(active_days.activity_date) AS first_active_date /* First day with an event that counts as activity. */
FROM intermediate.int_user_active_days AS active_days
INNER JOIN touched_users
    ON active_days.user_id = touched_users.user_id
WHERE
    active_days.activity_date <= @end_date
GROUP BY
    active_days.user_id
