/* Alert rows: weeks and months whose quick ratio fell below 1 (more users churned than were won
   or won back), newest first when read by period. */
MODEL (
    name analytics.growth_alerts,
    kind VIEW,
    grain (period_grain, period_start),
    audits (
        unique_combination_of_columns(columns := (period_grain, period_start)),
        accepted_range(column := quick_ratio, max_v := 1, inclusive := FALSE)
    )
);

SELECT
    period_grain, /* week or month. */
    period_start, /* First day of the period. */
    period_end, /* Last day of the period. */
    quick_ratio, /* Below 1. */
    quick_ratio_3_period_avg, /* Whether the decline is a trend: below 1 too. */
    new_users, /* Won that period. */
    resurrected_users, /* Won back that period. */
    churned_users, /* Lost that period. */
    'quick ratio below 1: more users lost than won' AS alert /* What the alert says. */
FROM analytics.quick_ratio_analysis
WHERE
    is_alert
