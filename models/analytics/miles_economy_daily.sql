/* The miles economy by day, every day from the first event on (empty days included: zeros, and
   the balances carried over): miles earned and redeemed, net miles, the outstanding liability
   (the sum of all users' balances = all miles ever earned - all miles ever redeemed, up to the end
   of the day), earned / redeemed, users earning and redeeming (> 0 miles that day), and users
   whose balance is negative at the end of the day (all users, active that day or not).
   Running totals without rescanning history: the previous day's row of this same table (the day
   before @start_date, which SQLMesh has already moved back by the lookback, so rows about to be
   recomputed are never read) plus running sums over the interval's days. The negative-balance
   count moves only when an active user crosses zero, so it too is the previous day's count plus
   the interval's crossings (from intermediate.int_user_miles_balance: balance before and after
   each active day). A run therefore reads one earlier row and the interval's user-days. When
   there is no previous row, history starts at the first user-day in the interval. Self-referencing:
   SQLMesh processes the intervals in order, and a restatement runs up to the latest day. */
MODEL (
    name analytics.miles_economy_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column economy_date,
        lookback @late_arrival_days
    ),
    grain economy_date,
    columns (
        economy_date DATE,
        miles_earned INT64,
        miles_redeemed INT64,
        net_miles INT64,
        lifetime_miles_earned INT64,
        lifetime_miles_redeemed INT64,
        outstanding_miles INT64,
        earn_redeem_ratio FLOAT64,
        users_earning INT64,
        users_redeeming INT64,
        users_with_negative_balance INT64
    ),
    audits (
        unique_values(columns := (
            economy_date
        )),
        not_null(
            columns := (
                economy_date,
                miles_earned,
                miles_redeemed,
                net_miles,
                lifetime_miles_earned,
                lifetime_miles_redeemed,
                outstanding_miles,
                users_earning,
                users_redeeming,
                users_with_negative_balance
            )
        ),
        accepted_range(column := miles_earned, min_v := 0),
        accepted_range(column := miles_redeemed, min_v := 0),
        accepted_range(column := users_earning, min_v := 0),
        accepted_range(column := users_redeeming, min_v := 0),
        accepted_range(column := users_with_negative_balance, min_v := 0),
        accepted_range(column := earn_redeem_ratio, min_v := 0),
        forall(
            criteria := (
                net_miles = miles_earned - miles_redeemed,
                outstanding_miles = lifetime_miles_earned - lifetime_miles_redeemed,
                lifetime_miles_earned >= miles_earned,
                lifetime_miles_redeemed >= miles_redeemed,
                (
                    miles_redeemed = 0
                ) = (
                    earn_redeem_ratio IS NULL
                ),
                (
                    users_earning = 0
                ) = (
                    miles_earned = 0
                ),
                (
                    users_redeeming = 0
                ) = (
                    miles_redeemed = 0
                )
            )
        ),
        miles_economy_running_totals
    )
);

WITH user_days AS (
    SELECT
        activity_date,
        user_id,
        miles_earned,
        miles_redeemed,
        is_negative,
        previous_balance
    FROM intermediate.int_user_miles_balance
    WHERE
        activity_date BETWEEN @start_ds AND @end_ds
), previous_day AS (
    SELECT
        stored.lifetime_miles_earned,
        stored.lifetime_miles_redeemed,
        stored.users_with_negative_balance
    FROM analytics.miles_economy_daily AS stored
    WHERE
        stored.economy_date = DATE_SUB(@start_date, INTERVAL '1' DAY)
), carried AS (
    /* Always one row: the totals at the end of the day before the interval (zeros if none). */
    SELECT
        COUNT(*) AS previous_rows,
        IFNULL(SUM(lifetime_miles_earned), 0) AS lifetime_miles_earned,
        IFNULL(SUM(lifetime_miles_redeemed), 0) AS lifetime_miles_redeemed,
        IFNULL(SUM(users_with_negative_balance), 0) AS users_with_negative_balance
    FROM previous_day
), bounds AS (
    /* The interval's days continue the table when it has the day before; otherwise the table
       starts at the first user-day in the interval (no user-day: no rows). */
    SELECT
        IF(carried.previous_rows > 0, @start_date, first_activity.first_day) AS first_day
    FROM carried
    CROSS JOIN (
        SELECT
            MIN(activity_date) AS first_day
        FROM user_days
    ) AS first_activity
), days AS (
    SELECT
        economy_date
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS economy_date
), daily AS (
    SELECT
        activity_date,
        SUM(miles_earned) AS miles_earned,
        SUM(miles_redeemed) AS miles_redeemed,
        SUM(IF(miles_earned > 0, 1, 0)) AS users_earning,
        SUM(IF(miles_redeemed > 0, 1, 0)) AS users_redeeming,
        SUM(IF(is_negative, 1, 0) - IF(previous_balance < 0, 1, 0)) AS negative_users_change
    FROM user_days
    GROUP BY
        activity_date
), filled AS (
    SELECT
        days.economy_date,
        IFNULL(daily.miles_earned, 0) AS miles_earned,
        IFNULL(daily.miles_redeemed, 0) AS miles_redeemed,
        IFNULL(daily.users_earning, 0) AS users_earning,
        IFNULL(daily.users_redeeming, 0) AS users_redeeming,
        IFNULL(daily.negative_users_change, 0) AS negative_users_change
    FROM days
    LEFT JOIN daily
        ON days.economy_date = daily.activity_date
), running AS (
    SELECT
        filled.economy_date,
        filled.miles_earned,
        filled.miles_redeemed,
        carried.lifetime_miles_earned + SUM(filled.miles_earned) OVER (ORDER BY filled.economy_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS lifetime_miles_earned,
        carried.lifetime_miles_redeemed + SUM(filled.miles_redeemed) OVER (ORDER BY filled.economy_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS lifetime_miles_redeemed,
        filled.users_earning,
        filled.users_redeeming,
        carried.users_with_negative_balance + SUM(filled.negative_users_change) OVER (ORDER BY filled.economy_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS users_with_negative_balance
    FROM filled
    CROSS JOIN carried
)
SELECT
    economy_date, /* The day (UTC). */
    miles_earned, /* Miles earned that day, all users. */
    miles_redeemed, /* Miles redeemed that day, all users. */
    miles_earned - miles_redeemed AS net_miles, /* Earned minus redeemed that day. */
    lifetime_miles_earned, /* Miles earned up to and including that day. */
    lifetime_miles_redeemed, /* Miles redeemed up to and including that day. */
    lifetime_miles_earned - lifetime_miles_redeemed AS outstanding_miles, /* The liability at the end of the day: the sum of all users' balances (negative ones included). */
    SAFE_DIVIDE(miles_earned, miles_redeemed) AS earn_redeem_ratio, /* Miles earned / miles redeemed that day; NULL when nothing was redeemed. */
    users_earning, /* Users who earned miles (> 0) that day. */
    users_redeeming, /* Users who redeemed miles (> 0) that day. */
    users_with_negative_balance /* Users whose balance is below zero at the end of the day, active that day or not. */
FROM running
