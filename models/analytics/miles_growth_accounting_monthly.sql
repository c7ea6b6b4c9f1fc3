/* Growth accounting on miles earned by calendar month (Social Capital's revenue accounting, with
   miles earned as the revenue): for each user, earned(m) and earned(m-1); a user earns in a month
   when they earn more than 0 miles in it. new = earned(m) of users whose first earning month is m;
   expansion = earned(m) - earned(m-1) of users earning in both months with more in m;
   contraction = earned(m-1) - earned(m) of users earning in both with less in m; churned =
   earned(m-1) of users earning in m-1 and not in m; resurrected = earned(m) of users earning in m,
   not in m-1, but in an earlier month. So miles_earned(m) = miles_earned(m-1) + new + expansion +
   resurrected - contraction - churned (audited). One row per month from the month of the first
   miles ever earned on, empty months included (they show the churn).
   Daily intervals, like analytics.growth_accounting_monthly (see its header: SQLMesh 0.236
   mishandles month intervals): a month is published by the run that processes its last day, and
   each run reaches back @late_arrival_days days, so a month just over is recomputed while late
   events may still land. A run reads the user-days of the published months and the month before
   them only; whether a user earned before that comes from first_earned_date, carried on every row
   of intermediate.int_user_miles_balance, and whether anyone had earned by a month's end from
   analytics.miles_economy_daily (lifetime_miles_earned), so no history is rescanned. */
MODEL (
    name analytics.miles_growth_accounting_monthly,
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
                miles_earned,
                previous_miles_earned,
                new_miles,
                expansion_miles,
                contraction_miles,
                churned_miles,
                resurrected_miles,
                net_change_miles,
                earning_users,
                previous_period_whole
            )
        ),
        accepted_range(column := miles_quick_ratio, min_v := 0),
        miles_growth_accounting_identity
    )
);

