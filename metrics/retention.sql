/* Retention cohorts, docs/definitions.md, "Retention cohorts". A cohort is the users first active in a
   period; age k is the k-th period after it, and a cohort has a row for age k only once that
   period is over. Grouped by age (and not by cohort) these metrics pool every cohort that has
   reached the age, weighting each by its size: sums first, ratios last. */

/* Cohort users: members of the cohorts (users whose first active day is the cohort's).
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_users_daily,
    expression SUM(analytics.retention_cohorts_daily.cohort_size),
    owner growth
);

/* Cohort members active in exactly the period of age k (return on).
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_users_daily,
    expression SUM(analytics.retention_cohorts_daily.active_users),
    owner growth
);

/* Cohort members active in the period of age k or in any later finished period (return on or after, unbounded).
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_retained_on_or_after_daily,
    expression SUM(analytics.retention_cohorts_daily.retained_on_or_after),
    owner growth
);

/* Return-on retention: share of cohort members active in exactly the period of age k.
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_rate_daily,
    expression cohort_active_users_daily / NULLIF(cohort_users_daily, 0),
    owner growth
);

/* Return-on-or-after retention: share of cohort members active at age k or later.
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_or_after_rate_daily,
    expression cohort_retained_on_or_after_daily / NULLIF(cohort_users_daily, 0),
    owner growth
);

/* Miles earned by cohort members from the cohort's first period to the end of age k.
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name cohort_miles_earned_daily,
    expression SUM(analytics.retention_cohorts_daily.cumulative_miles_earned_per_member * analytics.retention_cohorts_daily.cohort_size),
    owner growth
);

/* Active periods of cohort members, summed from age 0 to age k.
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_periods_daily,
    expression SUM(analytics.retention_cohorts_daily.cumulative_active_periods_per_member * analytics.retention_cohorts_daily.cohort_size),
    owner growth
);

/* Cohort value: miles earned per cohort member from the cohort's first period up to the end of age k (Social Capital's cumulative value curve).
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_earned_per_member_daily,
    expression cohort_miles_earned_daily / NULLIF(cohort_users_daily, 0),
    owner growth
);

/* Cumulative active periods per cohort member from age 0 to age k.
   Grain: one row per cohort day and age in analytics.retention_cohorts_daily; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_periods_per_member_daily,
    expression cohort_active_periods_daily / NULLIF(cohort_users_daily, 0),
    owner growth
);

/* Cohort users: members of the cohorts (users whose first active week (Monday start) is the cohort's).
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_users_weekly,
    expression SUM(analytics.retention_cohorts_weekly.cohort_size),
    owner growth
);

/* Cohort members active in exactly the period of age k (return on).
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_users_weekly,
    expression SUM(analytics.retention_cohorts_weekly.active_users),
    owner growth
);

/* Cohort members active in the period of age k or in any later finished period (return on or after, unbounded).
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_retained_on_or_after_weekly,
    expression SUM(analytics.retention_cohorts_weekly.retained_on_or_after),
    owner growth
);

/* Return-on retention: share of cohort members active in exactly the period of age k.
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_rate_weekly,
    expression cohort_active_users_weekly / NULLIF(cohort_users_weekly, 0),
    owner growth
);

/* Return-on-or-after retention: share of cohort members active at age k or later.
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_or_after_rate_weekly,
    expression cohort_retained_on_or_after_weekly / NULLIF(cohort_users_weekly, 0),
    owner growth
);

/* Miles earned by cohort members from the cohort's first period to the end of age k.
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name cohort_miles_earned_weekly,
    expression SUM(analytics.retention_cohorts_weekly.cumulative_miles_earned_per_member * analytics.retention_cohorts_weekly.cohort_size),
    owner growth
);

/* Active periods of cohort members, summed from age 0 to age k.
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_periods_weekly,
    expression SUM(analytics.retention_cohorts_weekly.cumulative_active_periods_per_member * analytics.retention_cohorts_weekly.cohort_size),
    owner growth
);

/* Cohort value: miles earned per cohort member from the cohort's first period up to the end of age k (Social Capital's cumulative value curve).
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_earned_per_member_weekly,
    expression cohort_miles_earned_weekly / NULLIF(cohort_users_weekly, 0),
    owner growth
);

/* Cumulative active periods per cohort member from age 0 to age k.
   Grain: one row per cohort week and age in analytics.retention_cohorts_weekly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_periods_per_member_weekly,
    expression cohort_active_periods_weekly / NULLIF(cohort_users_weekly, 0),
    owner growth
);

/* Cohort users: members of the cohorts (users whose first active month is the cohort's).
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_users_monthly,
    expression SUM(analytics.retention_cohorts_monthly.cohort_size),
    owner growth
);

/* Cohort members active in exactly the period of age k (return on).
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_users_monthly,
    expression SUM(analytics.retention_cohorts_monthly.active_users),
    owner growth
);

/* Cohort members active in the period of age k or in any later finished period (return on or after, unbounded).
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_retained_on_or_after_monthly,
    expression SUM(analytics.retention_cohorts_monthly.retained_on_or_after),
    owner growth
);

/* Return-on retention: share of cohort members active in exactly the period of age k.
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_rate_monthly,
    expression cohort_active_users_monthly / NULLIF(cohort_users_monthly, 0),
    owner growth
);

/* Return-on-or-after retention: share of cohort members active at age k or later.
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name return_on_or_after_rate_monthly,
    expression cohort_retained_on_or_after_monthly / NULLIF(cohort_users_monthly, 0),
    owner growth
);

/* Miles earned by cohort members from the cohort's first period to the end of age k.
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name cohort_miles_earned_monthly,
    expression SUM(analytics.retention_cohorts_monthly.cumulative_miles_earned_per_member * analytics.retention_cohorts_monthly.cohort_size),
    owner growth
);

/* Active periods of cohort members, summed from age 0 to age k.
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name cohort_active_periods_monthly,
    expression SUM(analytics.retention_cohorts_monthly.cumulative_active_periods_per_member * analytics.retention_cohorts_monthly.cohort_size),
    owner growth
);

/* Cohort value: miles earned per cohort member from the cohort's first period up to the end of age k (Social Capital's cumulative value curve).
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events that earn miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_earned_per_member_monthly,
    expression cohort_miles_earned_monthly / NULLIF(cohort_users_monthly, 0),
    owner growth
);

/* Cumulative active periods per cohort member from age 0 to age k.
   Grain: one row per cohort month and age in analytics.retention_cohorts_monthly; group by cohort_start and/or age.
   Filters: events of the types that count as activity (seeds/activity_event_types.csv; every type by default). */
METRIC (
    name active_periods_per_member_monthly,
    expression cohort_active_periods_monthly / NULLIF(cohort_users_monthly, 0),
    owner growth
);
