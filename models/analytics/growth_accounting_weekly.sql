/* Growth accounting by week (Social Capital): active users split into new, retained and
   resurrected, churned users, quick ratio, retention rate and net change; one row per week from
   the first activity on, empty weeks included. Weeks start on Monday. The model runs on daily
   intervals and publishes a week in the run that processes its Sunday, so only complete weeks
   (a weekly cron over day intervals makes SQLMesh 0.236 fail plans whose execution time comes
   before the first Monday); each run reaches back @late_arrival_days days, so the last week is
   recomputed while late events may still land.
   Definitions: README, "Growth accounting"; the query is macros/growth_accounting.py. */
MODEL (
    name analytics.growth_accounting_weekly,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain period_start,
    cron '@daily',
    audits (
        unique_values(columns := (
            period_start
        )),
        not_null(
            columns := (
                period_start,
                period_end,
                active_users,
                new_users,
                retained_users,
                resurrected_users,
                churned_users
            )
        ),
        growth_accounting_identities,
        growth_accounting_chain
    ),
    column_descriptions (
        period_start = 'First day of the week.',
        period_end = 'Last day of the week (the time column).',
        active_users = 'Users with at least one counted event in the week.',
        new_users = 'Active users whose first counted event falls in this week.',
        retained_users = 'Active users who were also active in the week before.',
        resurrected_users = 'Active users not active in the week before but active earlier.',
        churned_users = 'Users active in the week before and not in this one.',
        previous_active_users = 'Active users of the week before (= retained + churned).',
        net_change = 'active_users - previous_active_users (= new + resurrected - churned).',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before.'
    )
);

@growth_accounting(week)
