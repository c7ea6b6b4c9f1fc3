/* Growth accounting by day (Social Capital): active users split into new, retained and
   resurrected, churned users, quick ratio, retention rate and net change; one row per day from
   the first activity on, empty days included. A day is published once it is over (the daily cron) and recomputed for @late_arrival_days days while late events may still land.
   Definitions: README, "Growth accounting"; the query is macros/growth_accounting.py. */
MODEL (
    name analytics.growth_accounting_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain period_start,
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
                churned_users,
                previous_period_whole
            )
        ),
        growth_accounting_identities,
        growth_accounting_chain
    ),
    column_descriptions (
        period_start = 'First day of the day.',
        period_end = 'Last day of the day (the time column).',
        active_users = 'Users with at least one counted event in the day.',
        new_users = 'Active users whose first counted event falls in this day.',
        retained_users = 'Active users who were also active in the day before.',
        resurrected_users = 'Active users not active in the day before but active earlier.',
        churned_users = 'Users active in the day before and not in this one.',
        previous_active_users = 'Active users of the day before (= retained + churned).',
        net_change = 'active_users - previous_active_users (= new + resurrected - churned).',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(quick_ratio_daily) also needs previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic: METRIC(retention_rate_daily) also needs previous_period_whole.',
        previous_period_whole = 'The day before starts on or after the first day of data (README, "Growth accounting", cold start): only then are the quick ratio and retention rate defined.'
    )
);

@growth_accounting(day)
