/* Each user's first and last active day (by the events that count as activity): tells new users
   from returning ones, and gives the retention cohorts their members' last active period without
   reading history. For that, the latest active day before the day, week and month of the last one:
   a period's tables show only periods that are over, and a member last active in the current
   period was last active, in periods that are over, on that earlier day.
   Kept by intermediate.int_user_lifetime, which folds new days into each user's history without
   rereading it; this table takes the users whose days this run may have changed. */
MODEL (
    name intermediate.int_user_first_active,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
    clustered_by user_id,
    audits (
        unique_values(columns := (
            user_id
        )),
        not_null(columns := (user_id, first_active_date, last_active_date)),
        forall(
            criteria := (
                first_active_date <= last_active_date,
                IFNULL(
                    active_before_last_active_day < last_active_date,
                    first_active_date = last_active_date
                ),
                IFNULL(active_before_last_active_week <= active_before_last_active_day, TRUE),
                IFNULL(active_before_last_active_month <= active_before_last_active_day, TRUE)
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
    lifetime.first_active_date, /* First day with an event that counts as activity. */
    lifetime.last_active_date, /* Last such day up to the interval's end. */
    lifetime.active_before_last_active_day, /* Latest active day before last_active_date; NULL if none. */
    lifetime.active_before_last_active_week, /* Latest active day before the (Monday) week of last_active_date. */
    lifetime.active_before_last_active_month /* Latest active day before the month of last_active_date. */
FROM intermediate.int_user_lifetime AS lifetime
INNER JOIN touched_users
    ON lifetime.user_id = touched_users.user_id
WHERE
    NOT lifetime.first_active_date IS NULL
