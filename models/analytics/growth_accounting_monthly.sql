/* Growth accounting by calendar month (Social Capital): active users split into new, retained
   and resurrected, churned users, quick ratio, retention rate and net change; one row per month
   from the first activity on, empty months included. The model runs on daily intervals and
   publishes a month in the run that processes its last day, so only complete months (with month
   intervals, SQLMesh 0.236 creates no table until the first month is over, and a plan applied
   earlier fails on the missing table); each run reaches back @late_arrival_days days, so the last
   month is recomputed while late events may still land.
   Definitions: README, "Growth accounting"; the query is macros/growth_accounting.py. */
MODEL (
    name analytics.growth_accounting_monthly,
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
        period_start = 'First day of the month.',
        period_end = 'Last day of the month (the time column).',
        active_users = 'Users with at least one counted event in the month.',
        new_users = 'Active users whose first counted event falls in this month.',
        retained_users = 'Active users who were also active in the month before.',
        resurrected_users = 'Active users not active in the month before but active earlier.',
        churned_users = 'Users active in the month before and not in this one.',
        previous_active_users = 'Active users of the month before (= retained + churned).',
        net_change = 'active_users - previous_active_users (= new + resurrected - churned).',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(quick_ratio_monthly) also needs previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic: METRIC(retention_rate_monthly) also needs previous_period_whole.',
        previous_period_whole = 'The month before starts on or after the first day of data (README, "Growth accounting", cold start): only then are the quick ratio and retention rate defined.'
    )
);

@growth_accounting(month)
