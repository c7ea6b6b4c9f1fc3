/* Growth accounting by week for each first-touch segment: users are split by the utm_source,
   country and platform of their first event (analytics.dim_users), and each dimension's segments
   add up to analytics.growth_accounting_weekly (tested). Rows for segments with users active in the
   week or the one before; published like growth_accounting_weekly. The query is
   macros/growth_accounting.py. */
MODEL (
    name analytics.growth_drivers_weekly,
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
        period_start = 'First day of the week.',
        period_end = 'Last day of the week (the time column).',
        week_label = 'period_start as text (YYYY-MM-DD): the week on the x axis of the dashboards.',
        dimension = 'utm_source, country or platform: the first-touch attribute the users are split by.',
        segment = CONCAT(
            'The attribute value of the first event of the users (',
            '(none)',
            ' when it was empty).'
        ),
        active_users = 'Users of the segment active in the week.',
        new_users = 'Of them, first active in this week.',
        retained_users = 'Of them, also active in the week before.',
        resurrected_users = 'Of them, not active in the week before but earlier.',
        churned_users = 'Users of the segment active in the week before and not in this one.',
        previous_active_users = 'Users of the segment active in the week before.',
        net_change = 'active_users - previous_active_users.',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(segment_quick_ratio_weekly) also needs previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic, like quick_ratio.',
        previous_period_whole = 'The week before starts on or after the first day of data (README, "Growth accounting", cold start): only then are the ratios defined.'
    )
);

WITH accounting AS (
    @growth_accounting_by_segment(week)
)
SELECT
    accounting.period_start,
    accounting.period_end,
    CAST(accounting.period_start AS STRING) AS week_label, /* The week's Monday as text, the dashboards' x axis: Superset 6.1 draws a date column only on a
       time axis, ticked at month starts, and labels a category axis of dates NaN; a week is read
       by its start. */
    accounting.dimension,
    accounting.segment,
    accounting.active_users,
    accounting.new_users,
    accounting.retained_users,
    accounting.resurrected_users,
    accounting.churned_users,
    accounting.previous_active_users,
    accounting.net_change,
    accounting.quick_ratio,
    accounting.retention_rate,
    accounting.previous_period_whole
FROM accounting
