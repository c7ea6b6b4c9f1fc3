/* Each user's first and last active day (by the events that count as activity): tells new users
   from returning ones, and gives the retention cohorts their members' last active period without
   reading history. For that, the latest active day before the day, week and month of the last one:
   a period's tables show only periods that are over, and a member last active in the current
   period was last active, in periods that are over, on that earlier day.
   Incremental by user: a run recomputes only the users active in its interval or the
   @late_arrival_days days before it, from their active days up to the interval's end. */
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
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
), active_days AS (
    SELECT
        active_days.user_id,
        active_days.activity_date
    FROM intermediate.int_user_active_days AS active_days
    INNER JOIN touched_users
        ON active_days.user_id = touched_users.user_id
    WHERE
        active_days.activity_date <= @end_date
), spans AS (
    SELECT
        user_id,
        MIN(activity_date) AS first_active_date,
        MAX(activity_date) AS last_active_date
    FROM active_days
    GROUP BY
        user_id
)
SELECT
    spans.user_id, /* The user. */
    spans.first_active_date, /* First day with an event that counts as activity. */
    spans.last_active_date, /* Last such day up to the interval's end. */
    MAX(
        IF(active_days.activity_date < spans.last_active_date, active_days.activity_date, NULL)
    ) AS active_before_last_active_day, /* Latest active day before last_active_date; NULL if none. */
    MAX(
        IF(
            active_days.activity_date < @period_start(week, spans.last_active_date),
            active_days.activity_date,
            NULL
        )
    ) AS active_before_last_active_week, /* Latest active day before the (Monday) week of last_active_date. */
    MAX(
        IF(
            active_days.activity_date < @period_start(month, spans.last_active_date),
            active_days.activity_date,
            NULL
        )
    ) AS active_before_last_active_month /* Latest active day before the month of last_active_date. */
FROM spans
INNER JOIN active_days
    ON spans.user_id = active_days.user_id
GROUP BY
    spans.user_id,
    spans.first_active_date,
    spans.last_active_date
