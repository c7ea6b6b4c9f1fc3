/* Each user's miles ledger by day: one row per user per day with at least one valid event (the
   days of the user x day backbone, whatever the event types), with the day's earned and redeemed
   miles and the user's running state at the end of that day: lifetime earned and redeemed, the
   balance (lifetime earned - lifetime redeemed), the balance before the day, the first day with
   miles earned, the first day that ended with a negative balance (and that balance), and how many
   of the user's active days so far ended negative. Balances only move on active days, so a user's
   balance on any later day is the one of their latest row.
   Incremental and keyed on activity_date like the backbone (@late_arrival_days of lookback). It
   does not rescan history: each user active in the processed range starts from their own latest
   row before it (a self-reference, read from before @start_date, which SQLMesh has already moved
   back by the lookback, so rows about to be recomputed are never read). That read touches only the
   earlier rows of the users active in the interval; the model is processed interval after interval
   (SQLMesh runs self-referencing models sequentially), and a restatement runs up to the latest day. */
MODEL (
    name intermediate.int_user_miles_balance,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days
    ),
    grain (user_id, activity_date),
    cron '@daily',
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

WITH user_days AS (
    SELECT
        activity_date,
        user_id,
        miles_earned,
        miles_redeemed
    FROM intermediate.int_user_activity_daily
    WHERE
        activity_date BETWEEN @start_ds AND @end_ds
), touched_users AS (
    SELECT DISTINCT
        user_id
    FROM user_days
), carried AS (
    /* Each touched user's state at the end of their latest active day before the interval. */
    SELECT
        user_id,
        lifetime_miles_earned,
        lifetime_miles_redeemed,
        miles_balance,
        first_earned_date,
        first_negative_date,
        first_negative_balance,
        negative_days
    FROM (
        SELECT
            earlier.user_id,
            earlier.lifetime_miles_earned,
            earlier.lifetime_miles_redeemed,
            earlier.miles_balance,
            earlier.first_earned_date,
            earlier.first_negative_date,
            earlier.first_negative_balance,
            earlier.negative_days,
            ROW_NUMBER() OVER (PARTITION BY earlier.user_id ORDER BY earlier.activity_date DESC) AS recency
        FROM intermediate.int_user_miles_balance AS earlier
        INNER JOIN touched_users
            ON earlier.user_id = touched_users.user_id
        WHERE
            earlier.activity_date < @start_ds
    ) AS ranked
    WHERE
        recency = 1
), running AS (
    /* Running totals within the interval, on top of the carried state (nothing carried: zeros). */
    SELECT
        user_days.activity_date,
        user_days.user_id,
        user_days.miles_earned,
        user_days.miles_redeemed,
        IFNULL(carried.lifetime_miles_earned, 0) + SUM(user_days.miles_earned) OVER (
            PARTITION BY user_days.user_id
            ORDER BY user_days.activity_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS lifetime_miles_earned,
        IFNULL(carried.lifetime_miles_redeemed, 0) + SUM(user_days.miles_redeemed) OVER (
            PARTITION BY user_days.user_id
            ORDER BY user_days.activity_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS lifetime_miles_redeemed,
        IFNULL(carried.miles_balance, 0) AS carried_balance,
        COALESCE(
            carried.first_earned_date,
            MIN(IF(user_days.miles_earned > 0, user_days.activity_date, NULL)) OVER (
                PARTITION BY user_days.user_id
                ORDER BY user_days.activity_date
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            )
        ) AS first_earned_date,
        carried.first_negative_date AS carried_first_negative_date,
        carried.first_negative_balance AS carried_first_negative_balance,
        IFNULL(carried.negative_days, 0) AS carried_negative_days
    FROM user_days
    LEFT JOIN carried
        ON user_days.user_id = carried.user_id
), balances AS (
    SELECT
        activity_date,
        user_id,
        miles_earned,
        miles_redeemed,
        lifetime_miles_earned,
        lifetime_miles_redeemed,
        lifetime_miles_earned - lifetime_miles_redeemed AS miles_balance,
        carried_balance,
        first_earned_date,
        carried_first_negative_date,
        carried_first_negative_balance,
        carried_negative_days
    FROM running
), first_negatives_in_interval AS (
    /* Each user's first day within the interval that ended negative, and that balance. */
    SELECT
        user_id,
        activity_date,
        miles_balance
    FROM (
        SELECT
            user_id,
            activity_date,
            miles_balance,
            ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY activity_date) AS negative_rank
        FROM balances
        WHERE
            miles_balance < 0
    ) AS ranked
    WHERE
        negative_rank = 1
), ledger AS (
    SELECT
        balances.activity_date,
        balances.user_id,
        balances.miles_earned,
        balances.miles_redeemed,
        balances.lifetime_miles_earned,
        balances.lifetime_miles_redeemed,
        IFNULL(
            LAG(balances.miles_balance) OVER (PARTITION BY balances.user_id ORDER BY balances.activity_date),
            balances.carried_balance
        ) AS previous_balance,
        balances.miles_balance,
        balances.first_earned_date,
        COALESCE(
            balances.carried_first_negative_date,
            IF(
                first_negatives.activity_date <= balances.activity_date,
                first_negatives.activity_date,
                NULL
            )
        ) AS first_negative_date,
        COALESCE(
            balances.carried_first_negative_balance,
            IF(
                first_negatives.activity_date <= balances.activity_date,
                first_negatives.miles_balance,
                NULL
            )
        ) AS first_negative_balance,
        balances.carried_negative_days + SUM(IF(balances.miles_balance < 0, 1, 0)) OVER (
            PARTITION BY balances.user_id
            ORDER BY balances.activity_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS negative_days
    FROM balances
    LEFT JOIN first_negatives_in_interval AS first_negatives
        ON balances.user_id = first_negatives.user_id
)
SELECT
    activity_date, /* The day (UTC), one on which the user had at least one valid event. */
    user_id, /* The user. */
    miles_earned, /* Miles earned that day. */
    miles_redeemed, /* Miles redeemed that day. */
    miles_earned - miles_redeemed AS net_miles, /* Earned minus redeemed that day. */
    lifetime_miles_earned, /* Miles earned up to and including that day. */
    lifetime_miles_redeemed, /* Miles redeemed up to and including that day. */
    previous_balance, /* Balance at the end of the user's previous active day (0 before the first). */
    miles_balance, /* Balance at the end of the day: lifetime earned - lifetime redeemed. */
    miles_balance < 0 AS is_negative, /* The day ended with a negative balance. */
    first_earned_date, /* First day with miles earned (> 0), up to this day; NULL if none yet. */
    first_negative_date, /* First day that ended with a negative balance, up to this day; NULL if none yet. */
    first_negative_balance, /* The balance at the end of first_negative_date. */
    negative_days /* The user's active days up to this one that ended with a negative balance. */
FROM ledger
