/* Retention by day cohort (the day of a user's first activity) and age (days since it), for every
   day that is over: cohort size; "return on" retention (active in exactly that day) and "return on
   or after" retention (active in that day or any later one); and the cohort's value curves,
   cumulative miles earned and cumulative active days per member (Social Capital's LTV view). Daily
   cohorts are followed for their first 30 days. Rebuilt on every run, and cheap by design: "on or
   after" retention changes for every earlier age whenever a member comes back, so any cell can
   change on any day, but the rebuild reads only the incremental cells
   (intermediate.int_retention_cells_day: members active and miles per cohort and day) and one row
   per user (intermediate.int_user_first_active: cohort and last active day), never events or user
   x day rows. The query is macros/retention_cohorts.py. */
MODEL (
    name analytics.retention_cohorts_daily,
    kind FULL,
    grain (cohort_start, age),
    cron '@daily',
    audits (
        unique_combination_of_columns(columns := (cohort_start, age)),
        not_null(
            columns := (cohort_start, age, period_start, cohort_size, active_users, retained_on_or_after)
        ),
        retention_cells_finished(period := day),
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
        cohort_start = CONCAT('First day of the day in which the cohort', 's users were first active.'),
        age = 'days since the cohort day (0: the cohort day itself).',
        period_start = 'First day of the day at that age; only days that are over have a row.',
        cohort_size = 'Users first active in the cohort day.',
        active_users = 'Cohort users active in that day (return on).',
        retained_on_or_after = 'Cohort users active in that day or any later one (return on or after).',
        return_on_rate = 'active_users / cohort_size.',
        return_on_or_after_rate = 'retained_on_or_after / cohort_size.',
        cumulative_miles_earned_per_member = 'Miles earned by the cohort up to the end of that day, per member.',
        cumulative_active_periods_per_member = 'Active days of the cohort up to that one, per member.'
    )
);

@retention_cohorts(day)
