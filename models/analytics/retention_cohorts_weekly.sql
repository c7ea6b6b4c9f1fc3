/* Retention by week cohort (the week of a user's first activity) and age (weeks since it), for
   every week that is over: cohort size; "return on" retention (active in exactly that week) and
   "return on or after" retention (active in that week or any later one); and the cohort's value
   curves, cumulative miles earned and cumulative active weeks per member (Social Capital's LTV
   view). Weeks start on Monday. Rebuilt on every run, and cheap by design: "on or after" retention
   changes for every earlier age whenever a member comes back, so any cell can change on any day,
   but the rebuild reads only the incremental cells (intermediate.int_retention_cells_week: members
   active and miles per cohort and week) and one row per user (intermediate.int_user_first_active:
   cohort and last active week), never events or user x day rows. The query is
   macros/retention_cohorts.py. */
MODEL (
    name analytics.retention_cohorts_weekly,
    kind FULL,
    grain (cohort_start, age),
    cron '@daily',
    audits (
        unique_combination_of_columns(columns := (cohort_start, age)),
        not_null(
            columns := (cohort_start, age, period_start, cohort_size, active_users, retained_on_or_after)
        ),
        retention_cells_finished(period := week),
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
        cohort_start = CONCAT('First day of the week in which the cohort', 's users were first active.'),
        age = 'weeks since the cohort week (0: the cohort week itself).',
        period_start = 'First day of the week at that age; only weeks that are over have a row.',
        cohort_size = 'Users first active in the cohort week.',
        active_users = 'Cohort users active in that week (return on).',
        retained_on_or_after = 'Cohort users active in that week or any later one (return on or after).',
        return_on_rate = 'active_users / cohort_size.',
        return_on_or_after_rate = 'retained_on_or_after / cohort_size.',
        cumulative_miles_earned_per_member = 'Miles earned by the cohort up to the end of that week, per member.',
        cumulative_active_periods_per_member = 'Active weeks of the cohort up to that one, per member.'
    )
);

@retention_cohorts(week)
