/* The retention cohorts' cells, one table per grain (day, week, month): for each cohort (the
   period of its members' first activity) and each period that is over, the members active in it
   and the miles they earned in it. A period's cells depend only on that period's activity, so the
   table is incremental: a run publishes the periods that end within its interval and reaches back
   @late_arrival_days days, like growth accounting, so a late event that moves a member's first day
   also moves them between cohorts in every period it touches. Periods with neither active members
   nor miles have no row; the analytics.retention_cohorts_* tables fill them in. Weeks start on
   Monday. */
MODEL (
    name intermediate.int_retention_cells_@{grain},
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    blueprints ((
            grain := day
        ), (
            grain := week
        ), (
            grain := month
    )),
    grain (cohort_start, period_start),
    audits (
        unique_combination_of_columns(columns := (cohort_start, period_start)),
        not_null(columns := (cohort_start, period_start, period_end, active_users, miles_earned)),
        forall(
            criteria := (
                cohort_start <= period_start,
                period_start <= period_end,
                active_users > 0 OR miles_earned > 0,
                miles_earned >= 0
            )
        )
    )
);

WITH members AS (
    SELECT
        user_id,
        @period_start(@grain, first_active_date) AS cohort_start
    FROM intermediate.int_user_first_active
), active AS (
    /* Only the periods that end within the interval: from the one that holds its first day, up
       to the last one that is over. */
    SELECT
        members.cohort_start,
        @period_start(@grain, active_days.activity_date) AS period_start,
        COUNT(DISTINCT active_days.user_id) AS active_users
    FROM intermediate.int_user_active_days AS active_days
    INNER JOIN members
        ON active_days.user_id = members.user_id
    WHERE
        active_days.activity_date >= @period_start(@grain, @start_date)
        AND active_days.activity_date < @period_start(@grain, DATE_ADD(@end_date, INTERVAL '1' DAY))
    GROUP BY
        1,
        2
), miles AS (
    /* Miles of every day with events, counted or not, as in the user x day backbone. */
    SELECT
        members.cohort_start,
        @period_start(@grain, activity.activity_date) AS period_start,
        CAST(SUM(activity.miles_earned) AS INT64) AS miles_earned
    FROM intermediate.int_user_activity_daily AS activity
    INNER JOIN members
        ON activity.user_id = members.user_id
    WHERE
        activity.activity_date >= @period_start(@grain, @start_date)
        AND activity.activity_date < @period_start(@grain, DATE_ADD(@end_date, INTERVAL '1' DAY))
    GROUP BY
        1,
        2
), cells AS (
    SELECT
        COALESCE(active.cohort_start, miles.cohort_start) AS cohort_start,
        COALESCE(active.period_start, miles.period_start) AS period_start,
        IFNULL(active.active_users, 0) AS active_users,
        IFNULL(miles.miles_earned, 0) AS miles_earned
    FROM active
    FULL OUTER JOIN miles
        ON active.cohort_start = miles.cohort_start
        AND active.period_start = miles.period_start
)
SELECT
    cohort_start, /* First day of the cohort's period. */
    period_start, /* First day of the period. */
    @period_end(@grain, period_start) AS period_end, /* Last day of the period (the time column). */
    active_users, /* Cohort members active in the period. */
    miles_earned /* Miles the cohort's members earned in the period. */
FROM cells
WHERE
    miles_earned > 0 OR active_users > 0
