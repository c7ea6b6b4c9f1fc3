/* Growth accounting by month for each first-touch segment: users are split by the utm_source,
   country and platform of their first event (analytics.dim_users), and each dimension's segments
   add up to analytics.growth_accounting_monthly (tested). Rows for segments with users active in the
   month or the one before; published like growth_accounting_monthly. The query is
   macros/growth_accounting.py. */
MODEL (
    name analytics.growth_drivers_monthly,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    grain (period_start, dimension, segment),
    audits (
        unique_combination_of_columns(columns := (period_start, dimension, segment)),
        not_null(
            columns := (
                period_start,
                period_end,
                dimension,
                segment,
                active_users,
                previous_period_whole
            )
        ),
        accepted_values(column := dimension, is_in := ('utm_source', 'country', 'platform')),
        growth_accounting_identities
    ),
    column_descriptions (
        period_start = 'First day of the month.',
        period_end = 'Last day of the month (the time column).',
        dimension = 'utm_source, country or platform: the first-touch attribute the users are split by.',
        segment = CONCAT(
            'The attribute value of the first event of the users (',
            '(none)',
            ' when it was empty).'
        ),
        active_users = 'Users of the segment active in the month.',
        new_users = 'Of them, first active in this month.',
        retained_users = 'Of them, also active in the month before.',
        resurrected_users = 'Of them, not active in the month before but earlier.',
        churned_users = 'Users of the segment active in the month before and not in this one.',
        previous_active_users = 'Users of the segment active in the month before.',
        net_change = 'active_users - previous_active_users.',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(segment_quick_ratio_monthly) also needs previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic, like quick_ratio.',
        previous_period_whole = 'The month before starts on or after the first day of data (README, "Growth accounting", cold start): only then are the ratios defined.'
    )
);

@growth_accounting_by_segment(month)
