/* Engagement depth, docs/definitions.md, "Engagement and lifecycle": DAU/WAU/MAU on trailing 1, 7 and
   28-day windows, L7/L28 (a user's active days among the last 7 and 28), the power-user curve,
   lifecycle stages and resurrections after a dormancy gap. */

/* DAU: users active that day.
   Grain: one row per day of analytics.engagement_daily; group by engagement_date (these counts do not add up across days).
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name dau,
    expression SUM(analytics.engagement_daily.dau),
    owner growth
);

/* WAU: users active in the 7 days ending that day.
   Grain: one row per day of analytics.engagement_daily; group by engagement_date (these counts do not add up across days).
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name wau,
    expression SUM(analytics.engagement_daily.wau),
    owner growth
);

/* MAU: users active in the 28 days ending that day (28 rather than a calendar month, so every day compares four whole weeks).
   Grain: one row per day of analytics.engagement_daily; group by engagement_date (these counts do not add up across days).
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name mau,
    expression SUM(analytics.engagement_daily.mau),
    owner growth
);

/* Whether the MAU window is whole (the cold-start rule, docs/definitions.md, "Engagement and lifecycle"): TRUE when the 28 days ending every day grouped start on or after the first day of data, i.e. from the 28th day of data on; FALSE before, when MAU is cut short by the start of the data.
   Grain: one row per day of analytics.engagement_daily; group by engagement_date (these counts do not add up across days).
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name mau_window_whole,
    expression MIN(analytics.engagement_daily.window_whole),
    owner growth
);

/* Stickiness: DAU / MAU; NULL when MAU is 0, and NULL in the cold start, until the MAU window is whole (mau_window_whole: the first 27 days of data have none).
   Grain: one row per day of analytics.engagement_daily; group by engagement_date (these counts do not add up across days).
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name stickiness,
    expression CASE WHEN mau_window_whole THEN dau / NULLIF(mau, 0) END,
    owner growth
);

/* Mean L28: average number of active days in the last 28 among that day's MAU.
   Grain: one row per day and user active in the 28 days ending that day, in analytics.user_engagement_daily; group by engagement_date.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name mean_l28,
    expression AVG(analytics.user_engagement_daily.l28),
    owner growth
);

/* Mean L7: average number of active days in the last 7 among that day's MAU (users not active in the last 7 days count as 0).
   Grain: one row per day and user active in the 28 days ending that day, in analytics.user_engagement_daily; group by engagement_date.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name mean_l7,
    expression AVG(analytics.user_engagement_daily.l7),
    owner growth
);

/* Power-user curve: users of the month's MAU (28 days ending on the month's last day) with each L28 value.
   Grain: one row per month end, cohort month and L28 value in analytics.power_user_curve_monthly; group by month_end and l28, with cohort_month IS NULL for all users, or one cohort month.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name power_user_users,
    expression SUM(analytics.power_user_curve_monthly.users),
    owner growth
);

/* Users in each lifecycle stage (new, growing, established, mature, dormant; thresholds in docs/definitions.md) on the day, among users first active by then.
   Grain: one row per day and lifecycle stage in analytics.lifecycle_stages_daily; group by stage_date and lifecycle_stage.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name lifecycle_users,
    expression SUM(analytics.lifecycle_stages_daily.users),
    owner growth
);

/* Users returning that day after a dormancy gap, by the length of the gap (days since their previous active day).
   Grain: one row per day and dormancy bucket (2-7, 8-30, 31-90, 90+ days) in analytics.resurrections_daily; group by activity_date and dormancy_bucket.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name returning_users,
    expression SUM(analytics.resurrections_daily.returning_users),
    owner growth
);
