/* Growth drivers, docs/definitions.md, "Growth accounting": growth accounting per segment of a dimension
   (first-touch utm_source, country, first platform). Filter on dimension and group by
   period_start and segment; summing over segments of one dimension gives the overall totals. */

/* Active users of the segment in the week.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_active_users_weekly,
    expression SUM(analytics.growth_drivers_weekly.active_users),
    owner growth
);

/* New users of the segment: first ever active in the week.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_new_users_weekly,
    expression SUM(analytics.growth_drivers_weekly.new_users),
    owner growth
);

/* Retained users of the segment: active in the week and the one before.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_retained_users_weekly,
    expression SUM(analytics.growth_drivers_weekly.retained_users),
    owner growth
);

/* Resurrected users of the segment: active in the week, not in the one before, active earlier.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_resurrected_users_weekly,
    expression SUM(analytics.growth_drivers_weekly.resurrected_users),
    owner growth
);

/* Churned users of the segment: active in the week before and not in this one.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_churned_users_weekly,
    expression SUM(analytics.growth_drivers_weekly.churned_users),
    owner growth
);

/* Whether the segment quick ratio is defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole week before, one that starts on or after the first day of data; FALSE when any of them starts earlier.
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_previous_period_whole_weekly,
    expression MIN(analytics.growth_drivers_weekly.previous_period_whole),
    owner growth
);

/* Quick ratio of the segment: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the week before is whole (segment_previous_period_whole_weekly).
   Grain: one row per week, dimension and segment of analytics.growth_drivers_weekly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_quick_ratio_weekly,
    expression CASE WHEN segment_previous_period_whole_weekly THEN (segment_new_users_weekly + segment_resurrected_users_weekly) / NULLIF(segment_churned_users_weekly, 0) END,
    owner growth
);

/* Active users of the segment in the month.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_active_users_monthly,
    expression SUM(analytics.growth_drivers_monthly.active_users),
    owner growth
);

/* New users of the segment: first ever active in the month.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_new_users_monthly,
    expression SUM(analytics.growth_drivers_monthly.new_users),
    owner growth
);

/* Retained users of the segment: active in the month and the one before.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_retained_users_monthly,
    expression SUM(analytics.growth_drivers_monthly.retained_users),
    owner growth
);

/* Resurrected users of the segment: active in the month, not in the one before, active earlier.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_resurrected_users_monthly,
    expression SUM(analytics.growth_drivers_monthly.resurrected_users),
    owner growth
);

/* Churned users of the segment: active in the month before and not in this one.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_churned_users_monthly,
    expression SUM(analytics.growth_drivers_monthly.churned_users),
    owner growth
);

/* Whether the segment quick ratio is defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole month before, one that starts on or after the first day of data; FALSE when any of them starts earlier.
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_previous_period_whole_monthly,
    expression MIN(analytics.growth_drivers_monthly.previous_period_whole),
    owner growth
);

/* Quick ratio of the segment: (new + resurrected) / churned; NULL when nobody churned, and NULL in the cold start, until the month before is whole (segment_previous_period_whole_monthly).
   Grain: one row per month, dimension and segment of analytics.growth_drivers_monthly; group by period_start, dimension, segment.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). Filter dimension to one of utm_source, country, platform. */
METRIC (
    name segment_quick_ratio_monthly,
    expression CASE WHEN segment_previous_period_whole_monthly THEN (segment_new_users_monthly + segment_resurrected_users_monthly) / NULLIF(segment_churned_users_monthly, 0) END,
    owner growth
);

/* Users active on the platform that day (a user active on two platforms counts on both).
   Grain: one row per day and platform of analytics.dau_by_platform_daily; group by activity_date, platform.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name platform_active_users_daily,
    expression SUM(analytics.dau_by_platform_daily.active_users),
    owner growth
);
