/* Growth accounting (Social Capital), docs/definitions.md, "Growth accounting". One set of metrics per
   grain; each reads the mart of its grain, so group by period_start. The ratios are computed
   from sums, never averaged, so they stay right at any grouping, and are NULL during the cold
   start: a period is compared only with a whole period before it (previous_period_whole_*). */

/* Active users: users with at least one counted event in the day.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_users_daily,
    expression SUM(analytics.growth_accounting_daily.active_users),
    owner growth
);

/* New users: active in the day and first ever active in it.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name new_users_daily,
    expression SUM(analytics.growth_accounting_daily.new_users),
    owner growth
);

/* Retained users: active in the day and in the day before.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retained_users_daily,
    expression SUM(analytics.growth_accounting_daily.retained_users),
    owner growth
);

/* Resurrected users: active in the day, not in the day before, active at some time before that.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name resurrected_users_daily,
    expression SUM(analytics.growth_accounting_daily.resurrected_users),
    owner growth
);

/* Churned users: active in the day before and not in the day.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_daily,
    expression SUM(analytics.growth_accounting_daily.churned_users),
    owner growth
);

/* Whether the ratios are defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole day before, one that starts on or after the first day of data; FALSE when any of them starts earlier, cut short by the start of the data.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name previous_period_whole_daily,
    expression MIN(analytics.growth_accounting_daily.previous_period_whole),
    owner growth
);

/* Quick ratio: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the day before is whole (previous_period_whole_daily). Above 1 the active base grows.
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name quick_ratio_daily,
    expression CASE WHEN previous_period_whole_daily THEN (new_users_daily + resurrected_users_daily) / NULLIF(churned_users_daily, 0) END,
    owner growth
);

/* Retention rate: retained / users active in the day before, which by the accounting identity is retained + churned; NULL when nobody was active before, and NULL in the cold start, until the day before is whole (previous_period_whole_daily).
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retention_rate_daily,
    expression CASE WHEN previous_period_whole_daily THEN retained_users_daily / NULLIF(retained_users_daily + churned_users_daily, 0) END,
    owner growth
);

/* Net change in active users against the day before: new + resurrected - churned (the accounting identity).
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name net_change_daily,
    expression new_users_daily + resurrected_users_daily - churned_users_daily,
    owner growth
);

/* Churned users as a negative number, so that a stacked chart draws them below zero (Social Capital's picture).
   Grain: one row per day of analytics.growth_accounting_daily; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_below_zero_daily,
    expression 0 - churned_users_daily,
    owner growth
);

/* Active users: users with at least one counted event in the week (Monday to Sunday).
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_users_weekly,
    expression SUM(analytics.growth_accounting_weekly.active_users),
    owner growth
);

/* New users: active in the week (Monday to Sunday) and first ever active in it.
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name new_users_weekly,
    expression SUM(analytics.growth_accounting_weekly.new_users),
    owner growth
);

/* Retained users: active in the week (Monday to Sunday) and in the week before.
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retained_users_weekly,
    expression SUM(analytics.growth_accounting_weekly.retained_users),
    owner growth
);

/* Resurrected users: active in the week (Monday to Sunday), not in the week before, active at some time before that.
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name resurrected_users_weekly,
    expression SUM(analytics.growth_accounting_weekly.resurrected_users),
    owner growth
);

/* Churned users: active in the week before and not in the week (Monday to Sunday).
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_weekly,
    expression SUM(analytics.growth_accounting_weekly.churned_users),
    owner growth
);

/* Whether the ratios are defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole week before, one that starts on or after the first day of data; FALSE when any of them starts earlier, cut short by the start of the data.
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name previous_period_whole_weekly,
    expression MIN(analytics.growth_accounting_weekly.previous_period_whole),
    owner growth
);

/* Quick ratio: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the week before is whole (previous_period_whole_weekly). Above 1 the active base grows.
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name quick_ratio_weekly,
    expression CASE WHEN previous_period_whole_weekly THEN (new_users_weekly + resurrected_users_weekly) / NULLIF(churned_users_weekly, 0) END,
    owner growth
);

/* Retention rate: retained / users active in the week before, which by the accounting identity is retained + churned; NULL when nobody was active before, and NULL in the cold start, until the week before is whole (previous_period_whole_weekly).
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retention_rate_weekly,
    expression CASE WHEN previous_period_whole_weekly THEN retained_users_weekly / NULLIF(retained_users_weekly + churned_users_weekly, 0) END,
    owner growth
);

/* Net change in active users against the week before: new + resurrected - churned (the accounting identity).
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name net_change_weekly,
    expression new_users_weekly + resurrected_users_weekly - churned_users_weekly,
    owner growth
);

/* Churned users as a negative number, so that a stacked chart draws them below zero (Social Capital's picture).
   Grain: one row per week of analytics.growth_accounting_weekly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_below_zero_weekly,
    expression 0 - churned_users_weekly,
    owner growth
);

/* Active users: users with at least one counted event in the calendar month.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_users_monthly,
    expression SUM(analytics.growth_accounting_monthly.active_users),
    owner growth
);

/* New users: active in the calendar month and first ever active in it.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name new_users_monthly,
    expression SUM(analytics.growth_accounting_monthly.new_users),
    owner growth
);

/* Retained users: active in the calendar month and in the month before.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retained_users_monthly,
    expression SUM(analytics.growth_accounting_monthly.retained_users),
    owner growth
);

/* Resurrected users: active in the calendar month, not in the month before, active at some time before that.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name resurrected_users_monthly,
    expression SUM(analytics.growth_accounting_monthly.resurrected_users),
    owner growth
);

/* Churned users: active in the month before and not in the calendar month.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_monthly,
    expression SUM(analytics.growth_accounting_monthly.churned_users),
    owner growth
);

/* Whether the ratios are defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole month before, one that starts on or after the first day of data; FALSE when any of them starts earlier, cut short by the start of the data.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name previous_period_whole_monthly,
    expression MIN(analytics.growth_accounting_monthly.previous_period_whole),
    owner growth
);

/* Quick ratio: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the month before is whole (previous_period_whole_monthly). Above 1 the active base grows.
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name quick_ratio_monthly,
    expression CASE WHEN previous_period_whole_monthly THEN (new_users_monthly + resurrected_users_monthly) / NULLIF(churned_users_monthly, 0) END,
    owner growth
);

/* Retention rate: retained / users active in the month before, which by the accounting identity is retained + churned; NULL when nobody was active before, and NULL in the cold start, until the month before is whole (previous_period_whole_monthly).
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retention_rate_monthly,
    expression CASE WHEN previous_period_whole_monthly THEN retained_users_monthly / NULLIF(retained_users_monthly + churned_users_monthly, 0) END,
    owner growth
);

/* Net change in active users against the month before: new + resurrected - churned (the accounting identity).
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name net_change_monthly,
    expression new_users_monthly + resurrected_users_monthly - churned_users_monthly,
    owner growth
);

/* Churned users as a negative number, so that a stacked chart draws them below zero (Social Capital's picture).
   Grain: one row per month of analytics.growth_accounting_monthly; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_below_zero_monthly,
    expression 0 - churned_users_monthly,
    owner growth
);

/* Active users: users with at least one counted event in the 28 days ending on period_end.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_users_rolling_28d,
    expression SUM(analytics.growth_accounting_rolling_28d.active_users),
    owner growth
);

/* New users: active in the 28 days ending on period_end and first ever active in it.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name new_users_rolling_28d,
    expression SUM(analytics.growth_accounting_rolling_28d.new_users),
    owner growth
);

/* Retained users: active in the 28 days ending on period_end and in the 28 days before them.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retained_users_rolling_28d,
    expression SUM(analytics.growth_accounting_rolling_28d.retained_users),
    owner growth
);

/* Resurrected users: active in the 28 days ending on period_end, not in the 28 days before them, active at some time before that.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name resurrected_users_rolling_28d,
    expression SUM(analytics.growth_accounting_rolling_28d.resurrected_users),
    owner growth
);

/* Churned users: active in the 28 days before them and not in the 28 days ending on period_end.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_rolling_28d,
    expression SUM(analytics.growth_accounting_rolling_28d.churned_users),
    owner growth
);

/* Whether the ratios are defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole 28 days before them, one that starts on or after the first day of data; FALSE when any of them starts earlier, cut short by the start of the data.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name previous_period_whole_rolling_28d,
    expression MIN(analytics.growth_accounting_rolling_28d.previous_period_whole),
    owner growth
);

/* Quick ratio: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the 28 days before them is whole (previous_period_whole_rolling_28d). Above 1 the active base grows.
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name quick_ratio_rolling_28d,
    expression CASE WHEN previous_period_whole_rolling_28d THEN (new_users_rolling_28d + resurrected_users_rolling_28d) / NULLIF(churned_users_rolling_28d, 0) END,
    owner growth
);

/* Retention rate: retained / users active in the 28 days before them, which by the accounting identity is retained + churned; NULL when nobody was active before, and NULL in the cold start, until the 28 days before them is whole (previous_period_whole_rolling_28d).
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name retention_rate_rolling_28d,
    expression CASE WHEN previous_period_whole_rolling_28d THEN retained_users_rolling_28d / NULLIF(retained_users_rolling_28d + churned_users_rolling_28d, 0) END,
    owner growth
);

/* Net change in active users against the 28 days before them: new + resurrected - churned (the accounting identity).
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name net_change_rolling_28d,
    expression new_users_rolling_28d + resurrected_users_rolling_28d - churned_users_rolling_28d,
    owner growth
);

/* Churned users as a negative number, so that a stacked chart draws them below zero (Social Capital's picture).
   Grain: one row per 28-day window of analytics.growth_accounting_rolling_28d; group by period_start.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name churned_users_below_zero_rolling_28d,
    expression 0 - churned_users_rolling_28d,
    owner growth
);
