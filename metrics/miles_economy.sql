/* Miles economy, docs/definitions.md, "Miles economy". Flows (earned, redeemed) add up over days; stocks
   (outstanding miles, users with a negative balance) are end-of-day levels and must be grouped
   by day, never summed over days. */

/* Miles earned that day.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_earned,
    expression SUM(analytics.miles_economy_daily.miles_earned),
    owner economy
);

/* Miles redeemed that day (a positive number).
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_redeemed,
    expression SUM(analytics.miles_economy_daily.miles_redeemed),
    owner economy
);

/* Net miles issued that day: earned - redeemed.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name net_miles,
    expression miles_earned - miles_redeemed,
    owner economy
);

/* Earn-to-redeem ratio: miles earned / miles redeemed; NULL when nothing was redeemed.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name earn_redeem_ratio,
    expression miles_earned / NULLIF(miles_redeemed, 0),
    owner economy
);

/* Miles liability: the sum of every user's balance (lifetime earned - redeemed) at the end of the day. A stock: group by day.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name outstanding_miles,
    expression SUM(analytics.miles_economy_daily.outstanding_miles),
    owner economy
);

/* Users who earned miles that day.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name users_earning,
    expression SUM(analytics.miles_economy_daily.users_earning),
    owner economy
);

/* Users who redeemed miles that day.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name users_redeeming,
    expression SUM(analytics.miles_economy_daily.users_redeeming),
    owner economy
);

/* Users whose balance is below zero at the end of the day (redeemed more than earned in the data). A stock: group by day.
   Grain: one row per day of analytics.miles_economy_daily; group by economy_date.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name users_with_negative_balance,
    expression SUM(analytics.miles_economy_daily.users_with_negative_balance),
    owner economy
);

/* New miles: earned in the month by users whose first month with miles earned is this one.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_new_miles,
    expression SUM(analytics.miles_growth_accounting_monthly.new_miles),
    owner economy
);

/* Expansion miles: growth of users who earned in both months and more in this one.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_expansion_miles,
    expression SUM(analytics.miles_growth_accounting_monthly.expansion_miles),
    owner economy
);

/* Contraction miles: shrinkage of users who earned in both months and less in this one (positive).
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_contraction_miles,
    expression SUM(analytics.miles_growth_accounting_monthly.contraction_miles),
    owner economy
);

/* Churned miles: earned the month before by users who earned nothing in this one.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_churned_miles,
    expression SUM(analytics.miles_growth_accounting_monthly.churned_miles),
    owner economy
);

/* Resurrected miles: earned by users who earned nothing the month before but did in an earlier month.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_resurrected_miles,
    expression SUM(analytics.miles_growth_accounting_monthly.resurrected_miles),
    owner economy
);

/* Whether the miles quick ratio is defined (the cold-start rule, docs/definitions.md, "Growth accounting"): TRUE when every row grouped compares with a whole month before, one that starts on or after the first day of data; FALSE when any of them starts earlier.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_previous_period_whole_monthly,
    expression MIN(analytics.miles_growth_accounting_monthly.previous_period_whole),
    owner economy
);

/* Miles quick ratio: (new + expansion + resurrected) / (contraction + churned); NULL when nothing was lost, and NULL in the cold start, until the month before is whole (miles_previous_period_whole_monthly).
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name miles_quick_ratio_monthly,
    expression CASE WHEN miles_previous_period_whole_monthly THEN (monthly_new_miles + monthly_expansion_miles + monthly_resurrected_miles) / NULLIF(monthly_contraction_miles + monthly_churned_miles, 0) END,
    owner economy
);

/* Contraction miles as a negative number, so that a stacked chart draws the miles lost below zero.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_contraction_miles_below_zero,
    expression 0 - monthly_contraction_miles,
    owner economy
);

/* Churned miles as a negative number, so that a stacked chart draws the miles lost below zero.
   Grain: one row per month of analytics.miles_growth_accounting_monthly; group by period_start.
   Filters: events that earn or redeem miles (seeds/event_types.csv, miles_effect), whether they count as activity or not. */
METRIC (
    name monthly_churned_miles_below_zero,
    expression 0 - monthly_churned_miles,
    owner economy
);
