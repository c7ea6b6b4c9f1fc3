/* Each user's miles ledger by day: one row per user per day with at least one valid event (the
   days of the user x day backbone, whatever the event types), with the day's earned and redeemed
   miles and the user's running state at the end of that day: lifetime earned and redeemed, the
   balance (lifetime earned - lifetime redeemed), the balance before the day, the first day with
   miles earned, the first day that ended with a negative balance (and that balance), and how many
   of the user's active days so far ended negative. Balances only move on active days, so a user's
   balance on any later day is the one of their latest row.
   Incremental and keyed on activity_date like the backbone (@late_arrival_days of lookback). It
   reads no history, its own or the backbone's: intermediate.int_user_lifetime already holds each
   user's state at their latest day (totals, first day earning, days below zero and the first
   one), so a day's state is that state less the user's days after it, all of which are in the
   interval when it runs daily. (int_user_lifetime runs before this model; in a backfill it may have
   run further, and the days after the interval up to the user's last counted day are then read
   too.) An earlier version looked up each user's latest row before the interval in this table
   itself, a read that grew with history. */
MODEL (
    name intermediate.int_user_miles_balance,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days
    ),
    grain (user_id, activity_date),
    partitioned_by activity_date,
    clustered_by user_id,
    columns (
        activity_date DATE,
        user_id STRING,
        miles_earned INT64,
        miles_redeemed INT64,
        net_miles INT64,
        lifetime_miles_earned INT64,
        lifetime_miles_redeemed INT64,
        previous_balance INT64,
        miles_balance INT64,
        is_negative BOOL,
        first_earned_date DATE,
        first_negative_date DATE,
        first_negative_balance INT64,
        negative_days INT64
    ),
    audits (
        unique_combination_of_columns(columns := (user_id, activity_date)),
        not_null(
            columns := (
                activity_date,
                user_id,
                miles_earned,
                miles_redeemed,
                lifetime_miles_earned,
                lifetime_miles_redeemed,
                previous_balance,
                miles_balance,
                is_negative,
                negative_days
            )
        ),
        accepted_range(column := miles_earned, min_v := 0),
        accepted_range(column := miles_redeemed, min_v := 0),
        accepted_range(column := negative_days, min_v := 0),
        accepted_range(column := first_negative_balance, max_v := -1),
        forall(
            criteria := (
                net_miles = miles_earned - miles_redeemed,
                miles_balance = lifetime_miles_earned - lifetime_miles_redeemed,
                miles_balance = previous_balance + net_miles,
                lifetime_miles_earned >= miles_earned,
                lifetime_miles_redeemed >= miles_redeemed,
                is_negative = (
                    miles_balance < 0
                ),
                (
                    first_earned_date IS NULL
                ) = (
                    lifetime_miles_earned = 0
                ),
                (
                    first_negative_date IS NULL
                ) = (
                    negative_days = 0
                ),
                (
                    first_negative_date IS NULL
                ) = (
                    first_negative_balance IS NULL
                ),
                first_earned_date <= activity_date,
                first_negative_date <= activity_date,
                NOT is_negative OR negative_days >= 1
            )
        )
    )
);

WITH touched_users AS (
    SELECT DISTINCT
        user_id
    FROM intermediate.int_user_activity_daily
    WHERE
        activity_date BETWEEN @start_ds AND @end_ds
), lifetimes AS (
    /* Each touched user's state at the end of their latest day that int_user_lifetime counted. */
    SELECT
        lifetime.user_id,
        lifetime.last_seen_date,
        lifetime.total_miles_earned,
        lifetime.total_miles_redeemed,
        lifetime.first_earned_date,
        lifetime.negative_days,
        lifetime.first_negative_date,
        lifetime.first_negative_balance
    FROM intermediate.int_user_lifetime AS lifetime
    INNER JOIN touched_users
        ON lifetime.user_id = touched_users.user_id
), counted_days AS (
    /* The touched users' days from the interval's start to that latest day. */
    SELECT
        activity.activity_date,
        activity.user_id,
        activity.miles_earned,
        activity.miles_redeemed,
        lifetimes.total_miles_earned,
        lifetimes.total_miles_redeemed,
        lifetimes.first_earned_date,
        lifetimes.negative_days,
        lifetimes.first_negative_date,
        lifetimes.first_negative_balance
    FROM intermediate.int_user_activity_daily AS activity
    INNER JOIN lifetimes
        ON activity.user_id = lifetimes.user_id
    WHERE
        activity.activity_date >= @start_ds
        AND activity.activity_date <= lifetimes.last_seen_date
), balances AS (
    /* The state at the end of each day: the latest state less the days after it. The sums over
       later days are cast back to INT64 (DuckDB sums BIGINT into HUGEINT). */
    SELECT
        activity_date,
        user_id,
        miles_earned,
        miles_redeemed,
        total_miles_earned - IFNULL(
            CAST(SUM(miles_earned) OVER (
                PARTITION BY user_id
                ORDER BY activity_date
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
            ) AS INT64),
            0
        ) AS lifetime_miles_earned,
        total_miles_redeemed - IFNULL(
            CAST(SUM(miles_redeemed) OVER (
                PARTITION BY user_id
                ORDER BY activity_date
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
            ) AS INT64),
            0
        ) AS lifetime_miles_redeemed,
        first_earned_date,
        negative_days AS latest_negative_days,
        first_negative_date,
        first_negative_balance
    FROM counted_days
), ledger AS (
    SELECT
        activity_date,
        user_id,
        miles_earned,
        miles_redeemed,
        lifetime_miles_earned,
        lifetime_miles_redeemed,
        lifetime_miles_earned - lifetime_miles_redeemed AS miles_balance,
        IF(first_earned_date <= activity_date, first_earned_date, NULL) AS first_earned_date,
        IF(first_negative_date <= activity_date, first_negative_date, NULL) AS first_negative_date,
        IF(first_negative_date <= activity_date, first_negative_balance, NULL) AS first_negative_balance,
        latest_negative_days - IFNULL(
            SUM(IF(lifetime_miles_earned < lifetime_miles_redeemed, 1, 0)) OVER (
                PARTITION BY user_id
                ORDER BY activity_date
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
            ),
            0
        ) AS negative_days
    FROM balances
)
SELECT
    activity_date, /* The day (UTC), one on which the user had at least one valid event. */
    user_id, /* The user. */
    miles_earned, /* Miles earned that day. */
    miles_redeemed, /* Miles redeemed that day. */
    miles_earned - miles_redeemed AS net_miles, /* Earned minus redeemed that day. */
    lifetime_miles_earned, /* Miles earned up to and including that day. */
    lifetime_miles_redeemed, /* Miles redeemed up to and including that day. */
    miles_balance - (
        miles_earned - miles_redeemed
    ) AS previous_balance, /* Balance at the end of the user's previous active day (0 before the first). */
    miles_balance, /* Balance at the end of the day: lifetime earned - lifetime redeemed. */
    miles_balance < 0 AS is_negative, /* The day ended with a negative balance. */
    first_earned_date, /* First day with miles earned (> 0), up to this day; NULL if none yet. */
    first_negative_date, /* First day that ended with a negative balance, up to this day; NULL if none yet. */
    first_negative_balance, /* The balance at the end of first_negative_date. */
    CAST(negative_days AS INT64) AS negative_days /* The user's active days up to this one that ended with a negative balance. */
FROM ledger
WHERE
    activity_date <= @end_ds
@ORDER_BY(@orders_storage())
    activity_date,
    user_id