WITH first_activity AS (
    /* The first day of data: the miles economy's first day, the first day with any valid event.
       A month before anyone earned is still a whole month of data, with no miles in it. */
    SELECT
        MIN(economy_date) AS first_day
    FROM analytics.miles_economy_daily
), spine AS (
    /* The months this run publishes: those whose last day is in the interval, once someone has
       earned miles by then. */
    SELECT
        CAST(DATE_TRUNC(economy_date, MONTH) AS DATE) AS period_start,
        economy_date AS period_end
    FROM analytics.miles_economy_daily
    WHERE
        economy_date BETWEEN @start_ds AND @end_ds
        AND economy_date = LAST_DAY(economy_date, MONTH)
        AND lifetime_miles_earned > 0
), earning_days AS (
    /* Days with miles earned, from the month before the interval's first month to the interval's
       end (the days of a month not over yet make transitions that no published month joins). */
    SELECT
        user_id,
        activity_date,
        miles_earned,
        first_earned_date
    FROM intermediate.int_user_miles_balance
    WHERE
        activity_date BETWEEN CAST(DATE_SUB(CAST(DATE_TRUNC(@start_date, MONTH) AS DATE), INTERVAL '1' MONTH) AS DATE) AND @end_ds
        AND miles_earned > 0
), user_months AS (
    SELECT
        user_id,
        CAST(DATE_TRUNC(activity_date, MONTH) AS DATE) AS period_start,
        SUM(miles_earned) AS miles_earned,
        CAST(DATE_TRUNC(MIN(first_earned_date), MONTH) AS DATE) AS first_earning_month
    FROM earning_days
    GROUP BY
        user_id,
        CAST(DATE_TRUNC(activity_date, MONTH) AS DATE)
), transitions AS (
    /* Each user's miles earned in a month and in the month before it. */
    SELECT
        COALESCE(
            current_month.period_start,
            CAST(DATE_ADD(previous_month.period_start, INTERVAL '1' MONTH) AS DATE)
        ) AS period_start,
        COALESCE(current_month.user_id, previous_month.user_id) AS user_id,
        IFNULL(current_month.miles_earned, 0) AS miles_earned,
        IFNULL(previous_month.miles_earned, 0) AS previous_miles_earned,
        current_month.first_earning_month
    FROM user_months AS current_month
    FULL OUTER JOIN user_months AS previous_month
        ON current_month.user_id = previous_month.user_id
        AND current_month.period_start = CAST(DATE_ADD(previous_month.period_start, INTERVAL '1' MONTH) AS DATE)
), counts AS (
    SELECT
        period_start,
        SUM(miles_earned) AS miles_earned,
        SUM(previous_miles_earned) AS previous_miles_earned,
        SUM(IF(miles_earned > 0 AND first_earning_month = period_start, miles_earned, 0)) AS new_miles,
        SUM(
            IF(
                previous_miles_earned > 0 AND miles_earned > previous_miles_earned,
                miles_earned - previous_miles_earned,
                0
            )
        ) AS expansion_miles,
        SUM(
            IF(
                miles_earned > 0 AND previous_miles_earned > miles_earned,
                previous_miles_earned - miles_earned,
                0
            )
        ) AS contraction_miles,
        SUM(IF(previous_miles_earned > 0 AND miles_earned = 0, previous_miles_earned, 0)) AS churned_miles,
        SUM(
            IF(
                previous_miles_earned = 0
                AND miles_earned > 0
                AND first_earning_month < period_start,
                miles_earned,
                0
            )
        ) AS resurrected_miles,
        SUM(IF(miles_earned > 0, 1, 0)) AS earning_users
    FROM transitions
    GROUP BY
        period_start
)
SELECT
    spine.period_start, /* First day of the month. */
    spine.period_end, /* Last day of the month (the time column): the month is published once it is over. */
    IFNULL(counts.miles_earned, 0) AS miles_earned, /* Miles earned in the month, all users. */
    IFNULL(counts.previous_miles_earned, 0) AS previous_miles_earned, /* Miles earned in the month before. */
    IFNULL(counts.new_miles, 0) AS new_miles, /* Miles earned by users whose first month with miles earned is this one. */
    IFNULL(counts.expansion_miles, 0) AS expansion_miles, /* Growth of users who earned in both months and more in this one: earned(m) - earned(m-1). */
    IFNULL(counts.contraction_miles, 0) AS contraction_miles, /* Shrinkage of users who earned in both months and less in this one: earned(m-1) - earned(m), positive. */
    IFNULL(counts.churned_miles, 0) AS churned_miles, /* Miles earned the month before by users who earned nothing in this one. */
    IFNULL(counts.resurrected_miles, 0) AS resurrected_miles, /* Miles earned by users who earned nothing the month before but did in an earlier month. */
    IFNULL(counts.miles_earned, 0) - IFNULL(counts.previous_miles_earned, 0) AS net_change_miles, /* miles_earned - previous_miles_earned = new + expansion + resurrected - contraction - churned. */
    SAFE_DIVIDE(
        counts.new_miles + counts.expansion_miles + counts.resurrected_miles,
        counts.contraction_miles + counts.churned_miles
    ) AS miles_quick_ratio, /* (new + expansion + resurrected) / (contraction + churned); NULL when nothing was lost. Plain arithmetic: METRIC(miles_quick_ratio_monthly) also needs previous_period_whole. */
    IFNULL(counts.earning_users, 0) AS earning_users, /* Users who earned miles (> 0) in the month. */
    DATE_SUB(spine.period_start, INTERVAL '1' MONTH) >= first_activity.first_day AS previous_period_whole /* The month before starts on or after the first day of data, so the miles quick ratio is defined (docs/definitions.md, "Growth accounting", cold start); before that the month before is cut short and the miles lost against it are artefacts. The stored ratio stays the plain arithmetic (the identity audit checks it); METRIC(miles_quick_ratio_monthly), and so the dashboards, applies this flag. */
FROM spine
CROSS JOIN first_activity
LEFT JOIN counts
    ON spine.period_start = counts.period_start
