/* Retention by cohort (the day, Monday week or calendar month of a user's first activity) and age
   (periods since it), for every period that is over: cohort size; "return on" retention (active in
   exactly that period) and "return on or after" retention (active in that period or any later
   one); and the cohort's value curves, cumulative miles earned and cumulative active periods per
   member (Social Capital's LTV view). Daily cohorts are followed for their first 30 days.
   Rebuilt on every run, and cheap by design: "on or after" retention changes for every earlier age
   whenever a member comes back, so any cell can change on any day, but the rebuild reads only the
   incremental cells (intermediate.int_retention_cells_<grain>: members active and miles per cohort
   and period) and one row per user (intermediate.int_user_first_active: cohort and last active
   period), never events or user x day rows.
   The periods shown are those over by the last day processed, as in growth accounting: the last
   day of analytics.growth_accounting_daily, whose spine has a row for every day processed, empty
   days included. Not the execution date: SQLMesh renders a FULL model with the machine's clock
   only (no interval), so a run with an earlier end day would show periods the data do not cover. */
MODEL (
    name analytics.retention_cohorts_@{suffix},
    kind FULL,
    blueprints (
        (grain := day, suffix := daily, max_age := 30),
        (grain := week, suffix := weekly, max_age := NULL),
        (grain := month, suffix := monthly, max_age := NULL)
    ),
    grain (cohort_start, age),
    audits (
        unique_combination_of_columns(columns := (cohort_start, age)),
        not_null(
            columns := (cohort_start, age, period_start, cohort_size, active_users, retained_on_or_after)
        ),
        retention_cells_finished(period := @grain),
        accepted_range(column := return_on_rate, min_v := 0, max_v := 1),
        accepted_range(column := return_on_or_after_rate, min_v := 0, max_v := 1),
        forall(
            criteria := (
                active_users <= retained_on_or_after,
                retained_on_or_after <= cohort_size,
                age > 0 OR active_users = cohort_size
            )
        )
    ),
    column_descriptions (
        cohort_start = 'First day of the period (day, Monday week or month) in which the cohort members were first active.',
        age = 'Periods since the cohort period (0: the cohort period itself).',
        period_start = 'First day of the period at that age; only periods that are over have a row.',
        cohort_size = 'Users first active in the cohort period.',
        active_users = 'Cohort users active in that period (return on).',
        retained_on_or_after = 'Cohort users active in that period or any later one (return on or after).',
        return_on_rate = 'active_users / cohort_size.',
        return_on_or_after_rate = 'retained_on_or_after / cohort_size.',
        cumulative_miles_earned_per_member = 'Miles earned by the cohort up to the end of that period, per member.',
        cumulative_active_periods_per_member = 'Active periods of the cohort up to that one, per member.'
    )
);

WITH last_complete AS (
    SELECT
        processed.last_day,
        @last_whole_period(@grain, processed.last_day) AS last_period
    FROM (
        SELECT
            MAX(period_end) AS last_day
        FROM analytics.growth_accounting_daily
    ) AS processed
), members AS (
    /* A member's last active period among those that are over: the period of their last active
       day, or, while that period is still running, the period of their latest active day before
       it (the data never reach past the last day processed, so no further step back is needed). */
    SELECT
        @period_start(@grain, first_active.first_active_date) AS cohort_start,
        IF(
            @period_start(@grain, first_active.last_active_date) <= last_complete.last_period,
            @period_start(@grain, first_active.last_active_date),
            @period_start(@grain, first_active.active_before_last_active_@{grain})
        ) AS last_active_period
    FROM intermediate.int_user_first_active AS first_active
    CROSS JOIN last_complete
    WHERE
        first_active.first_active_date <= last_complete.last_day
), cohorts AS (
    SELECT
        cohort_start,
        COUNT(*) AS cohort_size
    FROM members
    GROUP BY
        1
), last_active AS (
    /* Members by the last period they were active in. */
    SELECT
        cohort_start,
        last_active_period AS period_start,
        COUNT(*) AS users
    FROM members
    WHERE
        NOT last_active_period IS NULL
    GROUP BY
        1,
        2
), cells AS (
    SELECT
        cohorts.cohort_start,
        cohorts.cohort_size,
        period_start
    FROM cohorts
    CROSS JOIN last_complete
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(cohorts.cohort_start, last_complete.last_period, INTERVAL '1' @grain)) AS period_start
), filled AS (
    SELECT
        cells.cohort_start,
        cells.period_start,
        @period_age(@grain, cells.period_start, cells.cohort_start) AS age,
        cells.cohort_size,
        IFNULL(counts.active_users, 0) AS active_users,
        IFNULL(counts.miles_earned, 0) AS miles_earned,
        IFNULL(last_active.users, 0) AS last_active_here
    FROM cells
    LEFT JOIN intermediate.int_retention_cells_@{grain} AS counts
        ON cells.cohort_start = counts.cohort_start
        AND cells.period_start = counts.period_start
    LEFT JOIN last_active
        ON cells.cohort_start = last_active.cohort_start
        AND cells.period_start = last_active.period_start
), retained AS (
    /* "On or after": members whose last active period is this one or a later one, that is all
       members but those last active in an earlier period. */
    SELECT
        *,
        cohort_size - (
            SUM(last_active_here) OVER (
                PARTITION BY cohort_start
                ORDER BY period_start
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - last_active_here
        ) AS retained_on_or_after
    FROM filled
)
SELECT
    cohort_start,
    age,
    period_start,
    cohort_size,
    active_users,
    retained_on_or_after,
    active_users / cohort_size AS return_on_rate,
    retained_on_or_after / cohort_size AS return_on_or_after_rate,
    SUM(miles_earned) OVER (
        PARTITION BY cohort_start
        ORDER BY period_start
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) / cohort_size AS cumulative_miles_earned_per_member,
    SUM(active_users) OVER (
        PARTITION BY cohort_start
        ORDER BY period_start
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) / cohort_size AS cumulative_active_periods_per_member
FROM retained
WHERE
    @max_age IS NULL OR age <= @max_age
