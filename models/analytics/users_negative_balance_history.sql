/* Negative-balance monitoring: one row per user whose balance (lifetime earned - lifetime
   redeemed) was below zero at the end of at least one day, with when that first happened and the
   balance then, the current balance, whether it is negative now, and days_negative: how many of
   the user's active days (days with at least one valid event, any type) ended with a negative
   balance (days without events are not counted: the balance cannot change on them).
   Incremental by user: a run recomputes only the users active in its interval or in the
   @late_arrival_days days before it, from their latest row in intermediate.int_user_miles_balance
   (which carries the running state, so only those days are read), and merges them in; other users
   keep their row. A late event can undo a negative day: a listed user whose recomputed history is
   no longer ever negative (read from this table: a self-reference) comes back with no
   first_negative_date, replaces their old row, and the statement after the query deletes it
   (DuckDB has no MERGE in SQLMesh 0.236, so no WHEN MATCHED ... THEN DELETE). */
MODEL (
    name analytics.users_negative_balance_history,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
    clustered_by user_id,
    columns (
        user_id STRING,
        first_negative_date DATE,
        first_negative_balance INT64,
        miles_balance INT64,
        is_negative_now BOOL,
        days_negative INT64,
        last_active_date DATE,
        lifetime_miles_earned INT64,
        lifetime_miles_redeemed INT64
    ),
    audits (
        unique_values(columns := (
            user_id
        )),
        not_null(
            columns := (
                user_id,
                first_negative_date,
                first_negative_balance,
                miles_balance,
                is_negative_now,
                days_negative,
                last_active_date,
                lifetime_miles_earned,
                lifetime_miles_redeemed
            )
        ),
        accepted_range(column := first_negative_balance, max_v := -1),
        accepted_range(column := days_negative, min_v := 1),
        forall(
            criteria := (
                miles_balance = lifetime_miles_earned - lifetime_miles_redeemed,
                is_negative_now = (
                    miles_balance < 0
                ),
                first_negative_date <= last_active_date
            )
        )
    )
);

WITH recent_days AS (
    SELECT
        user_id,
        activity_date,
        miles_balance,
        lifetime_miles_earned,
        lifetime_miles_redeemed,
        first_negative_date,
        first_negative_balance,
        negative_days
    FROM intermediate.int_user_miles_balance
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
), latest_days AS (
    SELECT
        user_id,
        MAX(activity_date) AS activity_date
    FROM recent_days
    GROUP BY
        user_id
), latest AS (
    /* Each touched user's latest day: it carries the user's whole history. (A join on the latest
       date rather than ROW_NUMBER() = 1, which trips an internal error in DuckDB 1.5's top-N
       window optimizer in this query.) */
    SELECT
        recent_days.user_id,
        recent_days.activity_date,
        recent_days.miles_balance,
        recent_days.lifetime_miles_earned,
        recent_days.lifetime_miles_redeemed,
        recent_days.first_negative_date,
        recent_days.first_negative_balance,
        recent_days.negative_days
    FROM recent_days
    INNER JOIN latest_days
        ON recent_days.user_id = latest_days.user_id
        AND recent_days.activity_date = latest_days.activity_date
), listed AS (
    /* Touched users already listed here: if no longer ever negative, their row goes. */
    SELECT
        listed_users.user_id
    FROM analytics.users_negative_balance_history AS listed_users
    INNER JOIN latest
        ON listed_users.user_id = latest.user_id
)
SELECT
    latest.user_id, /* The user. */
    latest.first_negative_date, /* First day that ended with a negative balance. */
    latest.first_negative_balance, /* The balance at the end of that day (below zero). */
    latest.miles_balance, /* Current balance: at the end of the user's latest active day. */
    latest.miles_balance < 0 AS is_negative_now, /* The current balance is below zero. */
    latest.negative_days AS days_negative, /* The user's active days (with at least one valid event) that ended with a negative balance. */
    latest.activity_date AS last_active_date, /* The user's latest active day, as of which the balance is given. */
    latest.lifetime_miles_earned, /* Miles earned, all time. */
    latest.lifetime_miles_redeemed /* Miles redeemed, all time. */
FROM latest
LEFT JOIN listed
    ON latest.user_id = listed.user_id
WHERE
    NOT latest.first_negative_date IS NULL OR NOT listed.user_id IS NULL;

@IF(
    @runtime_stage = 'evaluating',
    DELETE FROM @this_model
    WHERE
        first_negative_date IS NULL
)
