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
        period_start = 'First day of the week.',
        period_end = 'Last day of the week (the time column).',
        week_label = 'period_start as text (YYYY-MM-DD): the week on the x axis of the dashboards.',
        active_users = 'Users with at least one counted event in the week.',
        new_users = 'Active users whose first counted event falls in this week.',
        retained_users = 'Active users who were also active in the week before.',
        resurrected_users = 'Active users not active in the week before but active earlier.',
        churned_users = 'Users active in the week before and not in this one.',
        previous_active_users = 'Active users of the week before (= retained + churned).',
        net_change = 'active_users - previous_active_users (= new + resurrected - churned).',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: METRIC(quick_ratio_weekly) also needs previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic: METRIC(retention_rate_weekly) also needs previous_period_whole.',
        previous_period_whole = 'The week before starts on or after the first day of data (README, "Growth accounting", cold start): only then are the quick ratio and retention rate defined.'
    )
);

WITH accounting AS (
    @growth_accounting(week)
)
SELECT
    accounting.period_start,
    accounting.period_end,
    CAST(accounting.period_start AS STRING) AS week_label, /* The week's Monday as text, the dashboards' x axis: Superset 6.1 draws a date column only on a
       time axis, ticked at month starts, and labels a category axis of dates NaN; a week is read
       by its start. */
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
